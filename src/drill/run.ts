import type { FixResult } from '../cluster/fix.js';
import type { SlotMap, SlotMapMaster } from '../cluster/slotmap.js';
import { readState } from '../cluster/state.js';
import { nodeFor } from '../cluster/runtime.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { nodesWithIds, probesNow } from '../deployment/lookup.js';
import { DeadlineError } from '../errors.js';
import { selectMaster, selectNode } from '../faults/target.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { ObserverView } from '../observe/observer.js';
import type { Check, MigrationRecord, StepRecord } from '../report/model.js';
import type { Clock } from '../util/clock.js';
import type { DeferredAssertion } from './assertions.js';
import {
  type FaultRecord,
  type NamedNode,
  type PartitionRun,
  type PendingPromotion,
  type PendingRejoin,
  type PromotionRecord,
  type RejoinRecord,
  type ReplicaFault,
  type ResourceRecord,
  type RunRecord,
  type Teardown,
  StepFailed,
  checkName,
  relativeMs,
} from './run-record.js';

export type Watch<T> = { ok: true; value: T; text: string } | { ok: false; text: string };

/**
 * The state of one drill run, with one owner: the engine creates it, steps
 * change it only through these methods (record a fault, a promotion, a
 * rejoin, a check...), and the report reads `record()`, a snapshot. The
 * names steps give nodes, what is waiting to be waited for, and what must
 * be undone if the drill ends early all live here.
 */
export class DrillRun {
  private readonly names = new Map<string, NamedNode>();
  private readonly records: StepRecord[] = [];
  private readonly checks: Check[] = [];
  private readonly markers: { label: string; tMs: number }[] = [];
  private readonly stepEvents: DrillEvent[] = [];
  private readonly deferred: DeferredAssertion[] = [];
  private readonly promotions: PromotionRecord[] = [];
  private readonly rejoins: RejoinRecord[] = [];
  private readonly faults: FaultRecord[] = [];
  private readonly partitions: PartitionRun[] = [];
  private readonly migrations: MigrationRecord[] = [];
  private readonly fixes: { index: number; result: FixResult }[] = [];
  private readonly populated: { prefix: string; count: number }[] = [];
  private readonly resources: ResourceRecord[] = [];
  private readonly teardowns = new Map<string, Teardown>();
  private readonly pendingPromotions = new Map<string, PendingPromotion>();
  private readonly pendingRejoins = new Map<string, PendingRejoin>();
  private readonly brokenMasters = new Set<string>();
  private readonly replicaFaults = new Map<string, ReplicaFault>();
  private lastBroken: string | null = null;
  private lastRestored: string | null = null;
  private isStopped = false;
  private interruption: string | null = null;

  constructor(
    readonly deployment: Deployment,
    readonly observer: ObserverView,
    /** Local clock (epoch ms) when the load started: the chart's and the steps' zero. */
    readonly loadStart: number,
    readonly clock: Clock,
    private readonly deadlineMs?: number,
  ) {}

  // --- what steps read -----------------------------------------------------

  get abortSignal(): AbortSignal | undefined {
    return this.deployment.abortSignal;
  }

  /** ms from the start of the load. */
  rel(at: number): number {
    return relativeMs(this.loadStart, at);
  }

  /** A wait's deadline: its own, else --deadline, else 3 x node timeout + 10 s. */
  deadline(own: number | undefined): number {
    return own ?? this.deadlineMs ?? defaultDeadline(this.deployment);
  }

  /** The slot map from the observer's latest polls (no new connection to any node). */
  async slotMap(): Promise<SlotMap> {
    return this.deployment.ops.map(await probesNow(this.deployment, this.observer));
  }

  /** A master by name (the node a name was given to, which must serve slots now) or by selector (index, id, address, slot, key). */
  master(map: SlotMap, ref: string | undefined, sel: { slot?: number; key?: string } = {}): SlotMapMaster {
    const n = ref === undefined ? undefined : this.names.get(ref);
    if (n) {
      const m = map.masters.find((x) => x.id === n.id && x.slots.length > 0);
      if (!m) throw new StepFailed(`${ref} (${formatAddress(n)}) is not a master serving slots now`);
      return m;
    }
    return selectMaster(map, { master: ref, ...sel });
  }

  /** Any node: by name, Master[N], host:port or node-id prefix. */
  async node(ref: string): Promise<NamedNode> {
    const named = this.names.get(ref);
    if (named) return named;
    if (/^(?:Master\[)?\d+\]?$/i.test(ref)) {
      const m = selectMaster(await this.slotMap(), { master: ref });
      return { name: null, id: m.id, host: m.host, port: m.port };
    }
    const n = selectNode(await nodesWithIds(this.deployment, this.observer), ref);
    return { name: null, id: n.id ?? '', host: n.host, port: n.port };
  }

  /** A named node, or the node behind a slot map entry with the name it has, if any. */
  nameOf(n: { id: string; host: string; port: number }): NamedNode {
    return [...this.names.values()].find((x) => x.id === n.id) ?? { name: null, id: n.id, host: n.host, port: n.port };
  }

  named(name: string, n: { id: string; host: string; port: number }): NamedNode {
    const node = { name, id: n.id, host: n.host, port: n.port };
    this.names.set(name, node);
    return node;
  }

