import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from './events.js';

/**
 * The figures every fault shares, from the timeline's events: how long a
 * promotion took, how long a node took to rejoin, when a cut-off master
 * stopped taking writes. One rule each, written down in docs/accuracy.md;
 * pure functions of the events.
 */

export interface PromotionTiming {
  promotionMs: number | null;
  promotionSource: 'log' | 'poll' | null;
  /** Sentinel: fault -> the promoted data node's own "MASTER MODE enabled" (promotionMs is to the first "+switch-master"). */
  masterModeMs?: number | null;
}

/**
 * The promotion time: from the fault to the promoted replica's own "Failover
 * election won" log line (a cluster), or to the first sentinel's
 * "+switch-master" log line (Sentinel; the data node's own "MASTER MODE
 * enabled" is given too), in millisecond timestamps on the same clock; or to
 * the poll that first saw it master when no log is available.
 */
export function promotionTiming(
  events: readonly DrillEvent[],
  promoted: Address | null,
  t0: number,
  kind: 'cluster' | 'sentinel' = 'cluster',
): PromotionTiming {
  const extra = (ms: number | null): { masterModeMs?: number | null } =>
    kind === 'sentinel' ? { masterModeMs: ms } : {};
  if (!promoted) return { promotionMs: null, promotionSource: null, ...extra(null) };
  const node = formatAddress(promoted);
  const after = (e: DrillEvent): boolean => e.source === 'log' && e.at >= t0 - 1;
  const won =
    kind === 'sentinel'
      ? events.find((e) => after(e) && e.kind === 'switch-master' && e.detail.endsWith(`-> ${node}`))
      : events.find((e) => after(e) && e.node === node && e.kind === 'election-won');
  const mode =
    kind === 'sentinel' ? events.find((e) => after(e) && e.node === node && e.kind === 'master-mode') : undefined;
  const masterMode = extra(mode ? Math.round(mode.at - t0) : null);
  if (won) return { promotionMs: Math.round(won.at - t0), promotionSource: 'log', ...masterMode };
  const seen = events.find((e) => e.node === node && e.kind === 'promoted' && e.at >= t0);
  return seen
    ? { promotionMs: Math.round(seen.at - t0), promotionSource: 'poll', ...masterMode }
    : { promotionMs: null, promotionSource: null, ...masterMode };
}

export interface RejoinTiming {
  ms: number | null;
  source: 'log' | 'poll' | null;
}

/**
 * The rejoin time, one rule for every restore (restart, resume, heal): from
 * the restore to the node's first "MASTER <-> REPLICA sync: Finished with
 * success" log line or the first poll that saw its master_link_status up,
 * whichever came first. When neither was seen but the wait ended with the
 * node back (a node that came back as a master has no link), the end of
 * that wait: the poll that saw it back. Otherwise null: not measured.
 */
export function rejoinTiming(
  events: readonly DrillEvent[],
  node: Address,
  t0: number,
  seenBackAt: number | null,
): RejoinTiming {
  const label = formatAddress(node);
  // The earliest by time: a log line read after a poll may still be the first thing that happened.
  const link = events
    .filter((e) => e.node === label && (e.kind === 'link-up' || e.kind === 'sync-finished') && e.at >= t0)
    .reduce<DrillEvent | undefined>((a, e) => (a === undefined || e.at < a.at ? e : a), undefined);
  if (link) return { ms: Math.round(link.at - t0), source: link.source === 'log' ? 'log' : 'poll' };
  return seenBackAt === null ? { ms: null, source: null } : { ms: Math.round(seenBackAt - t0), source: 'poll' };
}

/**
 * How a rejoin resynchronized, from the replicas' own log lines after `t0`
 * (`nodes`: the rejoining replica, or the replicas of a node back as a
 * master): "Full resync from master" (an RDB of the whole data set) wins over
 * "Successful partial resynchronization" (the backlog sufficed); neither seen:
 * unknown. Pure.
 */
export function resyncKind(events: readonly DrillEvent[], nodes: readonly string[], t0: number): Resync {
  const seen = events.filter((e) => nodes.includes(e.node) && e.source === 'log' && e.at >= t0);
  if (seen.some((e) => e.kind === 'full-resync')) return 'full';
  if (seen.some((e) => e.kind === 'partial-resync')) return 'partial';
  return 'unknown';
}

export type Resync = 'partial' | 'full' | 'unknown';

/** The cut-off master's own "Cluster state changed: fail" after the cut (its log, its timestamp): until then it acknowledged writes. */
export function minorityFailEvent(
  events: readonly DrillEvent[],
  node: string | null,
  t0: number,
): DrillEvent | undefined {
  if (node === null) return undefined;
  return events.find(
    (x) => x.node === node && x.source === 'log' && x.kind === 'cluster-state' && /fail/.test(x.detail) && x.at >= t0,
  );
}
