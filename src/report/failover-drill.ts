import { formatAddress } from '../nodes/address.js';
import { type SlotMap, slotMap } from '../cluster/slotmap.js';
import { type DrillContext } from '../faults/drill-context.js';
import { killMaster } from '../faults/kill-master.js';
import { manualFailover } from '../faults/manual-failover.js';
import { rejoinNode, roleOf } from '../faults/rejoin.js';
import type { FaultResult } from '../faults/report.js';
import { selectMaster, type MasterSelector } from '../faults/target.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { Reporter } from '../util/reporter.js';
import { silentReporter } from '../util/reporter.js';
import type { Mix } from '../workload/options.js';
import { Workload, type WorkloadResult } from '../workload/runner.js';
import { type Check, type DrillReport, type Marker, REPORT_SCHEMA_VERSION } from './model.js';
import { type LatencyOf, clientSection, measured, phase, serverInfo, setupSection, untilSteady } from './sections.js';

export type DrillFault = 'kill' | 'term' | 'stop' | 'failover';

export interface FailoverDrillOptions {
  fault: DrillFault;
  target: MasterSelector;
  warmupMs: number;
  settleMs: number;
  clients: number;
  mix: Mix;
  keyspace: number;
  /** Lost acknowledged writes allowed before the verdict fails (null: reported, not judged). */
  maxLost: number | null;
  deadlineMs?: number;
  version: string;
  signal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
}

/**
 * The whole drill: snapshot, load (consistency mode on), warm-up, fault,
 * promotion, settle, restart/resume of the old master and its rejoin, load
 * until steady, snapshot, checks. Returns the report model; rendering and
 * writing files are the caller's.
 */
export async function runFailoverDrill(ctx: DrillContext, o: FailoverDrillOptions): Promise<DrillReport> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const connect = { timeoutMs: ctx.timeoutMs, password: ctx.password };
  const before = await reporter.step('Snapshot before: slot map, keys per node, roles', () => slotMap(ctx.nodes, connect));
  // The victim is fixed now, so the load can watch its slots from the start.
  const victim = o.fault === 'failover' ? selectMaster(before, { master: o.target.master ?? '0' }) : selectMaster(before, o.target);

  const workload = new Workload({ seeds: ctx.nodes, password: ctx.password, clients: o.clients, durationMs: Number.MAX_SAFE_INTEGER, mix: o.mix, keyspace: o.keyspace, valueSize: 16, check: true, signal: o.signal, clock });
  workload.watchSlots(victim.slots);
  const load = workload.start();
  const loadStart = clock.now();
  let fault: FaultResult | null = null;
  let rejoin: FaultResult | null = null;
  let result: WorkloadResult;
  try {
    await reporter.step(`Warming up the load (${o.clients} clients, ${o.warmupMs} ms)`, () => clock.sleep(o.warmupMs, o.signal));
    fault = await reporter.step(o.fault === 'failover' ? 'Manual failover, watching the promotion' : `Breaking Master[${victim.index}] ${formatAddress(victim)} (${o.fault}), watching the promotion`, () =>
      o.fault === 'failover'
        ? manualFailover(ctx, { replica: victim.replicas[0] ? formatAddress(victim.replicas[0]) : undefined, mode: 'default', deadlineMs: o.deadlineMs, abort: o.signal })
        : killMaster(ctx, { target: { master: victim.id }, signal: o.fault as 'kill' | 'term' | 'stop', wait: true, force: false, deadlineMs: o.deadlineMs, abort: o.signal }),
    );
    if (fault.outcome === 'done') {
      await reporter.step(`Settling (${o.settleMs} ms)`, () => clock.sleep(o.settleMs, o.signal));
      if (o.fault !== 'failover') {
        rejoin = await reporter.step(`${o.fault === 'stop' ? 'Resuming' : 'Restarting'} the old master, watching it rejoin`, () =>
          rejoinNode(ctx, { node: formatAddress(victim), mode: o.fault === 'stop' ? 'resume' : 'restart', deadlineMs: o.deadlineMs, abort: o.signal }),
        );
      }
    }
    await reporter.step('Keeping the load until it runs without errors', () => untilSteady(workload, clock, o.signal));
  } finally {
    workload.stop();
    result = await load;
  }
  const after = await reporter.step('Snapshot after', () => slotMap(ctx.nodes, connect));
  const oldMasterRole = o.fault === 'failover' && fault?.outcome === 'done' ? await roleOf(ctx, victim).catch(() => null) : null;
  const server = await serverInfo(ctx);
  return buildReport({ ctx, o, before, after, victim, fault: fault!, rejoin, result, loadStart, oldMasterRole, server, latency: (from, to) => workload.recorder.latency(from, to) });
}

interface BuildInput {
  ctx: DrillContext;
  o: FailoverDrillOptions;
  before: SlotMap;
  after: SlotMap;
  victim: ReturnType<typeof selectMaster>;
  fault: FaultResult;
  rejoin: FaultResult | null;
  result: WorkloadResult;
  loadStart: number;
  oldMasterRole: { role: string; master: string | null } | null;
  server: string;
  latency: LatencyOf;
}