  /** Waits with the shared observer; a passed deadline is an outcome here, not an exception. */
  async watch<T>(
    condition: Parameters<ObserverView['waitFor']>[0],
    what: string,
    timeoutMs: number,
  ): Promise<Watch<T>> {
    try {
      const value = (await this.observer.waitFor(condition, { what, timeoutMs, signal: this.abortSignal })) as T;
      return { ok: true, value, text: typeof value === 'string' ? value : what };
    } catch (e) {
      if (e instanceof DeadlineError) return { ok: false, text: `last seen: ${e.lastSeen}` };
      throw e;
    }
  }

  /** The latest fault a step sent (what `wait-for: elapsed` counts from). */
  latestFault(): FaultRecord | undefined {
    return this.faults.at(-1);
  }

  /** The broken node a `wait-for: promotion` waits on: by name, or the latest broken (ref null). */
  async broken(ref: string | null): Promise<{ promotion: PendingPromotion | null; replica: ReplicaFault | null }> {
    const id = ref === null ? this.lastBroken : (await this.node(ref)).id;
    if (id === null) return { promotion: null, replica: null };
    return { promotion: this.pendingPromotions.get(id) ?? null, replica: this.replicaFaults.get(id) ?? null };
  }

  /** The restored node a `wait-for: rejoin` waits on: by name, or the latest restored (ref null). */
  async restored(ref: string | null): Promise<PendingRejoin | null> {
    const id = ref === null ? this.lastRestored : (await this.node(ref)).id;
    return id === null ? null : (this.pendingRejoins.get(id) ?? null);
  }

  promotionsSoFar(): readonly PromotionRecord[] {
    return this.promotions;
  }

  populatedKeys(): readonly { prefix: string; count: number }[] {
    return this.populated;
  }

  // --- what steps record -----------------------------------------------------

  /** A fault was sent (the report's `fault` section names the first one). */
  recordFault(f: FaultRecord): void {
    this.faults.push(f);
    if (f.victim.id !== null) this.lastBroken = f.victim.id;
  }

  /** A master was broken: a `wait-for: promotion` on it waits for one of its replicas. */
  expectPromotion(p: PendingPromotion): void {
    this.brokenMasters.add(p.victim.id);
    this.replicaFaults.delete(p.victim.id);
    this.pendingPromotions.set(p.victim.id, p);
    this.lastBroken = p.victim.id;
  }

  /** A replica was broken: nothing is promoted, only its rejoin follows. */
  brokeReplica(f: ReplicaFault): void {
    this.pendingPromotions.delete(f.node.id);
    this.replicaFaults.set(f.node.id, f);
    this.lastBroken = f.node.id;
  }

  /** A node was brought back: a `wait-for: rejoin` waits for it, and nothing is left to undo for it. */
  expectRejoin(r: PendingRejoin): void {
    this.teardowns.delete(r.node.id);
    this.pendingRejoins.set(r.node.id, r);
    this.lastRestored = r.node.id;
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

  /**
   * The partition was healed: the latest one gets its end, each master it
   * cut off is expected back (as a replica of its successor), and a replica
   * cut off alone with its link up. Returns the partition healed, if any.
   */
  healed(t0: number): PartitionRun | null {
    this.teardowns.delete('partition');
    const p = this.partitions.findLast((x) => x.healedAt === null) ?? null;
    if (p) p.healedAt = t0;
    const cut = (a: { host: string; port: number }, side: 'sides' | 'cutOff'): boolean =>
      this.partitions.some((x) => (side === 'sides' ? x.sides[0] : x.cutOff).includes(formatAddress(a)));
    for (const [id, r] of this.replicaFaults) {
      if (r.kind !== 'partition' || !cut(r.node, 'sides')) continue;
      this.replicaFaults.delete(id);
      this.expectRejoin({ node: r.node, t0, how: 'heal' });
    }
    for (const p of this.pendingPromotions.values())
      if (cut(p.victim, 'cutOff')) this.expectRejoin({ node: this.nameOf(p.victim), t0, how: 'heal' });
    return p;
  }

  /** Undone if the drill ends before a step restores it (Ctrl-C, a failed step). */
  undoIfEndedEarly(key: string, t: Teardown): void {
    this.teardowns.set(key, t);
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

  /** The nodes changed (add-node, remove-node): the drill's view of them follows the state file. */
  async refreshNodes(): Promise<void> {
    const d = this.deployment;
    const state = await readState(d.stateDir, d.name);
    d.state = state;
    const nodes = state.nodes.map((r) => ({
      host: r.bind,
      port: r.port,
      label: formatAddress({ host: r.bind, port: r.port }),
      redis: nodeFor(d.hosts, state, r),
    }));
    d.nodes.splice(0, d.nodes.length, ...nodes);
  }

  // --- what the engine does --------------------------------------------------

  get stopped(): boolean {
    return this.isStopped;
  }

  get interrupted(): string | null {
    return this.interruption;
  }

  /** How many checks so far; `failedSince(n)` tells whether a step added a failed one. */
  checkCount(): number {
    return this.checks.length;
  }

  failedSince(count: number): boolean {
    return this.checks.slice(count).some((c) => !c.passed);
  }

  /** The remaining steps are skipped (a failed step, Ctrl-C in a soak). */
  stop(interruption?: string): void {
    this.isStopped = true;
    if (interruption !== undefined) this.interruption = interruption;
  }

  /** A failed soak loop was recovered from (--keep-going): the steps go on. */
  resume(): void {
    this.isStopped = false;
  }

  recordStep(r: StepRecord): void {
    this.records.push(r);
  }

  recordResources(r: ResourceRecord): void {
    this.resources.push(r);
  }

  /** What must be undone now, each once: the list is emptied. */
  takeTeardowns(): Teardown[] {
    const all = [...this.teardowns.values()];
    this.teardowns.clear();
    return all;
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
