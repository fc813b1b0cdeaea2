import type { Resync } from '../observe/measure.js';
import type { ProgramResult } from '../workload/program-run.js';
import type { FixAction } from '../cluster/fix.js';
import type { LockResult } from '../workload/lock-load.js';
import type { PubSubResult } from '../workload/pubsub-load.js';
import type { SlotMap } from '../cluster/slotmap.js';
import type { DrillEvent } from '../observe/events.js';
import type { FaultResult } from '../faults/result.js';
import type { MasterAvailability, SendDelay } from '../workload/availability.js';
import type { ConsistencyReport } from '../workload/consistency.js';
import type { WriteLogReport } from '../workload/write-log.js';
import type { ErrorClass } from '../workload/error-class.js';
import type { LatencySummary, WindowStats } from '../workload/stats.js';
import type { SoakSection } from './model-soak.js';
import type { WitnessResult } from '../instruments/witness-result.js';
import type { PartitionMode } from '../faults/partition-plan.js';

export type { Distribution, SoakLoopRow, SoakSection } from './model-soak.js';

export const REPORT_SCHEMA_VERSION = 1;

/** Every figure in a report carries its unit and where it was measured; a timing, how far off it may be. */
export interface Measured {
  value: number | null;
  unit: 'ms' | 'ops' | 'ops/s' | 'writes' | 'keys' | 'slots';
  source: string;
  /** How much the real value may differ from `value`, and why (the instrument's resolution and its own lateness). */
  bound?: { ms: number; detail: string };
  /** Set when the bound is over 50 ms and over 10% of the value: the figure is not as precise as its digits. */
  warning?: string;
}

export interface PhaseStats {
  fromMs: number;
  toMs: number;
  opsPerSec: Measured;
  errors: number;
  latency: LatencySummary | null;
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

export interface Marker {
  label: string;
  /** ms from the start of the workload (the chart's x axis). */
  tMs: number;
}

export interface DrillReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  tool: { name: 'redis-drill'; version: string };
  setup: {
    cluster: string;
    server: string;
    nodeTimeoutMs: Measured;
    /** What the nodes keep across a restart (--persistence, from the state file); null for an attached cluster. */
    persistence: string | null;
    masters: number;
    replicas: number;
    clock: string;
  };
  /** The fault (a scenario: its first fault step; null when it has none). */
  fault: { kind: string; how: string; victim: FaultResult['victim']; at: string } | null;
  slotMapBefore: SlotMap;
  slotMapAfter: SlotMap;
  /** What the timeline's tMs count from: the fault (failover-report) or the start of the load (scenario). */
  timelineFrom: 'fault' | 'start';
  /** Fault, promotion and rejoin events (a scenario: every step's) on one timeline. */
  timeline: DrillEvent[];
  promotion: { promoted: FaultResult['promoted']; ms: Measured };
  /** resync: partial (the backlog sufficed) or full (an RDB of the shard), from the replicas' logs; unknown when neither was seen. */
  rejoin: { node: string; role: string | null; master: string | null; ms: Measured; resync: Resync } | null;
  client: {
    mode: string;
    clients: number;
    ops: Measured;
    errors: Measured;
    errorsByClass: Partial<Record<ErrorClass, number>>;
    /** The last message the client gave for each class (what a user would grep for). */
    lastErrors: Partial<Record<ErrorClass, string>>;
    /** ms from the load's start when its client ended itself for good and a new one was made (ioredis #1683 in Sentinel mode). */
    restarts: number[];
    unavailableVictimSlots: Measured;
    unavailableAll: Measured;
    phases: { before: PhaseStats; during: PhaseStats; after: PhaseStats };
    /** Per 100 ms window, ms from the workload's start. */
    windows: WindowStats[];
    clientOptions: Record<string, unknown>;
  };
  /** Per master, from the open-loop write probe (null when the drill ran none). */
  availability: AvailabilitySection | null;
  /** --witness: an independent process per master, its longest gap beside the probe's (null without --witness). */
  witness: WitnessResult | null;
  /** The (first) network partition: what was cut, when, and the cut-off master's own window (null without one). */
  partition: PartitionSection | null;
  consistency: ConsistencyReport | null;
  /** Keys per shard (by master index) before the load and after the drill; the `no keys lost` check reads it. */
  keys: KeyCounts;
  /** Which acknowledged writes were lost, and when they were acknowledged (null when the load had no adds). */
  writeLog: WriteLogSection | null;
  /** A Sentinel deployment's own figures: the sentinels' timings, aborted failovers, and old masters that came back as masters (null for a cluster). */
  sentinel: SentinelSection | null;
  /** The lock load (null without one). Its times are ms from the start of the load. */
  lock: LockSection | null;
  /** The pub/sub load (null without one). Its times are ms from the start of the load. */
  pubsub: PubSubSection | null;
  /** The user's own client programs (--client-cmd, a scenario's clients:), each judged by whether it survived. Times: ms from the start of the load. */
  programs: ProgramResult[];
  /** Slot migrations the steps made (reshard, each move of a rebalance): slots and keys moved over time (ms from the start of the load), and where one stopped. */
  migrations: MigrationRecord[];
  /** A soak's loops, their distributions and redis-drill's own memory and CPU (null: not a soak). */
  soak: SoakSection | null;
  /** What each fix step did, slot by slot. */
  fixes: { step: number; openSlots: number[]; uncovered: string; actions: FixAction[] }[];
  logs: { node: string; title: string; lines: string[] }[];
  markers: Marker[];
  checks: Check[];
  verdict: 'pass' | 'fail';
  /** The drill's steps as they ran, and the file they came from (failover-report: built in). */
  scenario: ScenarioSection;
}

