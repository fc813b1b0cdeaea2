import { describe, expect, it } from 'vitest';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { parseClusterNodes, parseInfo } from '../../src/cluster/nodes-parser.js';
import { clusterSettled, flaggedFailEverywhere, promotionDone, rejoinDone } from '../../src/cluster/conditions.js';
import { promotionTiming } from '../../src/observe/measure.js';
import type { DrillEvent } from '../../src/observe/events.js';

// 3 masters x 1 replica; Master[0] (M0, port 7000) is the victim, R0 (7003) its replica.
const M0 = '5c94ee85f831d9240a9589fb6ea496922e3368ef';
const M1 = '7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2';
const M2 = 'f997d19e6ac0e47412bf2d31c092c883befa4756';
const R0 = '18fc4c678f3273514c4fe65cf0276f5d2d509301';
const R1 = '439957741f0e798973bb231939be99e1d8d0c665';
const R2 = '5f4e90960bf1b7599575d57248d16b08fbb8cf00';
const VICTIM = { host: '127.0.0.1', port: 7000 };
const SLOT = 0;

const line = (id: string, port: number, flags: string, master: string, slots = ''): string =>
  `${id} 127.0.0.1:${port}@${port + 10000} ${flags} ${master} 0 1795253888000 1 connected ${slots}`.trimEnd();

/** CLUSTER NODES before the fault. */
const BEFORE = [
  line(M0, 7000, 'master', '-', '0-5460'),
  line(M1, 7001, 'master', '-', '5461-10922'),
  line(M2, 7002, 'master', '-', '10923-16383'),
  line(R0, 7003, 'slave', M0),
  line(R1, 7004, 'slave', M1),
  line(R2, 7005, 'slave', M2),
];
/** After R0 took over M0's slots. */
const AFTER = [
  line(M0, 7000, 'master,fail', '-'),
  line(M1, 7001, 'master', '-', '5461-10922'),
  line(M2, 7002, 'master', '-', '10923-16383'),
  line(R0, 7003, 'master', '-', '0-5460'),
  line(R1, 7004, 'slave', M1),
  line(R2, 7005, 'slave', M2),
];
/** M1 claims slot 0 (not a replica of the victim). */
const STOLEN = [
  line(M0, 7000, 'master,fail', '-'),
  line(M1, 7001, 'master', '-', '0-10922'),
  line(M2, 7002, 'master', '-', '10923-16383'),
  line(R0, 7003, 'slave', M1),
  line(R1, 7004, 'slave', M1),
  line(R2, 7005, 'slave', M2),
];

interface ProbeOptions {
  lines?: string[];
  state?: 'ok' | 'fail';
  replication?: string;
  up?: boolean;
}

function probe(port: number, o: ProbeOptions = {}): NodeProbe {
  const address = { host: '127.0.0.1', port };
  if (o.up === false)
    return {
      address,
      up: false,
      error: 'connection refused',
      view: null,
      clusterInfo: null,
      replication: null,
      dbsize: null,
    };
  const lines = (o.lines ?? AFTER).map((l) =>
    l.split(' ')[1]!.startsWith(`127.0.0.1:${port}@`) ? l.replace(/ (master|slave)/, ' myself,$1') : l,
  );
  return {
    address,
    up: true,
    error: null,
    view: parseClusterNodes(lines.join('\n')),
    clusterInfo: parseInfo(`cluster_state:${o.state ?? 'ok'}\r\ncluster_current_epoch:7\r\n`),
    replication: parseInfo(o.replication ?? 'role:master\r\n'),
    dbsize: 0,
  };
}

const others = (o: ProbeOptions = {}): NodeProbe[] => [7001, 7002, 7003, 7004, 7005].map((p) => probe(p, o));

