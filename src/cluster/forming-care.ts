import type { ClusterNodeEntry } from './nodes-parser.js';

/**
 * What the create does while the nodes learn each other, when the machine is
 * slower than the forming node timeout assumes. Found on a loaded two-core
 * host forming 100 nodes at a 1000 ms timeout: the nodes answered their
 * peers' pings late, flagged each other as failing (786 FAIL marks), four
 * replicas won elections and took their masters' slots, and a node whose
 * handshake timed out was forgotten by every other node for good (it knew
 * them; they ignored it as unknown). The create then never matched its plan.
 * Remedies, all while forming only: replicas may not fail over
 * (cluster-replica-no-failover), the timeout doubles while any node is
 * flagged as failing, and a node some others still do not know after a few
 * timeouts is met again.
 */
export interface FormingState {
  /** The node timeout the nodes run with now (ms). */
  timeoutMs: number;
  /** When it was last set (clock ms). */
  setAt: number;
  /** Node id -> since when some answering node has not known it (clock ms). */
  unknownSince: ReadonlyMap<string, number>;
}

export interface FormingActions {
  /** Set every node's cluster-node-timeout to this (null: leave it). */
  raiseTo: number | null;
  /** CLUSTER MEET from node `from` to node `to` (indexes into the plan). */
  meet: { from: number; to: number }[];
}

/** The forming timeout never doubles past this: Redis's own default node timeout. */
export const MAX_FORMING_TIMEOUT_MS = 15_000;

/** A node may stay unknown to some others this long before it is met again: a handshake lasts at most one timeout (1 s at least). */
export const unknownGraceMs = (timeoutMs: number): number => 3 * Math.max(timeoutMs, 1000);

/**
 * A planned node flagged as possibly failing (fail?) in any answering node's
 * view: pongs come later than the timeout allows. Only fail?, not fail: a
 * master's FAIL flag stays for two timeouts whatever happens, so it would
 * keep doubling a timeout that already suffices. Pure.
 */
export function flagsFailing(views: readonly (readonly ClusterNodeEntry[] | null)[], ids: readonly string[]): boolean {
  const planned = new Set(ids);
  return views.some((v) => v?.some((n) => planned.has(n.id) && n.flags.includes('fail?')));
}

/**
 * For each planned node (by index), the answering nodes whose view lacks it.
 * A node always knows itself; a node that did not answer (null view) says nothing. Pure.
 */
export function unknownTo(views: readonly (readonly ClusterNodeEntry[] | null)[], ids: readonly string[]): number[][] {
  const known = views.map((v) =>
    v ? new Set(v.filter((n) => !n.flags.includes('handshake')).map((n) => n.id)) : null,
  );
  return ids.map((id, i) => known.flatMap((k, j) => (k && j !== i && !k.has(id) ? [j] : [])));
}

/**
 * One look at the forming cluster: the next state and what to do. The
 * timeout doubles (up to MAX_FORMING_TIMEOUT_MS) when a node is flagged as
 * failing and the current timeout has had one full period to work; a node
 * unknown to some answering node for unknownGraceMs is met again by the
 * first of them. Pure.
 */
export function formingStep(
  state: FormingState,
  views: readonly (readonly ClusterNodeEntry[] | null)[],
  ids: readonly string[],
  now: number,
): { state: FormingState; actions: FormingActions } {
  const raise =
    state.timeoutMs < MAX_FORMING_TIMEOUT_MS && now - state.setAt >= state.timeoutMs && flagsFailing(views, ids);
  const timeoutMs = raise ? Math.min(MAX_FORMING_TIMEOUT_MS, state.timeoutMs * 2) : state.timeoutMs;
  const unknownSince = new Map<string, number>();
  const meet: FormingActions['meet'] = [];
  unknownTo(views, ids).forEach((lacking, to) => {
    if (lacking.length === 0) return;
    const since = state.unknownSince.get(ids[to]!) ?? now;
    if (now - since >= unknownGraceMs(state.timeoutMs)) {
      meet.push({ from: lacking[0]!, to });
      unknownSince.set(ids[to]!, now);
    } else unknownSince.set(ids[to]!, since);
  });
  return {
    state: { timeoutMs, setAt: raise ? now : state.setAt, unknownSince },
    actions: { raiseTo: raise ? timeoutMs : null, meet },
  };
}