export function buildReport(b: BuildInput): DrillReport {
  const { fault, rejoin, result, o } = b;
  const faultMs = Date.parse(fault.faultAt) - b.loadStart;
  const rel = (at: number): number => Math.round(at - b.loadStart);
  const failEvent = fault.events.find((e) => e.kind === 'fail-marked' || e.kind === 'fail');
  const promoEvent = fault.promotionMs !== null ? faultMs + fault.promotionMs : null;
  const rejoinAt = rejoin && rejoin.rejoinMs !== null ? Date.parse(rejoin.faultAt) - b.loadStart + rejoin.rejoinMs : null;
  const markers: Marker[] = [
    { label: 'fault', tMs: Math.round(faultMs) },
    ...(failEvent ? [{ label: 'FAIL', tMs: rel(failEvent.at) }] : []),
    ...(promoEvent !== null ? [{ label: 'promotion', tMs: Math.round(promoEvent) }] : []),
    ...(rejoinAt !== null ? [{ label: 'rejoin', tMs: Math.round(rejoinAt) }] : []),
  ];
  const duringEnd = rejoinAt ?? (promoEvent !== null ? promoEvent + o.settleMs : result.durationMs);
  const phases = {
    before: phase(result, b.latency, 0, faultMs),
    during: phase(result, b.latency, faultMs, duringEnd),
    after: phase(result, b.latency, duringEnd, result.durationMs),
  };
  const lost = result.consistency?.lost ?? null;
  const checks: Check[] = [
    {
      name: 'promotion',
      passed: fault.outcome === 'done',
      detail: fault.outcome === 'done' ? `${formatAddress(fault.promoted!)} promoted after ${fault.promotionMs} ms (${fault.promotionSource})` : `no promotion within ${fault.deadlineMs} ms; last seen: ${fault.lastSeen}`,
    },
  ];
  if (o.fault === 'failover') {
    checks.push({ name: 'old master is a replica', passed: b.oldMasterRole?.role === 'replica', detail: b.oldMasterRole ? `ROLE: ${b.oldMasterRole.role}${b.oldMasterRole.master ? ` of ${b.oldMasterRole.master}` : ''}` : 'not checked (no promotion)' });
  } else {
    checks.push({
      name: 'old master rejoined as a replica',
      passed: rejoin?.outcome === 'done' && rejoin.rejoined?.role === 'replica',
      detail: rejoin ? (rejoin.outcome === 'done' ? `ROLE: ${rejoin.rejoined?.role}${rejoin.rejoined?.master ? ` of ${rejoin.rejoined.master}` : ''}, link up after ${rejoin.rejoinMs} ms` : `not within ${rejoin.deadlineMs} ms; last seen: ${rejoin.lastSeen}`) : 'not attempted (no promotion)',
    });
  }
  checks.push({
    name: 'lost writes',
    passed: o.maxLost === null || (lost !== null && lost <= o.maxLost),
    detail: `${lost ?? 'unknown'} acknowledged writes lost${o.maxLost === null ? ' (reported, not judged, for this fault)' : `, limit ${o.maxLost}`}`,
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    tool: { name: 'redis-drill', version: o.version },
    setup: setupSection(b.ctx, b.before, b.server, fault.clock),
    fault: { kind: o.fault, how: fault.how, victim: fault.victim, at: fault.faultAt },
    slotMapBefore: b.before,
    slotMapAfter: b.after,
    timelineFrom: 'fault',
    timeline: [...fault.events, ...(rejoin?.events ?? []).map((e) => ({ ...e, tMs: Math.round(e.at - Date.parse(fault.faultAt)) }))],
    promotion: {
      promoted: fault.promoted,
      ms: measured(fault.promotionMs, 'ms', fault.promotionSource === 'log' ? `fault -> "Failover election won" in ${formatAddress(fault.promoted!)}'s redis.log` : fault.promotionSource === 'poll' ? 'fault -> first CLUSTER NODES poll showing it master' : 'no promotion'),
    },
    rejoin: rejoin
      ? { node: formatAddress(rejoin.victim), role: rejoin.rejoined?.role ?? null, master: rejoin.rejoined?.master ?? null, ms: measured(rejoin.rejoinMs, 'ms', 'restart/resume -> master_link_status:up (log "sync: Finished with success" or INFO replication poll)') }
      : null,
    client: clientSection(result, phases, "workload: longest span with no successful operation on the victim's slots"),
    consistency: result.consistency,
    logs: [
      ...(fault.log ? [{ node: fault.log.node, title: `Promoted replica ${fault.log.node}`, lines: fault.log.lines }] : []),
      ...(rejoin?.log ? [{ node: rejoin.log.node, title: `Old master ${rejoin.log.node} after its ${rejoin.how}`, lines: rejoin.log.lines }] : []),
    ],
    markers,
    checks,
    verdict: checks.every((c) => c.passed) ? 'pass' : 'fail',
  };
}
