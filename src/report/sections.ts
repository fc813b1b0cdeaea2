import type { SlotMap } from '../cluster/slotmap.js';
import type { DrillContext } from '../faults/drill-context.js';
import { callText, withNode } from '../nodes/client.js';
import type { Clock } from '../util/clock.js';
import type { Workload, WorkloadResult } from '../workload/runner.js';
import type { LatencySummary } from '../workload/stats.js';
import type { DrillReport, Measured, PhaseStats } from './model.js';

/** The pieces of a report that a failover drill and a scenario build the same way. */

const STEADY_MS = 1000;
const STEADY_MAX_MS = 15_000;

export const measured = (value: number | null, unit: Measured['unit'], source: string): Measured => ({ value, unit, source });

export type LatencyOf = (fromMs: number, toMs: number) => LatencySummary | null;

/** Waits until the last second had operations and no errors (at most 15 s). */
export async function untilSteady(w: Workload, clock: Clock, signal?: AbortSignal): Promise<void> {
  const until = clock.now() + STEADY_MAX_MS;
  while (clock.now() < until) {
    await clock.sleep(200, signal);
    // The last full second (the current 100 ms window is still filling).
    const to = Math.floor(w.now() / 100) * 100;
    const from = to - STEADY_MS;
    if (from >= 0 && w.recorder.errorsBetween(from, to) === 0 && w.recorder.opsBetween(from, to) > 0) return;
  }
}

/** Throughput, errors and latency (merged HDR histograms) of the load between two times (ms from its start). */
export function phase(w: WorkloadResult, latency: LatencyOf, fromMs: number, toMs: number): PhaseStats {
  const windows = w.windows.filter((x) => x.tMs >= fromMs && x.tMs < toMs);
  const ops = windows.reduce((n, x) => n + x.ops, 0);
  const seconds = Math.max(0.1, (toMs - fromMs) / 1000);
  return {
    fromMs: Math.round(fromMs),
    toMs: Math.round(toMs),
    opsPerSec: { value: Math.round(ops / seconds), unit: 'ops/s', source: 'workload: successful operations in the phase / its length' },
    errors: windows.reduce((n, x) => n + x.errors, 0),
    latency: latency(fromMs, toMs),
  };
}

/** INFO server of the first node that answers ('' if none): the server's name and version. */
export function serverInfo(ctx: DrillContext): Promise<string> {
  return withNode(ctx.nodes[0]!, { timeoutMs: ctx.timeoutMs, password: ctx.password }, (c) => callText(c, 'INFO', 'server')).catch(() => '');
}

/** `clock` says where the times come from (Observer.clockNote: local, or offsets of SSH hosts). */
export function setupSection(ctx: DrillContext, before: SlotMap, server: string, clock: string): DrillReport['setup'] {
  const version = /redis_version:(\S+)/.exec(server)?.[1] ?? ctx.state?.server.version ?? 'unknown';
  return {
    cluster: ctx.name,
    server: `${/valkey/i.test(server) ? 'valkey' : 'redis'}-server ${version}`,
    nodeTimeoutMs: measured(ctx.nodeTimeoutMs, 'ms', ctx.managed ? 'state file (cluster-node-timeout in redis.conf)' : 'CONFIG GET cluster-node-timeout'),
    masters: before.masters.filter((m) => m.slots.length > 0).length,
    replicas: before.masters.reduce((n, m) => n + m.replicas.length, 0),
    clock,
  };
}

export function clientSection(result: WorkloadResult, phases: DrillReport['client']['phases'], watchedSource: string): DrillReport['client'] {
  return {
    mode: `${result.mode}, ${result.clients} clients, consistency mode on`,
    clients: result.clients,
    ops: measured(result.ops, 'ops', 'workload: successful operations (ioredis Cluster)'),
    errors: measured(result.errors, 'ops', 'workload: failed operations (each class below)'),
    errorsByClass: result.errorsByClass,
    unavailableVictimSlots: measured(result.longestGapWatched?.ms ?? null, 'ms', watchedSource),
    unavailableAll: measured(result.longestGap.ms, 'ms', 'workload: longest span with no successful operation at all'),
    phases,
    windows: result.windows,
    clientOptions: result.clientOptions,
  };
}
