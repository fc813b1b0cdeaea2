import type { FixResult } from '../cluster/fix.js';
import type { DrillEvent } from '../observe/events.js';
import type { Check, MigrationRecord, StepRecord } from '../report/model.js';
import type { DeferredAssertion } from './assertions.js';
import {
  type FaultRecord,
  type PartitionRun,
  type PromotionRecord,
  type RejoinRecord,
  type ResourceRecord,
  type RunRecord,
  checkName,
  relativeMs,
} from './run-record.js';

/**
 * What a drill run records, append only: faults, promotions, rejoins,
 * partitions, migrations, checks, markers, step records. The report reads
 * a snapshot of it (`record()`); nothing else reads these lists whole.
 */
export class RunLedger {
  protected readonly faults: FaultRecord[] = [];
  protected readonly partitions: PartitionRun[] = [];
  protected readonly brokenMasters = new Set<string>();
  protected interruption: string | null = null;
  private readonly records: StepRecord[] = [];
  private readonly checks: Check[] = [];
  private readonly markers: { label: string; tMs: number }[] = [];
  private readonly stepEvents: DrillEvent[] = [];
  private readonly deferred: DeferredAssertion[] = [];
  private readonly promotions: PromotionRecord[] = [];
  private readonly rejoins: RejoinRecord[] = [];
  private readonly migrations: MigrationRecord[] = [];
  private readonly fixes: { index: number; result: FixResult }[] = [];
  private readonly populated: { prefix: string; count: number }[] = [];
  private readonly resources: ResourceRecord[] = [];

  constructor(
    /** Local clock (epoch ms) when the load started: the chart's and the steps' zero. */
    readonly loadStart: number,
  ) {}

  /** ms from the start of the load. */
  rel(at: number): number {
    return relativeMs(this.loadStart, at);
  }

  /** The latest fault a step sent (what `wait-for: elapsed` counts from). */
  latestFault(): FaultRecord | undefined {
    return this.faults.at(-1);
  }

  promotionsSoFar(): readonly PromotionRecord[] {
    return this.promotions;
  }

  populatedKeys(): readonly { prefix: string; count: number }[] {
    return this.populated;
  }

  recordPromotion(p: PromotionRecord): void {
    this.promotions.push(p);
  }

  recordRejoin(r: RejoinRecord): void {
    this.rejoins.push(r);
  }

  recordPartition(p: PartitionRun): void {
    this.partitions.push(p);
  }

  /** Adds a check of a step (named after the step, or by the built-in drill's label). */
  check(step: { index: number; step: string; label?: string }, what: string, passed: boolean, detail: string): void {
    this.checks.push({ name: checkName(step, what), passed, detail });
  }

  addChecks(checks: readonly Check[]): void {
    this.checks.push(...checks);
  }

  /** Assertions about the load, judged once it has stopped. */
  defer(assertions: readonly DeferredAssertion[]): void {
    this.deferred.push(...assertions);
  }

  marker(label: string, at: number): void {
    this.markers.push({ label, tMs: this.rel(at) });
  }

  /** Something a step did, on the timeline. */
  event(e: DrillEvent): void {
    this.stepEvents.push(e);
  }

  recordMigration(m: MigrationRecord): void {
    this.migrations.push(m);
  }

  recordFix(index: number, result: FixResult): void {
    this.fixes.push({ index, result });
  }

  /** Keys a populate step wrote (key1..keyN with their prefix): an assert can count them again. */
  recordPopulated(prefix: string, count: number): void {
    this.populated.push({ prefix, count });
  }

  /** How many checks so far; `failedSince(n)` tells whether a step added a failed one. */
  checkCount(): number {
    return this.checks.length;
  }

  failedSince(count: number): boolean {
    return this.checks.slice(count).some((c) => !c.passed);
  }

  recordStep(r: StepRecord): void {
    this.records.push(r);
  }

  recordResources(r: ResourceRecord): void {
    this.resources.push(r);
  }

  /** What the report reads: a snapshot of everything recorded. */
  record(): RunRecord {
    return {
      loadStart: this.loadStart,
      records: [...this.records],
      checks: [...this.checks],
      markers: [...this.markers],
      stepEvents: [...this.stepEvents],
      deferred: [...this.deferred],
      promotions: [...this.promotions],
      rejoins: [...this.rejoins],
      faults: [...this.faults],
      partitions: this.partitions.map((p) => ({ ...p })),
      migrations: [...this.migrations],
      fixes: [...this.fixes],
      populated: [...this.populated],
      resources: [...this.resources],
      brokenMasters: new Set(this.brokenMasters),
      interrupted: this.interruption,
    };
  }
}
