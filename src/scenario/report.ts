import type { SlotMap } from '../cluster/slotmap.js';
import type { DrillContext } from '../faults/drill-context.js';
import type { FaultResult } from '../faults/report.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import { type Check, type DrillReport, type Marker, REPORT_SCHEMA_VERSION, type StepRecord } from '../report/model.js';
import { type LatencyOf, clientSection, measured, phase, setupSection } from '../report/sections.js';
import type { WorkloadResult } from '../workload/runner.js';
import type { PromotionRecord, RejoinRecord } from './run.js';
import type { Scenario } from './schema.js';

export interface ScenarioReportInput {
  ctx: DrillContext;
  scenario: Scenario;
  file: string;
  version: string;
  before: SlotMap;
  after: SlotMap;
  result: WorkloadResult;
  server: string;
  /** Where the times come from (the observer's note). */
  clockNote: string;
  latency: LatencyOf;
  /** Every event, tMs from the start of the load. */
  events: DrillEvent[];
  records: StepRecord[];
  checks: Check[];
  markers: Marker[];
  firstFault: (FaultResult & { step: string }) | null;
  promotions: PromotionRecord[];
  rejoins: RejoinRecord[];
  /** The steps' span, ms from the start of the load: the "during" phase. */
  stepsFromMs: number;
  stepsToMs: number;
  logLines: (a: Address, from: number, to: number) => string[];
}

/**
 * The same report as failover-report, for a whole scenario: the timeline
 * counts from the start of the load and holds every step; `fault`,
 * `promotion` and `rejoin` are the first of each; `scenario.steps` has them all.
 */
export function buildScenarioReport(b: ScenarioReportInput): DrillReport {
  const { result } = b;
  const first = b.promotions[0] ?? null;
  const rejoin = b.rejoins[0] ?? null;
  const phases = {
    before: phase(result, b.latency, 0, b.stepsFromMs),
    during: phase(result, b.latency, b.stepsFromMs, b.stepsToMs),
    after: phase(result, b.latency, b.stepsToMs, result.durationMs),
  };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    tool: { name: 'redis-drill', version: b.version },
    setup: setupSection(b.ctx, b.before, b.server, b.clockNote),
    fault: b.firstFault ? { kind: b.firstFault.step, how: b.firstFault.how, victim: b.firstFault.victim, at: b.firstFault.faultAt } : null,
    slotMapBefore: b.before,
    slotMapAfter: b.after,
    timelineFrom: 'start',
    timeline: b.events,
    promotion: {
      promoted: first ? { id: first.promoted.id, host: first.promoted.host, port: first.promoted.port } : null,
      ms: measured(first?.ms ?? null, 'ms', first ? (first.source === 'log' ? `first promotion: fault -> "Failover election won" in ${formatAddress(first.promoted)}'s redis.log` : 'first promotion: fault -> first CLUSTER NODES poll showing it master') : 'no promotion in this scenario'),
    },
    rejoin: rejoin
      ? { node: formatAddress(rejoin.node), role: rejoin.role.role, master: rejoin.role.master, ms: measured(rejoin.ms, 'ms', 'first rejoin: restart/resume -> master_link_status:up (log "sync: Finished with success" or INFO replication poll)') }
      : null,
    client: clientSection(result, phases, "workload: longest span with no successful operation on one master's slots (each master's slots tracked apart)"),
    consistency: result.consistency,
    logs: [
      ...b.promotions.map((p) => ({ node: formatAddress(p.promoted), title: `Promoted replica ${formatAddress(p.promoted)} (steps[${p.index}])`, lines: b.logLines(p.promoted, p.t0, p.at) })),
      ...b.rejoins.map((r) => ({ node: formatAddress(r.node), title: `${formatAddress(r.node)} after its ${r.how} (steps[${r.index}])`, lines: b.logLines(r.node, r.t0 - 50, r.at) })),
    ],
    markers: b.markers,
    checks: b.checks,
    verdict: b.checks.every((c) => c.passed) && b.records.every((r) => r.outcome === 'done') ? 'pass' : 'fail',
    scenario: { name: b.scenario.name, file: b.file, description: b.scenario.description, steps: b.records },
  };
}