describe('promotionDone', () => {
  it('is not done while the victim still owns the slot, and says so', () => {
    const r = promotionDone(others({ lines: BEFORE }), VICTIM, [R0], SLOT);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain(M0.slice(0, 8));
  });

  it('is done with the candidate that owns the slot in every view, cluster_state:ok everywhere', () => {
    expect(promotionDone([probe(7000, { up: false }), ...others()], VICTIM, [R0], SLOT)).toEqual({
      done: true,
      value: R0,
    });
  });

  it('is not done while one node still reports cluster_state:fail', () => {
    const probes = others();
    probes[3] = probe(7004, { state: 'fail' });
    const r = promotionDone(probes, VICTIM, [R0], SLOT);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain('127.0.0.1:7004');
  });

  it('is not done while the views disagree on the owner', () => {
    const probes = [...others().slice(0, 3), probe(7004, { lines: BEFORE }), probe(7005)];
    const r = promotionDone(probes, VICTIM, [R0], SLOT);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain(M0.slice(0, 8));
    expect(!r.done && r.seen).toContain(R0.slice(0, 8));
  });

  it('is not done when a master that is not a candidate owns the slot', () => {
    const r = promotionDone(others({ lines: STOLEN }), VICTIM, [R0], SLOT);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain(M1.slice(0, 8));
  });

  it("ignores the victim's own probe, down or up with a stale view", () => {
    expect(promotionDone([probe(7000, { up: false }), ...others()], VICTIM, [R0], SLOT).done).toBe(true);
    expect(promotionDone([probe(7000, { lines: BEFORE, state: 'fail' }), ...others()], VICTIM, [R0], SLOT).done).toBe(
      true,
    );
  });

  it('ignores other nodes that do not answer', () => {
    const probes = [...others().slice(0, 4), probe(7005, { up: false })];
    expect(promotionDone(probes, VICTIM, [R0], SLOT)).toEqual({ done: true, value: R0 });
  });

  it('is not done when no node but the victim answers', () => {
    expect(promotionDone([probe(7000), probe(7001, { up: false })], VICTIM, [R0], SLOT)).toEqual({
      done: false,
      seen: 'no node answering',
    });
  });
});

describe('rejoinDone', () => {
  const NODE = VICTIM;
  const REJOINED = AFTER.map((l) => l.replace('master,fail -', `slave ${R0}`));

  it('is not done while the node does not answer', () => {
    const r = rejoinDone([probe(7000, { up: false }), ...others()], NODE);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain('127.0.0.1:7000 not answering');
  });

  it('is not done when the node is not among the probes', () => {
    expect(rejoinDone(others(), NODE).done).toBe(false);
  });

  it('is not done while a replica has its master link down', () => {
    const r = rejoinDone(
      [probe(7000, { lines: REJOINED, replication: 'role:slave\r\nmaster_link_status:down\r\n' }), ...others()],
      NODE,
    );
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain('master_link_status:down');
  });

  it('is done as a replica, with its master, once the link is up and it reports cluster_state:ok', () => {
    const r = rejoinDone(
      [probe(7000, { lines: REJOINED, replication: 'role:slave\r\nmaster_link_status:up\r\n' }), ...others()],
      NODE,
    );
    expect(r).toEqual({ done: true, value: { role: 'replica', masterId: R0 } });
  });

  it('is not done as a replica with its link up while it still reports cluster_state:fail (a restarted master)', () => {
    const r = rejoinDone(
      [
        probe(7000, { lines: REJOINED, state: 'fail', replication: 'role:slave\r\nmaster_link_status:up\r\n' }),
        ...others(),
      ],
      NODE,
    );
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain('cluster_state:fail');
  });

  it('is done as a master with slots when every node that answers reports ok', () => {
    const probes = [
      probe(7000, { lines: BEFORE }),
      ...others({ lines: BEFORE }).slice(0, 4),
      probe(7005, { up: false }),
    ];
    expect(rejoinDone(probes, NODE)).toEqual({ done: true, value: { role: 'master', masterId: null } });
  });

  it('is not done as a master while some node reports cluster_state:fail', () => {
    const probes = [probe(7000, { lines: BEFORE }), probe(7001, { lines: BEFORE, state: 'fail' })];
    const r = rejoinDone(probes, NODE);
    expect(r.done).toBe(false);
    expect(!r.done && r.seen).toContain('1 node(s)');
  });

  it('is not done as a master without slots', () => {
    expect(rejoinDone([probe(7000, { lines: AFTER }), ...others()], NODE).done).toBe(false);
  });
});

