import type { SlotMap } from '../cluster/slotmap.js';

import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { PollCadence } from '../observe/cadence.js';
import { type Check, type DrillReport, type Measured, REPORT_SCHEMA_VERSION } from '../report/model.js';
import { loopOf } from '../report/drill-rows.js';
import { type LatencyOf, bounded, clientSection, measured, phase, setupSection } from '../report/sections.js';
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
import type { Deployment } from '../deployment/handle.js';
import type { RunRecord } from './run-record.js';
import type { WitnessResult } from './witnesses.js';
import { soakSection } from '../soak/section.js';
import type { KeyCounts } from './key-counts.js';

/** Everything a drill report is built from, grouped by where it comes from. */
export interface ReportInput {
  deployment: Deployment;
  spec: DrillSpec;
  version: string;
  maps: { before: SlotMap; after: SlotMap };
  /** Keys per shard before and after (see key-counts.ts). */
  keys: KeyCounts;
  /** What the loads did. */
  load: {
    result: WorkloadResult;
    /** The lock and pub/sub loads' results (null when they did not run). */
    side: SideLoadResults;
    /** The user's own clients (--client-cmd). */
    programs: ProgramResult[];
    /** The load's gap on a master's slots (closed loop), by the master's index in `before`. */
    gapOf: (masterIndex: number) => WorkloadResult['longestGap'] | null;
    latency: LatencyOf;
  };
  /** What the instruments measured. */
  measured: {
    availability: AvailabilityResult | null;
    /** Sentinel: what the stale-master writer saw. */
    stale: StaleWritesResult | null;
    /** --witness: what the independent witnesses saw. */
    witness: WitnessResult | null;
    /** Every event (observer, steps, programs), with absolute times. */
    events: DrillEvent[];
    /** How closely the observer kept its poll interval. */
    cadence: PollCadence;
    server: string;
    clockNote: string;
  };
  logLines: (a: Address, from: number, to: number) => string[];
  run: RunRecord;
  checks: Check[];
  /** The steps' span, ms from the start of the load: the "during" phase. */
  steps: { fromMs: number; toMs: number };
}

/**
 * The one report every drill writes (failover-report and scenario run alike):
 * `fault`, `promotion` and `rejoin` are the first of each; `scenario.steps`
 * has every step; availability per master comes from the write probe; the
 * load's figures are labelled as the closed-loop, client-side view they are.
 */
