import type { SlotMap, SlotMapMaster } from '../cluster/slotmap.js';
import { readState } from '../cluster/state.js';
import { nodeFor } from '../cluster/runtime.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { nodesWithIds, probesNow } from '../deployment/lookup.js';
import { DeadlineError } from '../errors.js';
import { selectMaster, selectNode } from '../faults/target.js';
import { formatAddress } from '../nodes/address.js';
import type { ObserverView } from '../observe/observer.js';
import type { Clock } from '../util/clock.js';
import { RunLedger } from './run-ledger.js';
import {
  type FaultRecord,
  type NamedNode,
  type PartitionRun,
  type PendingPromotion,
  type PendingRejoin,
  type ReplicaFault,
  type Teardown,
  StepFailed,
} from './run-record.js';

export type Watch<T> = { ok: true; value: T; text: string } | { ok: false; text: string };

/**
 * The state of one drill run, with one owner: the engine creates it, steps
 * change it only through these methods (record a fault, a promotion, a
 * rejoin, a check...), and the report reads `record()`, a snapshot. Beside
 * the record (RunLedger), it holds the names steps gave nodes, what is
 * waiting to be waited for, and what must be undone if the drill ends early.
 */
export class DrillRun extends RunLedger {
  private readonly names = new Map<string, NamedNode>();
  private readonly teardowns = new Map<string, Teardown>();
  private readonly pendingPromotions = new Map<string, PendingPromotion>();
  private readonly pendingRejoins = new Map<string, PendingRejoin>();
  private readonly replicaFaults = new Map<string, ReplicaFault>();
  private lastBroken: string | null = null;
  private lastRestored: string | null = null;
  private isStopped = false;

  constructor(
    readonly deployment: Deployment,
    readonly observer: ObserverView,
    loadStart: number,
    readonly clock: Clock,
    private readonly deadlineMs?: number,
  ) {
    super(loadStart);
  }

  // --- what steps read -----------------------------------------------------

  get abortSignal(): AbortSignal | undefined {
    return this.deployment.abortSignal;
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
      const value = (await this.observer.waitFor(condition, { what, timeoutMs, abortSignal: this.abortSignal })) as T;
      return { ok: true, value, text: typeof value === 'string' ? value : what };
    } catch (e) {
      if (e instanceof DeadlineError) return { ok: false, text: `last seen: ${e.lastSeen}` };
      throw e;
    }
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

  // --- what steps record, beyond the ledger ---------------------------------

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
    for (const pending of this.pendingPromotions.values())
      if (cut(pending.victim, 'cutOff')) this.expectRejoin({ node: this.nameOf(pending.victim), t0, how: 'heal' });
    return p;
  }

  /** Undone if the drill ends before a step restores it (Ctrl-C, a failed step). */
  undoIfEndedEarly(key: string, t: Teardown): void {
    this.teardowns.set(key, t);
  }

  /** What `key` broke is restored: nothing left to undo for it. */
  restoredItself(key: string): void {
    this.teardowns.delete(key);
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

  /** The remaining steps are skipped (a failed step, Ctrl-C in a soak). */
  stop(interruption?: string): void {
    this.isStopped = true;
    if (interruption !== undefined) this.interruption = interruption;
  }

  /** A failed soak loop was recovered from (--keep-going): the steps go on. */
  resume(): void {
    this.isStopped = false;
  }

  /** What must be undone now, each once: the list is emptied. */
  takeTeardowns(): Teardown[] {
    const all = [...this.teardowns.values()];
    this.teardowns.clear();
    return all;
  }
}
