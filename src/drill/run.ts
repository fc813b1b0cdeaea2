import type { SlotMap, SlotMapMaster } from '../cluster/slotmap.js';
import { DeadlineError } from '../errors.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { nodesWithIds, probesNow } from '../deployment/lookup.js';
import type { FaultResult } from '../faults/result.js';
import { selectMaster, selectNode } from '../faults/target.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { Observer } from '../observe/observer.js';
import type { Check, Marker, MigrationRecord, PartitionShape, StepRecord } from '../report/model.js';
import type { Clock } from '../util/clock.js';
import type { FixResult } from '../cluster/fix.js';
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
  t0: number;
  at: number;
}

/** A fault a step sent: what the report's `fault` section names (the first one). */
export interface FaultRecord {
  index: number;
  /** kill, term, freeze, failover: what was done, whatever the step was called. */
  kind: string;
  how: string;
  victim: FaultResult['victim'];
  /** Local clock, epoch ms. */
  t0: number;
}

/** A partition a step made: what the report's `partition` section says (the first one). */
export interface PartitionRun extends PartitionShape {
  index: number;
  /** Local clock, epoch ms. */
  t0: number;
  healedAt: number | null;
}

/** Something a fault left that must not outlive the drill (a frozen process, later a partition). */
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

/** A step that could not do its part on the cluster as it is: the run stops there with a failed check (exit 1). */
export class StepFailed extends Error {}

/** "steps[2] wait-for promotion", or a built-in drill's own name for the check ("promotion"). */
export const checkName = (step: { index: number; step: string; label?: string }, what: string): string =>
  step.label ?? `steps[${step.index}] ${step.step}${what ? ` ${what}` : ''}`;

/**
 * The state one drill run shares between its steps: the names steps gave
 * nodes, what is waiting to be waited for, and everything the report needs
 * (records, checks, markers, promotions, rejoins, faults). The engine owns it;
 * steps read and add to it.
 */
export class DrillRun {
  readonly names = new Map<string, NamedNode>();
  readonly records: StepRecord[] = [];
  readonly checks: Check[] = [];
  readonly markers: Marker[] = [];
  readonly stepEvents: DrillEvent[] = [];
  readonly deferred: DeferredAssertion[] = [];
  readonly promotions: PromotionRecord[] = [];
  readonly rejoins: RejoinRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly partitions: PartitionRun[] = [];
  /** Slot migrations the steps made (reshard, rebalance), and what cluster fix did. */
  readonly migrations: MigrationRecord[] = [];
  readonly fixes: { index: number; result: FixResult }[] = [];
  /** Keys populate steps wrote (key1..keyN with their prefix): an assert can count them again. */
  readonly populated: { prefix: string; count: number }[] = [];
  /** redis-drill's own resident memory and CPU time, sampled every second while the steps run. */
  readonly resources: { tMs: number; rssMb: number; heapMb: number; cpuMs: number }[] = [];
  /** Undone when the drill ends early (failure, Ctrl-C); a later step that restores the node removes its entry. */
  readonly teardowns = new Map<string, Teardown>();
  readonly pendingPromotions = new Map<string, PendingPromotion>();
  readonly pendingRejoins = new Map<string, { node: NamedNode; t0: number; how: string }>();
  /** Every master a fault broke (by node id), what `no unexpected failover` counts promotions against. */
  readonly brokenMasters = new Set<string>();
  /** Replicas a role-agnostic fault (kill-node, term-node, freeze-node, a partition of one node) broke: no promotion follows, only a rejoin. */
  readonly replicaFaults = new Map<string, { node: NamedNode; kind: string; t0: number }>();
  lastBroken: string | null = null;
  lastRestored: string | null = null;
  /** A step failed: the remaining ones are skipped. */
  stopped = false;
  /** Set when Ctrl-C ended a soak's steps: its report is still written, for the loops it ran. */
  interrupted: string | null = null;

  constructor(
    readonly ctx: Deployment,
    readonly observer: Observer,
    /** Local clock (epoch ms) when the load started: the chart's and the steps' zero. */
    readonly loadStart: number,
    readonly clock: Clock,
    readonly o: { signal?: AbortSignal; deadlineMs?: number },
  ) {}

  /** ms from the start of the load. */
  rel(at: number): number {
    return Math.round(at - this.loadStart);
  }

