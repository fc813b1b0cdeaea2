import { formatAddress } from '../nodes/address.js';
import { spread } from '../report/load-rows.js';
import type { Check, Distribution, SoakLoopRow, SoakSection } from '../report/model.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { RunRecord } from '../drill/run-record.js';
import type { SoakPlan } from '../drill/spec.js';
import type { PollCadence } from '../observe/cadence.js';

/** Nearest-rank percentile of sorted values. Pure. */
function rank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** min, p50, p90, max and a 10-bin histogram of the values that were measured (nulls left out). Pure. */
export function distribution(values: readonly (number | null)[]): Distribution {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return { count: 0, min: null, p50: null, p90: null, max: null, histogram: [] };
  const lo = xs[0]!;
  const hi = xs[xs.length - 1]!;
  const width = Math.max(1, Math.ceil((hi - lo + 1) / 10));
  const bins = Array.from({ length: Math.ceil((hi - lo + 1) / width) }, (_, i) => ({
    fromMs: lo + i * width,
    toMs: lo + (i + 1) * width,
    count: 0,
  }));
  for (const x of xs) bins[Math.min(bins.length - 1, Math.floor((x - lo) / width))]!.count++;
  return { count: xs.length, min: lo, p50: rank(xs, 50), p90: rank(xs, 90), max: hi, histogram: bins };
}

/** Longest failed-write run overlapping [from, to], clipped to it. Pure. */
function longestIn(outages: readonly { fromMs: number; toMs: number }[], from: number, to: number): number {
  return outages.reduce((m, o) => Math.max(m, Math.min(o.toMs, to) - Math.max(o.fromMs, from)), 0);
}

export interface SoakInput {
  plan: SoakPlan;
  run: RunRecord;
  checks: readonly Check[];
  availability: AvailabilityResult | null;
  /** When each lost acknowledged write was acknowledged (ms from the start of the load). */
  lostAtMs: readonly number[];
  stepsToMs: number;
  cadence: PollCadence;
}

/**
 * One row per loop from what the run recorded (promotions, rejoins, step
 * times, the write probe's failed-write runs, the write log's lost writes,
 * failed checks), the distributions over the loops that ran, and
 * redis-drill's own memory. A manual failover loop that lost a write gets a
 * failed check of its own (returned with the section).
 */
