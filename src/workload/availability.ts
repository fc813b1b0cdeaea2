import { keyInRanges } from '../cluster/owner.js';
import { type Address, formatAddress, parseAddress } from '../nodes/address.js';
import { KeptConnections } from '../nodes/kept-connection.js';
import { type Clock, systemClock } from '../util/clock.js';
import { classifyClientError } from './error-class.js';
import { type MasterAvailability, type ProbeGroup, ProbeLane, type SendDelay } from './probe-lane.js';

export type { FailedWrite, MasterAvailability, ProbeGroup, SendDelay } from './probe-lane.js';

export interface AvailabilityOptions {
  password: string | null;
  /** Who serves a slot now (the observer's latest polls); null when nobody is known to. */
  ownerOf(slot: number): Address | null;
  intervalMs?: number;
  /** How long one write may take before it counts as failed. */
  deadlineMs?: number;
  clock?: Clock;
  /** How late the probe may learn a new owner (the observer's poll interval): part of a failover gap's bound. */
  ownerLagMs?: number;
  /** How one SET goes out (default: the probe's own connection to that node). Tests replace it to stall or fail on cue. */
  set?(node: Address, key: string, value: string): Promise<unknown>;
}

export interface AvailabilityResult {
  method: string;
  intervalMs: number;
  deadlineMs: number;
  masters: MasterAvailability[];
  /** How late the probe's writes went out, over every master: its own error. */
  sendDelay: SendDelay;
}

/**
 * Availability measured open loop, per master: every `intervalMs` (10) one
 * SET to a key in each master's slots, sent to whoever serves that slot now,
 * each with its own deadline (100 ms) and never queued behind another (no
 * offline queue, no retries; a MOVED reply is followed once). Unlike the
 * closed-loop load, a dead master cannot make healthy masters look
 * unavailable: every group is written on its own schedule.
 */
export class AvailabilityProbe {
  private readonly lanes: ProbeLane[];
  /** One connection per node, kept for the whole drill; it reconnects by itself every 100 ms while the node is away. */
  private readonly clients: KeptConnections;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly deadlineMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  /** The next write's place on the schedule: it is due at t0 + next x interval. */
  private next = 0;

  constructor(
    groups: readonly ProbeGroup[],
    private readonly o: AvailabilityOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.intervalMs = o.intervalMs ?? 10;
    this.deadlineMs = o.deadlineMs ?? 100;
    this.clients = new KeptConnections({
      password: o.password ?? null,
      name: 'redis-drill:probe',
      connectTimeoutMs: 1000,
      commandTimeoutMs: this.deadlineMs,
    });
    this.lanes = groups.map((group) => {
      const { key, slot } = keyInRanges(group.ranges, `drill:probe:${group.index}:`);
      return new ProbeLane(group, key, slot);
    });
  }

  /**
   * Opens a connection to every node that may serve the groups (masters and
   * their replicas) before the first write: a write that fails only because
   * its connection is still being made would show as an outage. Ready, not
   * just connected: a kept connection refuses commands (no offline queue)
   * until its CLIENT SETNAME is answered, which on a busy machine is
   * milliseconds later.
   */
  async connect(nodes: readonly Address[]): Promise<void> {
    await Promise.all(
      nodes.map(async (a) => {
        let timer: NodeJS.Timeout | undefined;
        // A node that is down now is not an error here: its writes fail and say so.
        await Promise.race([
          this.clients.get(a).whenReady(),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000))),
        ]);
        clearTimeout(timer);
      }),
    );
  }

  /** Starts writing; times are ms from `t0` (the load's start, the chart's zero). */
  start(t0: number): void {
    this.t0 = t0;
    this.tick();
  }

  /** Stops writing, waits for the writes in flight (at most one deadline), closes every connection. */
  async stop(): Promise<AvailabilityResult> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.next = Number.POSITIVE_INFINITY;
    await Promise.all(this.inFlight);
    const end = this.clock.now() - this.t0;
    this.clients.closeAll();
    const masters = this.lanes.map((l) => l.result(end, this.o.ownerLagMs ?? 0));
    return {
      method: `one SET every ${this.intervalMs} ms to a key in each master's slots (as they were when the drill began), on a fixed schedule, sent to the node that serves the slot in the latest poll (CLUSTER NODES; for Sentinel, the master the sentinels name), each with its own ${this.deadlineMs} ms deadline and no retries (a MOVED reply is followed once); a span without success runs from one acknowledged write to the next, by their send times, and may be shorter by the spacing of the sends at its two ends (its bound); a write due more than one interval ago is not sent late but counted as missed`,
      intervalMs: this.intervalMs,
      deadlineMs: this.deadlineMs,
      masters,
      sendDelay: {
        maxMs: Math.max(0, ...masters.map((m) => m.sendDelay.maxMs)),
        p99Ms: Math.max(0, ...masters.map((m) => m.sendDelay.p99Ms)),
        missed: masters.reduce((n, m) => n + m.sendDelay.missed, 0),
      },
    };
  }

  /**
   * One round of writes, due at t0 + next x interval, then the next round
   * on the same fixed schedule (a late round does not push the later ones
   * back). A round more than one interval late is not sent: the rounds it
   * missed are counted, with the stall's length as their lateness.
   */
  private tick(): void {
    const now = this.clock.now() - this.t0;
    const late = now - this.next * this.intervalMs;
    if (late > this.intervalMs) {
      const missed = Math.floor(late / this.intervalMs);
      for (const lane of this.lanes) lane.skipped(this.next, missed, late);
      this.next += missed;
    }
    const seq = this.next++;
    const dueMs = seq * this.intervalMs;
    for (const lane of this.lanes) this.send(lane, seq, dueMs, now);
    const wait = this.next * this.intervalMs - (this.clock.now() - this.t0);
    if (Number.isFinite(wait)) this.timer = setTimeout(() => this.tick(), Math.max(0, wait));
  }

  private send(lane: ProbeLane, seq: number, dueMs: number, sentMs: number): void {
    const owner = this.o.ownerOf(lane.slot);
    lane.sent(seq, dueMs, sentMs, owner ? formatAddress(owner) : '');
    const p = this.write(lane, owner, seq).then(
      () => lane.settled(seq, true),
      (e: unknown) =>
        lane.settled(seq, false, { tMs: dueMs, cls: classifyClientError(e), node: owner ? formatAddress(owner) : '' }),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** One write with one deadline: to the slot's owner, following one MOVED. */
  private async write(lane: ProbeLane, owner: Address | null, seq: number): Promise<void> {
    if (!owner) throw new Error('CLUSTERDOWN no node is known to serve the slot');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    const attempt = async (): Promise<void> => {
      try {
        await this.set(owner, lane.key, String(seq));
      } catch (e) {
        const moved = /^MOVED \d+ (\S+)/.exec((e as Error).message ?? '');
        const to = moved ? parseAddress(moved[1]!) : null;
        if (!to) throw e;
        await this.set(to, lane.key, String(seq));
      }
    };
    try {
      await Promise.race([attempt(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private set(node: Address, key: string, value: string): Promise<unknown> {
    return this.o.set ? this.o.set(node, key, value) : this.clients.get(node).call('SET', key, value);
  }
}
