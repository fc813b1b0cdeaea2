import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { PollCadence } from '../observe/observer.js';
import { type Check, type DrillReport, REPORT_SCHEMA_VERSION } from '../report/model.js';
import { type LatencyOf, clientSection, measured, phase, setupSection } from '../report/sections.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { WorkloadResult } from '../workload/runner.js';
import type { DrillSpec } from './spec.js';
import { straddles } from '../report/load-rows.js';
import type { SideLoadResults } from '../workload/side-loads.js';
import type { ProgramResult } from '../workload/program-run.js';
import {
  availabilitySection,
  markersFor,
  partitionSection,
  sentinelSection,
  writeLogSection,
} from './report-sections.js';
import type { StaleWritesResult } from '../workload/stale-writes.js';
import type { DrillRun } from './run.js';
import { soakSection } from '../soak/section.js';

export interface ReportInput {
  ctx: Deployment;
  spec: DrillSpec;
  version: string;
  before: SlotMap;
  after: SlotMap;
  result: WorkloadResult;
  /** The lock and pub/sub loads' results (null when they did not run). */
  side: SideLoadResults;
  /** The user's own clients (--client-cmd). */
  programs: ProgramResult[];
  availability: AvailabilityResult | null;
  /** Sentinel: what the stale-master writer saw. */
  stale: StaleWritesResult | null;
  /** The load's gap on each master's slots (closed loop), in the order of `before`'s serving masters. */
  loadGapOf: (masterIndex: number) => WorkloadResult['longestGap'] | null;
  server: string;
  clockNote: string;
  latency: LatencyOf;
  /** Every event (observer and steps), with absolute times. */
  events: DrillEvent[];
  /** How closely the observer kept its poll interval. */
  cadence: PollCadence;
  run: DrillRun;
  checks: Check[];
  /** The steps' span, ms from the start of the load: the "during" phase. */
  stepsFromMs: number;
  stepsToMs: number;
  logLines: (a: Address, from: number, to: number) => string[];
}

/**
 * The one report every drill writes (failover-report and scenario run alike):
 * `fault`, `promotion` and `rejoin` are the first of each; `scenario.steps`
 * has every step; availability per master comes from the write probe; the
 * load's figures are labelled as the closed-loop, client-side view they are.
 */
