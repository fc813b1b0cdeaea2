import { describe, expect, it } from 'vitest';
import {
  type FormingState,
  MAX_FORMING_TIMEOUT_MS,
  flagsFailing,
  formingStep,
  unknownGraceMs,
  unknownTo,
} from '../../src/cluster/forming-care.js';
import { type ClusterNodeEntry, parseClusterNodes } from '../../src/cluster/nodes-parser.js';

const A = 'aaaaaaaa00000000000000000000000000000001';
const B = 'bbbbbbbb00000000000000000000000000000002';
const C = 'cccccccc00000000000000000000000000000003';
const ids = [A, B, C];
const line = (id: string, port: number, flags: string) =>
  `${id} 127.0.0.1:${port}@${port + 10000} ${flags} - 0 0 1 connected`;

/** One node's view: itself and the others it knows, with their flags. */
function view(me: string, others: Record<string, string>): ClusterNodeEntry[] {
  const port = (id: string) => 7000 + ids.indexOf(id);
  return parseClusterNodes(
    [line(me, port(me), 'myself,master'), ...Object.entries(others).map(([id, f]) => line(id, port(id), f))].join('\n'),
  );
}

const healthy = () => [
  view(A, { [B]: 'master', [C]: 'master' }),
  view(B, { [A]: 'master', [C]: 'master' }),
  view(C, { [A]: 'master', [B]: 'master' }),
];
const start: FormingState = { timeoutMs: 1000, setAt: 0, unknownSince: new Map() };

describe('flagsFailing', () => {
  it('is false for a healthy cluster and for nodes that did not answer', () => {
    expect(flagsFailing(healthy(), ids)).toBe(false);
    expect(flagsFailing([null, null, null], ids)).toBe(false);
  });

  it('is true when any view flags a planned node fail?', () => {
    const views = healthy();
    views[2] = view(C, { [A]: 'master,fail?', [B]: 'master' });
    expect(flagsFailing(views, ids)).toBe(true);
  });

  it('ignores fail (a master keeps it two timeouts whatever the timeout) and nodes outside the plan', () => {
    const views = healthy();
    views[2] = view(C, { [A]: 'master,fail', [B]: 'master' });
    expect(flagsFailing(views, ids)).toBe(false);
    expect(flagsFailing([view(A, { ['d'.repeat(40)]: 'master,fail?' })], ids)).toBe(false);
  });
});

describe('unknownTo', () => {
  it('lists, for each node, the answering nodes that do not know it', () => {
    const views = [view(A, { [B]: 'master' }), view(B, { [A]: 'master' }), null];
    expect(unknownTo(views, ids)).toEqual([[], [], [0, 1]]);
  });

  it('does not count a node still in handshake as known', () => {
    const views = healthy();
    views[0] = view(A, { [B]: 'master', [C]: 'handshake' });
    expect(unknownTo(views, ids)).toEqual([[], [], [0]]);
  });
});

describe('formingStep', () => {
  it('does nothing while the cluster is healthy', () => {
    const { state, actions } = formingStep(start, healthy(), ids, 5000);
    expect(actions).toEqual({ raiseTo: null, meet: [] });
    expect(state.timeoutMs).toBe(1000);
  });

  it('doubles the timeout on fail?, but only once the current one had a full period', () => {
    const views = healthy();
    views[1] = view(B, { [A]: 'master,fail?', [C]: 'master' });
    expect(formingStep(start, views, ids, 999).actions.raiseTo).toBeNull();
    const raised = formingStep(start, views, ids, 1000);
    expect(raised.actions.raiseTo).toBe(2000);
    expect(raised.state).toMatchObject({ timeoutMs: 2000, setAt: 1000 });
    expect(formingStep(raised.state, views, ids, 2999).actions.raiseTo).toBeNull();
    expect(formingStep(raised.state, views, ids, 3000).actions.raiseTo).toBe(4000);
  });

  it('never raises past the cap', () => {
    const views = healthy();
    views[1] = view(B, { [A]: 'master,fail?', [C]: 'master' });
    const top: FormingState = { ...start, timeoutMs: MAX_FORMING_TIMEOUT_MS };
    expect(formingStep(top, views, ids, 60_000).actions.raiseTo).toBeNull();
    const near: FormingState = { ...start, timeoutMs: 10_000 };
    expect(formingStep(near, views, ids, 60_000).actions.raiseTo).toBe(MAX_FORMING_TIMEOUT_MS);
  });

  it('meets a node again once others have not known it for the grace period, then waits another', () => {
    // C knows everyone, nobody knows C: its handshake was dropped on a busy machine.
    const views = [view(A, { [B]: 'master' }), view(B, { [A]: 'master' }), view(C, { [A]: 'master', [B]: 'master' })];
    const first = formingStep(start, views, ids, 100);
    expect(first.actions.meet).toEqual([]);
    const grace = unknownGraceMs(1000);
    expect(formingStep(first.state, views, ids, 100 + grace - 1).actions.meet).toEqual([]);
    const met = formingStep(first.state, views, ids, 100 + grace);
    expect(met.actions.meet).toEqual([{ from: 0, to: 2 }]);
    expect(formingStep(met.state, views, ids, 100 + grace + 1).actions.meet).toEqual([]);
  });

  it('forgets a node once everyone knows it', () => {
    const views = [view(A, { [B]: 'master' }), view(B, { [A]: 'master' }), view(C, { [A]: 'master', [B]: 'master' })];
    const seen = formingStep(start, views, ids, 100).state;
    expect(seen.unknownSince.size).toBe(1);
    expect(formingStep(seen, healthy(), ids, 200).state.unknownSince.size).toBe(0);
  });
});