  get signal(): AbortSignal | undefined {
    return this.o.signal;
  }

  get connect(): { timeoutMs: number; password: string | null } {
    return this.ctx.connect;
  }

  /** A wait's deadline: its own, else --deadline, else 3 x node timeout + 10 s. */
  deadline(own: number | undefined): number {
    return own ?? this.o.deadlineMs ?? defaultDeadline(this.ctx);
  }

  /** The slot map from the observer's latest polls (no new connection to any node). */
  async slotMap(): Promise<SlotMap> {
    return this.ctx.ops.map(await probesNow(this.ctx, this.observer));
  }

  named(name: string, n: { id: string; host: string; port: number }): NamedNode {
    const node = { name, id: n.id, host: n.host, port: n.port };
    this.names.set(name, node);
    return node;
  }

  /** A name a step gave, or null when `ref` is a selector (Master[N], host:port, id prefix). */
  private byName(ref: string): NamedNode | null {
    return this.names.get(ref) ?? null;
  }

  /** A master by name (the node a name was given to, which must serve slots now) or by selector (index, id, address, slot, key). */
  master(map: SlotMap, ref: string | undefined, sel: { slot?: number; key?: string } = {}): SlotMapMaster {
    const n = ref === undefined ? null : this.byName(ref);
    if (n) {
      const m = map.masters.find((x) => x.id === n.id && x.slots.length > 0);
      if (!m) throw new StepFailed(`${ref} (${formatAddress(n)}) is not a master serving slots now`);
      return m;
    }
    return selectMaster(map, { master: ref, ...sel });
  }

  /** Any node: by name, Master[N], host:port or node-id prefix. */
  async node(ref: string): Promise<NamedNode> {
    const named = this.byName(ref);
    if (named) return named;
    if (/^(?:Master\[)?\d+\]?$/i.test(ref)) {
      const m = selectMaster(await this.slotMap(), { master: ref });
      return { name: null, id: m.id, host: m.host, port: m.port };
    }
    const n = selectNode(await nodesWithIds(this.ctx, this.observer), ref);
    return { name: null, id: n.id ?? '', host: n.host, port: n.port };
  }

  /** A named node, or the node behind a master slot map entry with the name it has, if any. */
  nameOf(n: { id: string; host: string; port: number }): NamedNode {
    return [...this.names.values()].find((x) => x.id === n.id) ?? { name: null, id: n.id, host: n.host, port: n.port };
  }

  /** A master was broken: a `wait-for: promotion` on it waits for one of its replicas (whatever this node was broken as before). */
  expectPromotion(p: PendingPromotion): void {
    this.brokenMasters.add(p.victim.id);
    this.replicaFaults.delete(p.victim.id);
    this.pendingPromotions.set(p.victim.id, p);
  }

  /** A replica was broken: nothing is promoted, only its rejoin follows. */
  brokeReplica(node: NamedNode, kind: string, t0: number): void {
    this.pendingPromotions.delete(node.id);
    this.replicaFaults.set(node.id, { node, kind, t0 });
  }

  noteFault(index: number, kind: string, r: FaultResult): void {
    this.faults.push({ index, kind, how: r.how, victim: r.victim, t0: Date.parse(r.faultAt) });
  }

  /** Adds a check of a step (named after the step, or by the built-in drill's label). */
  check(step: { index: number; step: string; label?: string }, what: string, passed: boolean, detail: string): void {
    this.checks.push({ name: checkName(step, what), passed, detail });
  }

  marker(label: string, at: number): void {
    this.markers.push({ label, tMs: this.rel(at) });
  }

  /** Waits with the shared observer; a passed deadline is an outcome here, not an exception. */
  async watch<T>(
    condition: Parameters<Observer['waitFor']>[0],
    what: string,
    timeoutMs: number,
  ): Promise<{ ok: true; value: T; text: string } | { ok: false; text: string }> {
    try {
      const value = (await this.observer.waitFor(condition, { what, timeoutMs, signal: this.o.signal })) as T;
      return { ok: true, value, text: typeof value === 'string' ? value : what };
    } catch (e) {
      if (e instanceof DeadlineError) return { ok: false, text: `last seen: ${e.lastSeen}` };
      throw e;
    }
  }
}
