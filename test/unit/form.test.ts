import { describe, expect, it } from 'vitest';
import { formationProblem, formingNodeTimeout, viewMismatch } from '../../src/cluster/form.js';
import { type ClusterNodeEntry, parseClusterNodes } from '../../src/cluster/nodes-parser.js';
import type { SlotRange } from '../../src/cluster/slots.js';

const A = 'aaaaaaaa00000000000000000000000000000001';
const B = 'bbbbbbbb00000000000000000000000000000002';
const R = 'cccccccc00000000000000000000000000000003';
const ids = [A, B, R];
const plan = new Map<string, SlotRange[]>([
  [A, [[0, 8191]]],
  [B, [[8192, 16383]]],
]);

/** The formed cluster as node A sees it: A and B masters, R replicating A. */
function viewOfA(overrides: { bSlots?: string; rFlags?: string; rAddr?: string } = {}): ClusterNodeEntry[] {
  return parseClusterNodes(
    [
      `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191`,
      `${B} 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected ${overrides.bSlots ?? '8192-16383'}`,
      `${R} ${overrides.rAddr ?? '127.0.0.1:7002@17002'} ${overrides.rFlags ?? 'slave'} ${A} 0 1700000000000 1 connected`,
    ].join('\n'),
  );
}

describe('viewMismatch', () => {
  it('is null when every node is known and the slots are as planned', () => {
    expect(viewMismatch(viewOfA(), ids, plan)).toBeNull();
  });

  it('accepts the planned slots split into adjacent ranges', () => {
    expect(viewMismatch(viewOfA({ bSlots: '8192-9000 9001-16383' }), ids, plan)).toBeNull();
  });

  it('reports nodes still in handshake', () => {
    expect(viewMismatch(viewOfA({ rFlags: 'handshake', rAddr: ':7002@17002' }), ids, plan)).toBe(
      '1 node(s) still in handshake',
    );
  });

  it('counts noaddr nodes as still in handshake', () => {
    expect(viewMismatch(viewOfA({ rFlags: 'slave,noaddr' }), ids, plan)).toBe('1 node(s) still in handshake');
  });

  it('reports nodes not known yet', () => {
    const view = viewOfA().filter((n) => n.id !== R);
    expect(viewMismatch(view, ids, plan)).toBe('1 of 3 nodes not known yet');
  });

  it('reports a master whose slots differ from the plan', () => {
    expect(viewMismatch(viewOfA({ bSlots: '8192-16000' }), ids, plan)).toBe('slots of bbbbbbbb not agreed yet');
  });

  it('reports a master that has no slots yet', () => {
    expect(viewMismatch(viewOfA({ bSlots: '' }), ids, plan)).toBe('slots of bbbbbbbb not agreed yet');
  });
});

describe('formationProblem', () => {
  const ok = new Map([['cluster_state', 'ok']]);
  const linkUp = new Map([
    ['role', 'slave'],
    ['master_link_status', 'up'],
  ]);
  const linkDown = new Map([
    ['role', 'slave'],
    ['master_link_status', 'down'],
  ]);
  const masterRepl = new Map([['role', 'master']]);

  it('is null for a master with an agreeing view and cluster_state:ok', () => {
    expect(formationProblem({ view: viewOfA(), clusterInfo: ok, replication: masterRepl }, ids, plan, A)).toBeNull();
  });

  it('is null for a replica whose link is up', () => {
    expect(formationProblem({ view: viewOfA(), clusterInfo: ok, replication: linkUp }, ids, plan, R)).toBeNull();
  });

  it('reports the view mismatch first', () => {
    const view = viewOfA({ bSlots: '8192-9000' });
    expect(
      formationProblem(
        { view, clusterInfo: new Map([['cluster_state', 'fail']]), replication: linkDown },
        ids,
        plan,
        R,
      ),
    ).toBe('slots of bbbbbbbb not agreed yet');
  });

  it('reports a cluster_state other than ok', () => {
    expect(
      formationProblem(
        { view: viewOfA(), clusterInfo: new Map([['cluster_state', 'fail']]), replication: masterRepl },
        ids,
        plan,
        A,
      ),
    ).toBe('cluster_state:fail');
    expect(formationProblem({ view: viewOfA(), clusterInfo: new Map(), replication: masterRepl }, ids, plan, A)).toBe(
      'cluster_state:?',
    );
  });

  it('reports a replica whose link to its master is not up', () => {
    expect(formationProblem({ view: viewOfA(), clusterInfo: ok, replication: linkDown }, ids, plan, R)).toBe(
      'replica link to its master not up yet',
    );
    expect(formationProblem({ view: viewOfA(), clusterInfo: ok, replication: new Map() }, ids, plan, R)).toBe(
      'replica link to its master not up yet',
    );
  });

  it('does not ask a master for a replication link', () => {
    expect(formationProblem({ view: viewOfA(), clusterInfo: ok, replication: new Map() }, ids, plan, B)).toBeNull();
  });
});

describe('formingNodeTimeout', () => {
  it('is 20 ms per node, never below 500 ms', () => {
    expect(formingNodeTimeout(6)).toBe(500);
    expect(formingNodeTimeout(25)).toBe(500);
    expect(formingNodeTimeout(50)).toBe(1000);
    expect(formingNodeTimeout(100)).toBe(2000);
    expect(formingNodeTimeout(200)).toBe(4000);
  });
});
