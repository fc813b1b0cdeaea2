import type { ConsistencyReport } from './consistency.js';
import { type Gap, SuccessTimeline } from './gaps.js';
import { Recorder } from './stats.js';
import type { WriteLogReport } from './write-log.js';
import type { FromLoadThread } from './load-thread.js';
import type { WorkloadResult } from './workload-types.js';

export type ThreadPart = Extract<FromLoadThread, { t: 'done' }>;

/** The lists a report keeps whole are capped, as one thread's are. */
const MAX_LISTED = 1000;

/**
 * One load's result from its threads' parts: counts summed, latency from
 * the window histograms merged exactly, the longest gaps from the OR of
 * the success timelines (a span counts only when no thread succeeded), the
 * consistency counters and the write logs added up (each thread has keys
 * of its own). Pure, but for the histograms it decodes.
 */
export function mergeThreads(parts: readonly ThreadPart[]): {
  result: WorkloadResult;
  recorder: Recorder;
  watchedGaps: Gap[];
} {
  const recorder = new Recorder();
  for (const p of parts) recorder.absorb(p.windows, p.lastErrors);
  const first = parts[0]!.result;
  const durationMs = Math.max(...parts.map((p) => p.result.durationMs));
  const or = (bits: readonly Uint8Array[]): SuccessTimeline =>
    bits.reduce((t, b) => t.or(new SuccessTimeline(b)), new SuccessTimeline());
  const watchedGaps = (parts[0]!.watched ?? []).map((_, i) =>
    or(parts.map((p) => p.watched[i]!)).longestGap(durationMs),
  );
  const ops = parts.reduce((n, p) => n + p.result.ops, 0);
  const result: WorkloadResult = {
    ...first,
    startedAt: parts.map((p) => p.result.startedAt).sort()[0]!,
    durationMs,
    clients: parts.reduce((n, p) => n + p.result.clients, 0),
    rateOps: first.rateOps === null ? null : parts.reduce((n, p) => n + (p.result.rateOps ?? 0), 0),
    ops,
    errors: parts.reduce((n, p) => n + p.result.errors, 0),
    opsPerSec: Math.round(ops / (durationMs / 1000)),
    latency: recorder.latency(),
    errorsByClass: recorder.errorClasses(),
    lastErrors: Object.fromEntries(recorder.lastErrors),
    longestGap: or(parts.map((p) => p.timeline)).longestGap(durationMs),
    longestGapWatched: watchedGaps.length ? watchedGaps.reduce((a, g) => (g.ms > a.ms ? g : a)) : null,
    windows: recorder.windowStats(),
    consistency: sumConsistency(parts.map((p) => p.result.consistency)),
    writeLog: sumWriteLogs(parts.map((p) => p.result.writeLog)),
    clientRestarts: parts.flatMap((p) => p.result.clientRestarts).sort((a, b) => a - b),
    threads: parts.length,
  };
  return { result, recorder, watchedGaps };
}

function sumConsistency(list: (ConsistencyReport | null)[]): ConsistencyReport | null {
  const all = list.filter((c): c is ConsistencyReport => c !== null);
  if (!all.length) return null;
  const sum = (k: 'counters' | 'acknowledged' | 'lost' | 'unacknowledgedApplied' | 'unreadable'): number =>
    all.reduce((n, c) => n + c[k], 0);
  const groups = new Map<string, ConsistencyReport['groups'][number]>();
  for (const g of all.flatMap((c) => c.groups)) {
    const had = groups.get(g.master);
    groups.set(
      g.master,
      had
        ? {
            ...had,
            counters: had.counters + g.counters,
            acknowledged: had.acknowledged + g.acknowledged,
            lost: had.lost + g.lost,
            unacknowledgedSent: had.unacknowledgedSent + g.unacknowledgedSent,
            value: had.value + g.value,
            unacknowledgedApplied: had.unacknowledgedApplied + g.unacknowledgedApplied,
          }
        : { ...g },
    );
  }
  return {
    counters: sum('counters'),
    acknowledged: sum('acknowledged'),
    lost: sum('lost'),
    unacknowledgedApplied: sum('unacknowledgedApplied'),
    unreadable: sum('unreadable'),
    groups: [...groups.values()],
    method: all[0]!.method,
  };
}

function sumWriteLogs(list: (WriteLogReport | null)[]): WriteLogReport | null {
  const all = list.filter((w): w is WriteLogReport => w !== null);
  if (!all.length) return null;
  const acknowledged = all.reduce((n, w) => n + w.acknowledged, 0);
  const lost = all.reduce((n, w) => n + w.lost, 0);
  const lostWrites = all.flatMap((w) => w.lostWrites).sort((a, b) => a.atMs - b.atMs);
  const from = all.map((w) => w.lostAcknowledgedFromMs).filter((x): x is number => x !== null);
  const to = all.map((w) => w.lostAcknowledgedToMs).filter((x): x is number => x !== null);
  return {
    method: all[0]!.method,
    acknowledged,
    lost,
    lostPercent: acknowledged ? Math.round((lost / acknowledged) * 10_000) / 100 : 0,
    unacknowledgedApplied: all.reduce((n, w) => n + w.unacknowledgedApplied, 0),
    unreadableKeys: all.reduce((n, w) => n + w.unreadableKeys, 0),
    lostAcknowledgedFromMs: from.length ? Math.min(...from) : null,
    lostAcknowledgedToMs: to.length ? Math.max(...to) : null,
    lostWrites: lostWrites.slice(0, MAX_LISTED),
    unacknowledgedPresent: all.flatMap((w) => w.unacknowledgedPresent).slice(0, MAX_LISTED),
    keys: all.flatMap((w) => w.keys),
  };
}