export function buildDrillReport(b: ReportInput): DrillReport {
  const { result, run, spec } = b;
  const soak = spec.soak
    ? soakSection({
        plan: spec.soak,
        run,
        checks: b.checks,
        availability: b.availability,
        lostAtMs: result.writeLog?.lostWrites.map((w) => w.atMs) ?? [],
        stepsToMs: b.stepsToMs,
        cadence: b.cadence,
      })
    : null;
  const checks = [...b.checks, ...(soak?.checks ?? [])];
  const fault = run.faults[0] ?? null;
  const first = run.promotions[0] ?? null;
  const rejoin = run.rejoins[0] ?? null;
  const origin = spec.timelineFrom === 'fault' && fault ? fault.t0 : run.loadStart;
  const phases = {
    before: phase(result, b.latency, 0, b.stepsFromMs),
    during: phase(result, b.latency, b.stepsFromMs, b.stepsToMs),
    after: phase(result, b.latency, b.stepsToMs, result.durationMs),
  };
  const several = (n: number, what: string): string => (n > 1 ? ` (the first of ${n} ${what})` : '');
  const victimIndex = fault ? (b.before.masters.find((m) => m.id === fault.victim.id)?.index ?? null) : null;
  const victimGap = victimIndex === null ? null : b.loadGapOf(victimIndex);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    tool: { name: 'redis-drill', version: b.version },
    setup: setupSection(b.ctx, b.before, b.server, b.clockNote),
    fault: fault
      ? { kind: fault.kind, how: fault.how, victim: fault.victim, at: new Date(fault.t0).toISOString() }
      : null,
    slotMapBefore: b.before,
    slotMapAfter: b.after,
    timelineFrom: spec.timelineFrom,
    timeline: b.events.map((e) => ({ ...e, tMs: Math.round(e.at - origin) })),
    promotion: {
      promoted: first ? { id: first.promoted.id, host: first.promoted.host, port: first.promoted.port } : null,
      ms: measured(
        first?.ms ?? null,
        'ms',
        first
          ? first.source === 'log'
            ? b.ctx.ops.kind === 'sentinel'
              ? `fault -> the first sentinel's "+switch-master" to ${formatAddress(first.promoted)} (its log)${several(run.promotions.length, 'promotions')}`
              : `fault -> "Failover election won" in ${formatAddress(first.promoted)}'s redis.log${several(run.promotions.length, 'promotions')}`
            : `fault -> first CLUSTER NODES poll showing ${formatAddress(first.promoted)} master${several(run.promotions.length, 'promotions')}`
          : 'no promotion in this drill',
      ),
    },
    rejoin: rejoin
      ? {
          node: formatAddress(rejoin.node),
          role: rejoin.role.role,
          master: rejoin.role.master,
          ms: measured(
            rejoin.ms,
            'ms',
            `restart/resume -> master_link_status:up (log "sync: Finished with success" or INFO replication poll)${several(run.rejoins.length, 'rejoins')}`,
          ),
        }
      : null,
    client: clientSection(
      result,
      b.ctx.ops.kind === 'sentinel' ? 'ioredis in Sentinel mode' : 'ioredis Cluster',
      phases,
      victimGap,
      fault
        ? "load (closed loop, client side): longest span with no successful operation on the victim's slots; its clients queue behind blocked requests, so see availability for the slots' own figure"
        : "load (closed loop, client side): longest span with no successful operation on one master's slots (no fault in this drill)",
    ),
    availability: b.availability ? availabilitySection(b.availability, fault?.victim.id ?? null) : null,
    partition: partitionSection(run, b.events, b.ctx.nodeTimeoutMs),
    consistency: result.consistency,
    writeLog: result.writeLog ? writeLogSection(result.writeLog, b.before) : null,
    sentinel: sentinelSection(run, b.events, b.stale),
    ...sideSections(b.side, fault ? fault.t0 - run.loadStart : null),
    programs: b.programs,
    soak: soak?.section ?? null,
    migrations: run.migrations,
    fixes: run.fixes.map((f) => ({
      step: f.index,
      openSlots: f.result.openSlots,
      uncovered: f.result.uncovered,
      actions: f.result.actions,
    })),
    logs: [
      ...run.promotions.map((p) => ({
        node: formatAddress(p.promoted),
        title: `Promoted replica ${formatAddress(p.promoted)} (steps[${p.index}])`,
        lines: b.logLines(p.promoted, p.t0, p.at),
      })),
      ...run.rejoins.map((r) => ({
        node: formatAddress(r.node),
        title: `${formatAddress(r.node)} after its ${r.how} (steps[${r.index}])`,
        lines: b.logLines(r.node, r.t0 - 50, r.at),
      })),
    ],
    markers: [
      ...markersFor(run, b.events),
      ...b.programs.flatMap((p) => (p.exitedMs === null ? [] : [{ label: `${p.name} exited`, tMs: p.exitedMs }])),
    ].sort((x, y) => x.tMs - y.tMs),
    checks,
    verdict: checks.every((c) => c.passed) && run.records.every((r) => r.outcome !== 'failed') ? 'pass' : 'fail',
    scenario: {
      name: spec.name,
      file: spec.file,
      builtIn: spec.file === null,
      description: spec.description,
      steps: run.records,
    },
  };
}

/** The lock and pub/sub sections, with the first fault's time so a reader can place them (and each double grant) around it. Pure. */
export function sideSections(side: SideLoadResults, faultMs: number | null): Pick<DrillReport, 'lock' | 'pubsub'> {
  const at = faultMs === null ? null : Math.round(faultMs);
  return {
    lock: side.lock
      ? {
          ...side.lock,
          faultMs: at,
          doubleGrants: side.lock.doubleGrants.map((d) => ({
            ...d,
            acrossFault: at === null ? null : straddles(d, at),
          })),
        }
      : null,
    pubsub: side.pubsub ? { ...side.pubsub, faultMs: at } : null,
  };
}
