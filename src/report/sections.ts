import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import { callText, withNode } from '../nodes/client.js';
import type { Gap } from '../workload/gaps.js';
import type { WorkloadResult } from '../workload/runner.js';
import { type LatencySummary, WINDOW_MS } from '../workload/stats.js';
import { loopOf } from './drill-rows.js';
import type { DrillReport, Measured, PhaseStats } from './model.js';

/** The pieces of a drill report that are built from the cluster and the load. */

export const measured = (value: number | null, unit: Measured['unit'], source: string): Measured => ({
  value,
  unit,
  source,
});

/**
 * A timing with its error bound. The bound is flagged (`warning`) when it is
 * over 50 ms and over 10% of the value: such a figure is an upper bound,
 * not a measurement to the millisecond.
 */
export function bounded(m: Measured, boundMs: number, detail: string): Measured {
  const coarse = m.value !== null && boundMs > Math.max(50, 0.1 * m.value);
  return {
    ...m,
    bound: { ms: Math.round(boundMs), detail },
    ...(coarse
      ? {
          warning: `may be up to ${Math.round(boundMs)} ms less (${detail}): more than 10% of the figure and more than 50 ms, so read it as an upper bound`,
        }
      : {}),
  };
}

export type LatencyOf = (fromMs: number, toMs: number) => LatencySummary | null;

/**
 * Throughput, errors and latency (merged HDR histograms) of the load between
 * two times (ms from its start). Operations and errors are counted by 100 ms
 * window (those that start in the phase), so its throughput divides by the
 * span those windows cover, not by the phase's own length: a 1016 ms phase
 * counts 11 windows, and dividing their 1100 ms of operations by 1016 ms
 * showed a load at --rate 2000 doing 2161 ops/s.
 */
export function phase(w: WorkloadResult, latency: LatencyOf, fromMs: number, toMs: number): PhaseStats {
  const windows = w.windows.filter((x) => x.tMs >= fromMs && x.tMs < toMs);
  const ops = windows.reduce((n, x) => n + x.ops, 0);
  const first = windows[0]?.tMs ?? 0;
  const last = windows.at(-1)?.tMs ?? 0;
  // The load's last window ends with the load.
  const seconds = Math.max(0.1, (Math.min(last + WINDOW_MS, w.durationMs) - first) / 1000);
  return {
    fromMs: Math.round(fromMs),
    toMs: Math.round(toMs),
    opsPerSec: {
      value: windows.length ? Math.round(ops / seconds) : 0,
      unit: 'ops/s',
      source: `load: successful operations in the ${WINDOW_MS} ms windows that start in the phase / the span they cover`,
    },
    errors: windows.reduce((n, x) => n + x.errors, 0),
    latency: latency(fromMs, toMs),
  };
}

/** INFO server of the first node that answers ('' if none): the server's name and version. */
export async function serverInfo(ctx: Deployment): Promise<string> {
  for (const node of ctx.nodes) {
    try {
      return await withNode(node, ctx.connect, (c) => callText(c, 'INFO', 'server'));
    } catch {
      // That node is down (e.g. the drill's victim): ask the next; setupSection falls back to the state file's version.
    }
  }
  return '';
}

/** `clock` says where the times come from (Observer.clockNote: local, or offsets of SSH hosts). */
export function setupSection(ctx: Deployment, before: SlotMap, server: string, clock: string): DrillReport['setup'] {
  const version = /redis_version:(\S+)/.exec(server)?.[1] ?? ctx.state?.server.version ?? 'unknown';
  return {
    cluster: ctx.name,
    server: `${/valkey/i.test(server) ? 'valkey' : 'redis'}-server ${version}`,
    nodeTimeoutMs: measured(ctx.nodeTimeoutMs, 'ms', ctx.nodeTimeoutSource),
    persistence: ctx.state?.persistence ?? null,
    masters: before.masters.filter((m) => m.slots.length > 0).length,
    replicas: before.masters.reduce((n, m) => n + m.replicas.length, 0),
    clock,
  };
}

/** The load's own figures: client side, and labelled so (closed or open loop). */
export function clientSection(
  result: WorkloadResult,
  client: string,
  phases: DrillReport['client']['phases'],
  watched: Gap | null,
  watchedSource: string,
): DrillReport['client'] {
  return {
    mode: `${result.mode}${result.rateOps ? ` at ${result.rateOps} ops/s` : ''}, ${result.clients} clients, consistency mode on`,
    clients: result.clients,
    ops: measured(result.ops, 'ops', `load: successful operations (${client})`),
    errors: measured(result.errors, 'ops', 'load: failed operations (each class below)'),
    errorsByClass: result.errorsByClass,
    lastErrors: result.lastErrors,
    restarts: result.clientRestarts,
    unavailableVictimSlots: measured((watched ?? result.longestGapWatched)?.ms ?? null, 'ms', watchedSource),
    unavailableAll: measured(
      result.longestGap.ms,
      'ms',
      `load (${loopOf(result.mode)}, client side): longest span with no successful operation at all; when one master stops answering, every client soon waits on it, so this is not the healthy masters' availability`,
    ),
    phases,
    windows: result.windows,
    clientOptions: result.clientOptions,
  };
}
