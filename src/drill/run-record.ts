import type { Resync } from '../observe/measure.js';
import type { FixResult } from '../cluster/fix.js';
import type { SlotMapMaster } from '../cluster/slotmap.js';
import type { FaultResult } from '../faults/result.js';
import type { Address } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { Check, Marker, MigrationRecord, PartitionShape, StepRecord } from '../report/model.js';
import type { DeferredAssertion } from './assertions.js';

/** A node a step acted on: named nodes keep their node id, so `victim` stays the same node after any failover. */
export interface NamedNode extends Address {
  name: string | null;
  id: string;
}

export interface PromotionRecord {
  index: number;
  victim: NamedNode;
  promoted: NamedNode;
  ms: number | null;
  source: 'log' | 'poll' | null;
  /** Local clock (epoch ms) of the fault, and of the end of the wait. */
  t0: number;
  at: number;
}

export interface RejoinRecord {
  index: number;
  node: NamedNode;
  how: string;
  role: { role: 'master' | 'replica'; master: string | null };
  ms: number;
  /** The node's own log line, or the poll that saw its link up (or it back). */
  source: 'log' | 'poll';
  /** How it (a replica) or its replicas (a node back as a master) resynchronized. */
  resync: Resync;
  t0: number;
  at: number;
}

/** A fault a step sent: what the report's `fault` section names (the first one). */
export interface FaultRecord {
  index: number;
  /** The fault catalogue's word for what was done (kill, term, freeze, failover, partition, flaky). */
  kind: string;
  how: string;
  victim: FaultResult['victim'];
  /** Local clock, epoch ms. */
  t0: number;
  /** How long the fault took to go out after t0 (a timing from the fault is this uncertain). */
  sendMs: number;
}

/** A partition a step made: what the report's `partition` section says (the first one). */
export interface PartitionRun extends PartitionShape {
  index: number;
  /** Local clock, epoch ms. */
  t0: number;
  healedAt: number | null;
}

/** Something a fault left that must not outlive the drill (a frozen process, a partition). */
export interface Teardown {
  what: string;
  run(): Promise<unknown>;
  /** Only when the drill was interrupted (a killed node is started again); a failed drill keeps it as it is, for a look. */
  onInterruptOnly?: boolean;
}

export interface PendingPromotion {
  victim: SlotMapMaster;
  /** A manual failover: done when the roles have swapped (the old master a replica of the new one). */
  manual: boolean;
  /** The replica asked to take over (null: any; Sentinel chooses itself). */
  chosen: string | null;
  t0: number;
  /** Nodes that cannot see the promotion (a partition's minority side). */
  exclude?: readonly Address[];
}

/** A replica a role-agnostic fault broke: no promotion follows, only a rejoin. */
export interface ReplicaFault {
  node: NamedNode;
  kind: string;
  t0: number;
}

export interface PendingRejoin {
  node: NamedNode;
  t0: number;
  how: string;
}

export interface ResourceRecord {
  tMs: number;
  rssMb: number;
  heapMb: number;
  cpuMs: number;
}

/** What one drill run recorded, as the report reads it: a snapshot, never written again. */
export interface RunRecord {
  /** Local clock (epoch ms) when the load started: the chart's and the steps' zero. */
  loadStart: number;
  records: readonly StepRecord[];
  checks: readonly Check[];
  markers: readonly Marker[];
  stepEvents: readonly DrillEvent[];
  deferred: readonly DeferredAssertion[];
  promotions: readonly PromotionRecord[];
  rejoins: readonly RejoinRecord[];
  faults: readonly FaultRecord[];
  partitions: readonly PartitionRun[];
  migrations: readonly MigrationRecord[];
  fixes: readonly { index: number; result: FixResult }[];
  populated: readonly { prefix: string; count: number }[];
  resources: readonly ResourceRecord[];
  /** Every master a fault broke (by node id): what `no unexpected failover` counts promotions against. */
  brokenMasters: ReadonlySet<string>;
  /** Set when Ctrl-C ended a soak's steps: its report is still written, for the loops it ran. */
  interrupted: string | null;
}

/** A step that could not do its part on the cluster as it is: the run stops there with a failed check (exit 1). */
export class StepFailed extends Error {}

/** "steps[2] wait-for promotion", or a built-in drill's own name for the check ("promotion"). */
export const checkName = (step: { index: number; step: string; label?: string }, what: string): string =>
  step.label ?? `steps[${step.index}] ${step.step}${what ? ` ${what}` : ''}`;

/** ms from `origin` (the start of the load), rounded. Pure. */
export const relativeMs = (origin: number, at: number): number => Math.round(at - origin);