/**
 * Keys per shard, not counting redis-drill's own (`drill:*`: the load, the
 * probe, the witnesses), before the load and after the drill, by the index
 * each master had before (a shard keeps its index when a replica takes it
 * over). When the shards changed (a reshard, a node added), only the totals
 * compare: `by` says which.
 */
export interface KeyCounts {
  by: 'shard' | 'total';
  before: Record<string, number | null>;
  after: Record<string, number | null>;
  /** Keys that had an expiry when the drill began (INFO keyspace `expires`): they may go by themselves. */
  expiring: Record<string, number | null>;
  method: string;
}

/** What the write probe saw: the figures operators ask for ("how long could Master[0]'s slots not be written?"). */
export interface AvailabilitySection {
  method: string;
  intervalMs: number;
  deadlineMs: number;
  /** The (first) fault's victim's slots: longest span without a successful write. */
  victimUnavailable: Measured;
  /** The longest such span on any other master's slots. */
  othersUnavailable: Measured;
  masters: (MasterAvailability & { victim: boolean })[];
  /** How late the probe's own writes went out, over the drill: the instrument's error. */
  sendDelay: SendDelay;
}

/** What was cut, as the step that made the partition and the report both say it. */
export interface PartitionShape {
  how: string;
  mode: PartitionMode;
  direction: 'both' | 'in' | 'out';
  loss: number | null;
  sides: [string[], string[]];
  /** host:port of the masters cut off from the majority. */
  cutOff: string[];
}

export interface PartitionSection extends PartitionShape {
  /** steps[i] that made it. */
  step: number;
  /** ms from the start of the load (the chart's axis). */
  cutMs: number;
  healMs: number | null;
  /** The cut-off master's own window: cut -> its "Cluster state changed: fail" log line (when it stopped acknowledging writes). */
  minorityFail: Measured & { node: string | null };
  nodeTimeoutMs: number;
}

/** The write log's findings, with the lost writes grouped by the master that served their slots when the drill began. */
export interface WriteLogSection extends WriteLogReport {
  masters: { label: string; acknowledged: number; lost: number; lostPercent: number }[];
}

export interface SentinelSection {
  masterName: string;
  quorum: number;
  downAfterMs: number;
  /** The first promotion: fault -> the first "+switch-master", and -> the new master's own "MASTER MODE enabled". */
  switchMaster: Measured;
  masterMode: Measured;
  /** Every "+switch-master" a sentinel logged after the first fault (ms from the start of the load). */
  switches: { tMs: number; sentinel: string; from: string; to: string }[];
  /** "-failover-abort-*" and "+failover-end-for-timeout" after the first fault. */
  aborts: { tMs: number; sentinel: string; event: string }[];
  /**
   * Data nodes that took writes as masters while the sentinels named another
   * (an old master restarted, resumed, or cut off on a partition's minority
   * side), until Sentinel converted them (+convert-to-slave): a client still
   * pointing at one loses what it wrote there.
   */
  staleMasters: {
    node: string;
    sinceMs: number;
    convertedMs: number | null;
    window: Measured;
    acknowledged: number;
    lost: number | null;
  }[];
  staleMethod: string;
}

export interface ScenarioSection {
  name: string;
  /** null for a built-in drill (failover-report). */
  file: string | null;
  /** failover-report is a built-in scenario of five steps; a file's scenario is not built in. */
  builtIn: boolean;
  description: string | null;
  steps: StepRecord[];
}

/** One step of a scenario as it ran. Times are ms from the start of the load. */
export interface StepRecord {
  /** Its index in the file's `steps` list (as in steps[2]). */
  index: number;
  step: string;
  /** The step as written, in one line: "wait-for promotion", "kill-master master=0 as=victim". */
  title: string;
  /** What it did, in words: "SIGKILL to Master[0] 127.0.0.1:7000 (victim)". */
  detail: string;
  startMs: number;
  endMs: number;
  outcome: 'done' | 'failed' | 'skipped';
  /** The node it acted on or named, if any. */
  node: { name: string | null; id: string | null; host: string; port: number } | null;
}

/** The lock load's figures; each double grant says whether it straddles the first fault (its first hold began before it, its second after). */
export interface LockSection extends Omit<LockResult, 'doubleGrants'> {
  /** The first fault, ms from the start of the load (null: no fault). */
  faultMs: number | null;
  doubleGrants: (LockResult['doubleGrants'][number] & { acrossFault: boolean | null })[];
}

export interface PubSubSection extends PubSubResult {
  /** The first fault, ms from the start of the load (null: no fault). */
  faultMs: number | null;
}

/** A reshard (or one move of a rebalance) as a step ran it; `stopped` says why it ended early (null: it finished). */
export interface MigrationRecord {
  index: number;
  from: string;
  to: string;
  slots: number;
  keys: number;
  /** ms from the start of the load. */
  startMs: number;
  elapsedMs: number;
  stopped: string | null;
  openSlots: number[];
  /** Slots and keys moved over time, ms from the start of the load. */
  samples: { tMs: number; slots: number; keys: number }[];
  /**
   * MOVED, ASK and TRYAGAIN replies every node sent over the step (INFO
   * errorstats before and after, summed over the nodes that answered both
   * times): what clients were redirected or told to retry. A rebalance's
   * whole step is on its last move (null on the others).
   */
  redirections: { moved: number; ask: number; tryagain: number; nodes: number; source: string } | null;
}