describe('promotionTiming', () => {
  const T0 = 1_800_000_000_000;
  const PROMOTED = { id: R0, host: '127.0.0.1', port: 7003 };
  const ev = (node: string, source: 'log' | 'poll', kind: DrillEvent['kind'], at: number): DrillEvent => ({
    tMs: at - T0,
    at,
    node,
    source,
    kind,
    detail: '',
  });

  it("prefers the promoted node's own 'election won' log line", () => {
    const events = [
      ev('127.0.0.1:7003', 'poll', 'promoted', T0 + 900),
      ev('127.0.0.1:7003', 'log', 'election-won', T0 + 1234.4),
    ];
    expect(promotionTiming(events, PROMOTED, T0)).toEqual({ promotionMs: 1234, promotionSource: 'log' });
  });

  it('falls back to the poll that saw it promoted', () => {
    const events = [ev('127.0.0.1:7003', 'poll', 'promoted', T0 + 1500.6)];
    expect(promotionTiming(events, PROMOTED, T0)).toEqual({ promotionMs: 1501, promotionSource: 'poll' });
  });

  it('ignores the events of other nodes', () => {
    const events = [
      ev('127.0.0.1:7004', 'log', 'election-won', T0 + 800),
      ev('127.0.0.1:7004', 'poll', 'promoted', T0 + 900),
    ];
    expect(promotionTiming(events, PROMOTED, T0)).toEqual({ promotionMs: null, promotionSource: null });
    expect(promotionTiming([...events, ev('127.0.0.1:7003', 'poll', 'promoted', T0 + 1000)], PROMOTED, T0)).toEqual({
      promotionMs: 1000,
      promotionSource: 'poll',
    });
  });

  it('ignores an election won long before the fault', () => {
    const events = [
      ev('127.0.0.1:7003', 'log', 'election-won', T0 - 5000),
      ev('127.0.0.1:7003', 'poll', 'promoted', T0 + 700),
    ];
    expect(promotionTiming(events, PROMOTED, T0)).toEqual({ promotionMs: 700, promotionSource: 'poll' });
  });

  it('is null without a promoted node', () => {
    expect(promotionTiming([ev('127.0.0.1:7003', 'log', 'election-won', T0 + 10)], null, T0)).toEqual({
      promotionMs: null,
      promotionSource: null,
    });
  });
});

describe('clusterSettled', () => {
  const all = (o: (port: number) => ProbeOptions): NodeProbe[] =>
    [7000, 7001, 7002, 7003, 7004, 7005].map((p) => probe(p, { lines: BEFORE, ...o(p) }));
  const linked = (port: number): ProbeOptions => ({
    replication: port >= 7003 ? 'role:slave\r\nmaster_link_status:up\r\n' : 'role:master\r\n',
  });
  it('needs every node answering with cluster_state:ok, one slot map and every replica linked; says what is missing', () => {
    expect(clusterSettled(all(linked))).toMatchObject({
      done: true,
      value: "all 6 nodes answer with cluster_state:ok, one slot map and the same roles; every replica's link is up",
    });
    // 7001 has not heard yet that R0 (7003, restarted) is M0's replica: M0 ignores a manual failover from a replica it does not know.
    const lagging = BEFORE.map((l) => (l.startsWith(R0) ? line(R0, 7003, 'master', '-') : l));
    expect(clusterSettled(all((p) => ({ ...linked(p), ...(p === 7001 ? { lines: lagging } : {}) })))).toEqual({
      done: false,
      seen: '127.0.0.1:7001 still sees 127.0.0.1:7003 as a master; it says it is a replica of 5c94ee85',
    });
    expect(clusterSettled(all((p) => (p === 7000 ? { up: false } : linked(p))))).toEqual({
      done: false,
      seen: 'not answering: 127.0.0.1:7000',
    });
    expect(clusterSettled(all((p) => ({ ...linked(p), ...(p === 7002 ? { lines: STOLEN } : {}) })))).toEqual({
      done: false,
      seen: 'the nodes hold different slot maps: 127.0.0.1:7002 differ from the others',
    });
    expect(
      clusterSettled(
        all((p) => (p === 7004 ? { replication: 'role:slave\r\nmaster_link_status:down\r\n' } : linked(p))),
      ),
    ).toEqual({ done: false, seen: 'replica link not up on 127.0.0.1:7004' });
    expect(clusterSettled(all((p) => ({ ...linked(p), ...(p === 7001 ? { state: 'fail' as const } : {}) }))).done).toBe(
      false,
    );
  });
});

describe('flaggedFailEverywhere', () => {
  it('is done when every other answering node flags the node fail, and names the ones that do not yet', () => {
    const flagged = AFTER.map((l) => (l.startsWith(R1) ? l.replace(' slave ', ' slave,fail ') : l));
    const probes = [7000, 7001, 7002, 7003, 7005].map((p) => probe(p, { lines: flagged }));
    expect(flaggedFailEverywhere([...probes, probe(7004, { up: false })], { id: R1 })).toEqual({
      done: true,
      value: 5,
    });
    const one = [...probes.slice(0, 4), probe(7005, { lines: AFTER })];
    expect(flaggedFailEverywhere(one, { id: R1 })).toEqual({
      done: false,
      seen: 'not (yet) flagged fail by 127.0.0.1:7005',
    });
    // The node itself (a cut-off replica still answers) is not asked about itself.
    expect(flaggedFailEverywhere([...probes, probe(7004, { lines: AFTER })], { id: R1 }).done).toBe(true);
  });
});
