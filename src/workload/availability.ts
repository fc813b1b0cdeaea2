import { Redis } from 'ioredis';
import { keyInRanges } from '../cluster/owner.js';
import type { SlotRange } from '../cluster/slots.js';
import { type Address, formatAddress, parseAddress } from '../nodes/address.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type ErrorClass, classifyClientError } from './error-class.js';
import { type Gap, GapTracker, type Outage } from './gaps.js';

/** One master's slots at the start of the drill: probed as one group whoever serves them later. */
export interface ProbeGroup {
  index: number;
  /** "Master[0] 127.0.0.1:7000": who served them when the drill began. */
  label: string;
  id: string;
  ranges: SlotRange[];
}

export interface AvailabilityOptions {
  password: string | null;
  /** Who serves a slot now (the observer's latest polls); null when nobody is known to. */
  ownerOf(slot: number): Address | null;
  intervalMs?: number;
  /** How long one write may take before it counts as failed. */
  deadlineMs?: number;
  clock?: Clock;
}

export interface MasterAvailability {
  index: number;
  label: string;
  id: string;
  slots: SlotRange[];
  /** The key written, and its slot. */
  key: string;
  slot: number;
  writes: number;
  failed: number;
  failedByClass: Partial<Record<ErrorClass, number>>;
  /** Longest span between two successful writes (ms from the start of the load). */
  longestGap: Gap;
  firstFailureMs: number | null;
  lastFailureMs: number | null;
  /** Runs of failed writes (at most 200 kept; outagesDropped counts the rest). */
  outages: Outage[];
  outagesDropped: number;
}

export interface AvailabilityResult {
  method: string;
  intervalMs: number;
  deadlineMs: number;
  masters: MasterAvailability[];
}

interface Lane {
  group: ProbeGroup;
  key: string;
  slot: number;
  tracker: GapTracker;
  byClass: Map<ErrorClass, number>;
  /** Outcomes by sequence number, fed to the tracker in the order they were sent. */
  pending: Map<number, { tMs: number; ok: boolean | null }>;
  nextSeq: number;
  nextFeed: number;
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
  private readonly lanes: Lane[];
  private readonly clients = new Map<string, Redis>();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly deadlineMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;

  constructor(
    groups: readonly ProbeGroup[],
    private readonly o: AvailabilityOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.intervalMs = o.intervalMs ?? 10;
    this.deadlineMs = o.deadlineMs ?? 100;
    this.lanes = groups.map((group) => ({
      group,
      ...keyInRanges(group.ranges, `drill:probe:${group.index}:`),
      tracker: new GapTracker(),
      byClass: new Map(),
      pending: new Map(),
      nextSeq: 0,
      nextFeed: 0,
    }));
  }

  /**
   * Opens a connection to every node that may serve the groups (masters and
   * their replicas) before the first write: a write that fails only because
   * its connection is still being made would show as an outage.
   */
  async connect(nodes: readonly Address[]): Promise<void> {
    await Promise.all(
      nodes.map(
        (a) =>
          new Promise<void>((resolve) => {
            const c = this.client(a);
            if (c.status === 'ready' || c.status === 'connect') return resolve();
            const done = (): void => {
              clearTimeout(timer);
              resolve();
            };
            // A node that is down now is not an error here: its writes fail and say so.
            const timer = setTimeout(done, 1000);
            c.once('ready', done);
            c.once('connect', done);
          }),
      ),
    );
  }

  /** Starts writing; times are ms from `t0` (the load's start, the chart's zero). */
  start(t0: number): void {
    this.t0 = t0;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  /** Stops writing, waits for the writes in flight (at most one deadline), closes every connection. */
  async stop(): Promise<AvailabilityResult> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
    const end = this.clock.now() - this.t0;
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
    return {
      method: `one SET every ${this.intervalMs} ms to a key in each master's slots (as they were when the drill began), sent to the node that serves the slot in the latest poll (CLUSTER NODES; for Sentinel, the master the sentinels name), each with its own ${this.deadlineMs} ms deadline and no retries (a MOVED reply is followed once); a span without success runs from one acknowledged write to the next, by their send times`,
      intervalMs: this.intervalMs,
      deadlineMs: this.deadlineMs,
      masters: this.lanes.map((l) => {
        l.tracker.end(end);
        const t = l.tracker;
        return {
          index: l.group.index,
          label: l.group.label,
          id: l.group.id,
          slots: l.group.ranges,
          key: l.key,
          slot: l.slot,
          writes: t.writes,
          failed: t.failed,
          failedByClass: Object.fromEntries(l.byClass),
          longestGap: t.longest,
          firstFailureMs: t.firstFailureMs,
          lastFailureMs: t.lastFailureMs,
          outages: t.outages,
          outagesDropped: t.outagesDropped,
        };
      }),
    };
  }

  private tick(): void {
    for (const lane of this.lanes) {
      const seq = lane.nextSeq++;
      const tMs = this.clock.now() - this.t0;
      lane.pending.set(seq, { tMs, ok: null });
      const p = this.write(lane).then(
        () => this.settle(lane, seq, true),
        (e: unknown) => {
          const cls = classifyClientError(e);
          lane.byClass.set(cls, (lane.byClass.get(cls) ?? 0) + 1);
          this.settle(lane, seq, false);
        },
      );
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }

  /** Records an outcome, then feeds every outcome known so far in send order. */
  private settle(lane: Lane, seq: number, ok: boolean): void {
    lane.pending.get(seq)!.ok = ok;
    for (let next = lane.pending.get(lane.nextFeed); next && next.ok !== null; next = lane.pending.get(lane.nextFeed)) {
      lane.tracker.record(next.tMs, next.ok);
      lane.pending.delete(lane.nextFeed++);
    }
  }

  /** One write with one deadline: to the slot's owner, following one MOVED. */
  private async write(lane: Lane): Promise<void> {
    const owner = this.o.ownerOf(lane.slot);
    if (!owner) throw new Error('CLUSTERDOWN no node is known to serve the slot');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    const attempt = async (): Promise<void> => {
      try {
        await this.client(owner).set(lane.key, String(lane.nextSeq));
      } catch (e) {
        const moved = /^MOVED \d+ (\S+)/.exec((e as Error).message ?? '');
        const to = moved ? parseAddress(moved[1]!) : null;
        if (!to) throw e;
        await this.client(to).set(lane.key, String(lane.nextSeq));
      }
    };
    try {
      await Promise.race([attempt(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One connection per node, kept for the whole drill; it reconnects by itself every 100 ms while the node is away. */
  private client(a: Address): Redis {
    const key = formatAddress(a);
    let c = this.clients.get(key);
    if (!c) {
      c = new Redis({
        host: a.host,
        port: a.port,
        password: this.o.password ?? undefined,
        connectionName: 'redis-drill:probe',
        connectTimeout: 1000,
        commandTimeout: this.deadlineMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        autoResubscribe: false,
        retryStrategy: () => 100,
        disconnectTimeout: 0,
      });
      // Failures reach each write's promise; the connection's own errors are only reconnect noise.
      c.on('error', () => undefined);
      this.clients.set(key, c);
    }
    return c;
  }
}