export function soakSection(b: SoakInput): { section: SoakSection; checks: Check[] } {
  const { plan, run } = b;
  const records = new Map(run.records.map((r) => [r.index, r]));
  const extra: Check[] = [];
  const heapAtEnd = new Map<number, number | null>();
  const rows: SoakLoopRow[] = plan.loops.map((l, i) => {
    const inLoop = (index: number): boolean => index >= l.firstStep && index <= l.lastStep;
    const steps = run.records.filter((r) => inLoop(r.index));
    const startMs = records.get(l.firstStep)?.startMs ?? b.stepsToMs;
    const next = plan.loops[i + 1];
    const endMs = (next && records.get(next.firstStep)?.startMs) ?? records.get(l.lastStep)?.endMs ?? b.stepsToMs;
    const ran = steps.some((r) => r.outcome !== 'skipped');
    const promotion = run.promotions.find((p) => inLoop(p.index)) ?? null;
    const rejoin = run.rejoins.find((r) => inLoop(r.index)) ?? null;
    const fault = run.faults.find((f) => inLoop(f.index)) ?? null;
    const probe = b.availability?.masters ?? [];
    // The master whose slots the fault hit: the loop's Master[N], or the one a Node[N] target was (none for a replica).
    const victimIndex = l.master ?? fault?.victim.index ?? null;
    const victim = probe.find((m) => m.index === victimIndex);
    const lostWrites = b.lostAtMs.filter((t) => t >= startMs && t < endMs).length;
    const prefix = `loop ${l.loop}: `;
    if (ran && plan.judgeFailoverLoss && l.fault === 'failover' && lostWrites > 0)
      extra.push({
        name: `${prefix}no lost write (manual failover)`,
        passed: false,
        detail: `${lostWrites} acknowledged write(s) lost during a manual failover, which waits for the replica to catch up`,
      });
    const anomalies = [...b.checks, ...extra]
      .filter((c) => !c.passed && c.name.startsWith(prefix))
      .map((c) => `${c.name.slice(prefix.length)}: ${c.detail}`);
    const sampleAtEnd = run.resources.filter((s) => s.tMs <= endMs).at(-1);
    const rss = sampleAtEnd?.rssMb ?? null;
    heapAtEnd.set(l.loop, sampleAtEnd?.heapMb ?? null);
    return {
      loop: l.loop,
      fault: l.fault,
      target: l.target,
      victim: fault ? formatAddress(fault.victim) : null,
      victimRole: fault ? (fault.victim.index !== undefined ? 'master' : 'replica') : null,
      promoted: promotion ? formatAddress(promotion.promoted) : null,
      promotionMs: promotion?.ms ?? null,
      promotionSource: promotion?.source ?? null,
      rejoinMs: rejoin?.ms ?? null,
      victimUnavailableMs: ran && victim ? longestIn(victim.outages, startMs, endMs) : null,
      othersUnavailableMs:
        ran && probe.length > 1
          ? Math.max(...probe.filter((m) => m.index !== victimIndex).map((m) => longestIn(m.outages, startMs, endMs)))
          : null,
      lostWrites,
      startMs,
      endMs,
      outcome: !ran ? 'not run' : anomalies.length || steps.some((r) => r.outcome === 'failed') ? 'failed' : 'passed',
      anomalies,
      rssMb: ran ? rss : null,
    };
  });
  const done = rows.filter((r) => r.outcome !== 'not run');
  const kinds = [...new Set(done.map((r) => r.fault))];
  const distOf = (rs: readonly SoakLoopRow[], fault: string) => ({
    fault,
    promotionMs: distribution(rs.map((r) => r.promotionMs)),
    rejoinMs: distribution(rs.map((r) => r.rejoinMs)),
    victimUnavailableMs: distribution(rs.map((r) => r.victimUnavailableMs)),
  });
  const samples = run.resources;
  const cpu = samples.length > 1 ? samples.at(-1)!.cpuMs - samples[0]!.cpuMs : null;
  const section: SoakSection = {
    seed: plan.seed,
    loops: plan.loops.length,
    loopsRun: done.length,
    faults: plan.faults,
    target: plan.target,
    intervalMs: plan.intervalMs,
    rows,
    distributions: [
      ...kinds.map((k) =>
        distOf(
          done.filter((r) => r.fault === k),
          k,
        ),
      ),
      ...(kinds.length > 1 ? [distOf(done, 'all')] : []),
    ],
    resources: {
      method:
        'process.memoryUsage() and process.cpuUsage() of redis-drill itself, every second (the load and the probe run in this process); the heap is what survived the latest full garbage collection, plus buffers',
      peakRssMb: samples.length ? Math.max(...samples.map((s) => s.rssMb)) : null,
      firstLoopRssMb: done[0]?.rssMb ?? null,
      lastLoopRssMb: done.at(-1)?.rssMb ?? null,
      firstLoopHeapMb: done[0] ? (heapAtEnd.get(done[0].loop) ?? null) : null,
      lastLoopHeapMb: done.length ? (heapAtEnd.get(done.at(-1)!.loop) ?? null) : null,
      cpuMs: cpu,
      samples: spread(samples, 120),
      observer: {
        ...b.cadence,
        method:
          'time between two answered polls of the same node, over every node (a poll a dead or frozen node does not answer waits out its deadline, so its gaps are left out)',
      },
    },
    firstFailedLoop: rows.find((r) => r.outcome === 'failed')?.loop ?? null,
    reproduce: plan.reproduce,
    sources: {
      promotionMs:
        'per loop: the fault -> "Failover election won" in the promoted replica\'s log (Sentinel: "+switch-master"), or the observer\'s poll when no log line was found',
      rejoinMs: 'per loop: restart/resume/heal -> master_link_status:up (log or INFO replication poll)',
      unavailableMs:
        'write probe (one SET every 10 ms per master, 100 ms deadline): longest failed-write run within the loop',
      lostWrites:
        'write log: acknowledged adds missing at the end, counted in the loop they were acknowledged in (the log lists at most 1000)',
    },
  };
  return { section, checks: extra };
}