export function buildDrillReport(b: ReportInput): DrillReport {
  const { run, spec } = b;
  const { result } = b.load;
  const { before } = b.maps;
  const m = b.measured;
  const soak = spec.soak
    ? soakSection({
        plan: spec.soak,
        run,
        checks: b.checks,
        availability: m.availability,
        lostAtMs: result.writeLog?.lostWrites.map((w) => w.atMs) ?? [],
        stepsToMs: b.steps.toMs,
        cadence: m.cadence,
      })
    : null;
  const checks = [...b.checks, ...(soak?.checks ?? [])];
  const fault = run.faults[0] ?? null;
  const first = run.promotions[0] ?? null;
  const rejoin = run.rejoins[0] ?? null;
  const origin = spec.timelineFrom === 'fault' && fault ? fault.t0 : run.loadStart;
  const phases = {
    before: phase(result, b.load.latency, 0, b.steps.fromMs),
    during: phase(result, b.load.latency, b.steps.fromMs, b.steps.toMs),
    after: phase(result, b.load.latency, b.steps.toMs, result.durationMs),
  };
  const several = (n: number, what: string): string => (n > 1 ? ` (the first of ${n} ${what})` : '');
  const victimIndex = fault ? (before.masters.find((m) => m.id === fault.victim.id)?.index ?? null) : null;
  const victimGap = victimIndex === null ? null : b.load.gapOf(victimIndex);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    tool: { name: 'redis-drill', version: b.version },
    setup: setupSection(b.deployment, before, m.server, m.clockNote),
    fault: fault
      ? { kind: fault.kind, how: fault.how, victim: fault.victim, at: new Date(fault.t0).toISOString() }
      : null,
    slotMapBefore: before,
    slotMapAfter: b.maps.after,
    timelineFrom: spec.timelineFrom,
    timeline: m.events.map((e) => ({ ...e, tMs: Math.round(e.at - origin) })),
    promotion: {
      promoted: first ? { id: first.promoted.id, host: first.promoted.host, port: first.promoted.port } : null,
      ms: timed(
        first?.ms ?? null,
        first?.source ?? null,
        m.cadence,
        first
          ? first.source === 'log'
            ? b.deployment.ops.kind === 'sentinel'
              ? `fault -> the first sentinel's "+switch-master" to ${formatAddress(first.promoted)} (its log)${several(run.promotions.length, 'promotions')}`
              : `fault -> "Failover election won" in ${formatAddress(first.promoted)}'s redis.log${several(run.promotions.length, 'promotions')}`
            : `fault -> first CLUSTER NODES poll showing ${formatAddress(first.promoted)} master${several(run.promotions.length, 'promotions')}`
          : 'no promotion in this drill',
        fault?.sendMs ?? 0,
      ),
    },
    rejoin: rejoin
      ? {
          node: formatAddress(rejoin.node),
          role: rejoin.role.role,
          master: rejoin.role.master,
          resync: rejoin.resync,
          ms: timed(
            rejoin.ms,
            rejoin.source,
            m.cadence,
            `restart/resume -> master_link_status:up (log "sync: Finished with success" or INFO replication poll)${several(run.rejoins.length, 'rejoins')}`,
          ),
        }
      : null,
    client: clientSection(
      result,
      b.deployment.ops.kind === 'sentinel' ? 'ioredis in Sentinel mode' : 'ioredis Cluster',
      phases,
      victimGap,
      fault
        ? `load (${loopOf(result.mode)}, client side): longest span with no successful operation on the victim's slots; its clients queue behind blocked requests, so see availability for the slots' own figure`
        : `load (${loopOf(result.mode)}, client side): longest span with no successful operation on one master's slots (no fault in this drill)`,
    ),
    availability: m.availability ? availabilitySection(m.availability, fault?.victim.id ?? null) : null,
    witness: m.witness,
    partition: partitionSection(b.deployment, run, m.events),
    consistency: result.consistency,
    keys: b.keys,
    writeLog: result.writeLog ? writeLogSection(result.writeLog, before) : null,
    sentinel: sentinelSection(b.deployment, run, m.events, m.stale),
    ...sideSections(b.load.side, fault ? fault.t0 - run.loadStart : null),
    programs: b.load.programs,
    soak: soak?.section ?? null,
    migrations: [...run.migrations],
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
      ...markersFor(run, m.events),
      ...b.load.programs.flatMap((p) => (p.exitedMs === null ? [] : [{ label: `${p.name} exited`, tMs: p.exitedMs }])),
    ].sort((x, y) => x.tMs - y.tMs),
    checks,
    verdict: checks.every((c) => c.passed) && run.records.every((r) => r.outcome !== 'failed') ? 'pass' : 'fail',
    scenario: {
      name: spec.name,
      file: spec.file,
      builtIn: spec.file === null,
      description: spec.description,
      steps: [...run.records],
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

/**
 * A timing from the timeline with its bound: a log line carries the
 * server's own millisecond time (1 ms, plus the measured clock offset's
 * uncertainty on a remote host, given in the report's clock note); a poll
 * saw the change at most one poll gap after it happened (the observer's p99
 * gap between two answered polls of a node).
 */
function timed(
  value: number | null,
  source: 'log' | 'poll' | null,
  cadence: PollCadence,
  text: string,
  sendMs = 0,
): Measured {
  const m = measured(value, 'ms', text);
  if (value === null || source === null) return m;
  const sent = sendMs >= 1 ? `; the fault went out ${Math.round(sendMs)} ms after its mark` : '';
  if (source === 'log') return bounded(m, 1 + sendMs, `the server's own millisecond log timestamp${sent}`);
  const gap = cadence.p99GapMs ?? cadence.intervalMs;
  return bounded(
    m,
    gap + sendMs,
    `seen by a poll: polls every ${cadence.intervalMs} ms, p99 gap between two polls of a node ${gap} ms${sent}`,
  );
}
