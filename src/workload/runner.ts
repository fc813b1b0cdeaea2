import calculateSlot from 'cluster-key-slot';
import type { Waiting, WorkloadOptions, WorkloadResult } from './workload-types.js';
import { rangesContain, type SlotRange } from '../cluster/slots.js';
import { type Clock, systemClock } from '../util/clock.js';
import { classifyClientError } from './error-class.js';
import { type Operation, pickOperation } from './options.js';
import { Recorder } from './stats.js';
import { type LoadClient, loadClient, masterOfKey } from './client.js';
import { Counters } from './consistency.js';
import { type Gap, longer } from './gaps.js';
import { WriteLog } from './write-log.js';

export type { Gap } from './gaps.js';
export type { WorkloadOptions, WorkloadResult } from './workload-types.js';

/** A running workload: stop() ends it early (the failover report stops it once the cluster is steady). */
export class Workload {
  readonly recorder = new Recorder();
  private readonly clock: Clock;
  private client: LoadClient;
  /** ms from the start when the client gave up for good (ioredis status "end") and a new one took its place. */
  private readonly restarts: number[] = [];
  /** When each operation in flight was sent (ms from the start). */
  private readonly pending = new Set<{ sentMs: number }>();
  private readonly clientOptions: Record<string, unknown>;
  private readonly counters: Counters | null;
  private readonly writeLog: WriteLog | null;
  private readonly value: string;
  private stopped = false;
  protected t0 = 0;
  /** Slot groups whose availability is tracked apart, each with its own longest gap. */
  protected watched: { ranges: SlotRange[]; lastOk: number | null; gap: Gap }[] = [];
  /** Time of the last success; gaps are counted from the first one, not from connecting. */
  private lastOk: number | null = null;
  private gap: Gap = { ms: 0, fromMs: 0, toMs: 0 };
  private done: Promise<WorkloadResult> | null = null;
  private verifyTimeoutMs = 30_000;

  constructor(private readonly o: WorkloadOptions) {
    this.clock = o.clock ?? systemClock;
    ({ client: this.client, options: this.clientOptions } = loadClient(o));
    this.watchClient();
    this.counters = o.check ? new Counters(o.counters ?? 1000) : null;
    this.writeLog = o.check && o.mix.some((m) => m.op === 'add') ? new WriteLog() : null;
    this.value = 'v'.repeat(o.valueSize);
  }

  /**
   * ioredis in Sentinel mode can end itself for good: a +switch-master that
   * arrives while it reconnects closes the connector, the pending connect
   * fails, and every later command gets "Connection is closed." (ioredis
   * #1683). The load then stands for an application that restarts its
   * client: a new one at once, each time counted in the result.
   */
  private watchClient(): void {
    // Errors reach each command's promise; without a listener ioredis would print them.
    this.client.on('error', () => {});
    this.client.once('end', () => {
      if (this.stopped || this.o.abortSignal?.aborted) return;
      this.restarts.push(Math.round(this.now()));
      this.client = loadClient(this.o).client;
      this.watchClient();
    });
  }

  /** Slots whose availability is tracked apart (the failover victim's). */
  watchSlots(ranges: SlotRange[]): void {
    this.watchSlotGroups([ranges]);
  }

  /**
   * Several groups of slots tracked apart (a scenario watches each master's
   * slots): the watched gap is the longest span in which one group had no
   * successful operation.
   */
  watchSlotGroups(groups: SlotRange[][]): void {
    this.watched = groups.map((ranges) => ({ ranges, lastOk: this.lastOk, gap: { ms: 0, fromMs: 0, toMs: 0 } }));
  }

  /** The longest gap so far of one watched group (by its index in watchSlotGroups), or null. */
  watchedGap(group: number): Gap | null {
    return this.watched[group]?.gap ?? null;
  }

  private longestWatchedGap(): Gap | null {
    if (!this.watched.length) return null;
    return this.watched.reduce((best, w) => (w.gap.ms > best.ms ? w.gap : best), this.watched[0]!.gap);
  }

  /** Its key-value clients (0: none, the drill runs other kinds only). */
  get clients(): number {
    return this.o.clients;
  }

  /** ms since the workload started. */
  now(): number {
    return this.clock.now() - this.t0;
  }

  /** Starts the load; `t0` (local clock) is its zero, so loads in several threads share one. */
  start(t0 = this.clock.now()): Promise<WorkloadResult> {
    this.t0 = t0;
    this.done = this.run();
    return this.done;
  }

  /**
   * Ends the load. The counters are then read back, retrying while slots are
   * unserved for up to `verifyTimeoutMs` (30 s); a caller that knows the
   * cluster will not heal (a failed drill) gives less, and what it cannot
   * read is reported as unreadable.
   */
  stop(o: { verifyTimeoutMs?: number } = {}): void {
    this.stopped = true;
    this.verifyTimeoutMs = o.verifyTimeoutMs ?? this.verifyTimeoutMs;
  }

  private async run(): Promise<WorkloadResult> {
    const startedAt = new Date().toISOString();
    const ticker = this.startTicker();
    try {
      if (this.o.rateOps) await this.openLoop(this.o.rateOps);
      // No key-value clients (a drill of locks or pub/sub only): the load just lasts as long as the drill.
      else if (this.o.clients === 0) while (!this.finished()) await this.clock.sleep(50);
      else await Promise.all(Array.from({ length: this.o.clients }, () => this.closedLoop()));
    } finally {
      clearInterval(ticker);
    }
    const end = this.now();
    this.closeGaps(end);
    const verify = { clock: this.clock, timeoutMs: this.verifyTimeoutMs };
    const [consistency, writeLog] = await Promise.all([
      this.counters?.verify(this.client, { ...verify, masterOf: masterOfKey(this.client) }) ?? null,
      this.writeLog?.verify(this.client, verify) ?? null,
    ]);
    this.client.disconnect();
    const r = this.recorder;
    return {
      startedAt,
      durationMs: Math.round(end),
      mode: this.o.rateOps ? 'fixed-rate' : 'closed-loop',
      clients: this.o.clients,
      rateOps: this.o.rateOps ?? null,
      ops: r.ops,
      errors: r.errors,
      opsPerSec: Math.round(r.ops / (end / 1000)),
      latency: r.latency(),
      errorsByClass: r.errorClasses(),
      lastErrors: Object.fromEntries(r.lastErrors),
      longestGap: this.gap,
      longestGapWatched: this.longestWatchedGap(),
      windows: r.windowStats(),
      consistency,
      writeLog,
      clientOptions: this.clientOptions,
      clientRestarts: [...this.restarts],
      threads: 1,
    };
  }

  private finished(): boolean {
    return this.stopped || this.o.abortSignal?.aborted === true || this.now() >= this.o.durationMs;
  }

  private async closedLoop(): Promise<void> {
    while (!this.finished()) {
      const start = this.now();
      // A client can refuse a command at once (no connection, nothing queued):
      // retrying at once would spin on promise callbacks and starve every
      // timer, signal handler and socket of the process. A failure waits 1 ms,
      // like a real client's retry; the longest gap is still measured.
      if (!(await this.operation(start))) await this.clock.sleep(1);
    }
  }

  /**
   * Fixed rate: request i is due at i/rate; its latency counts from that
   * intended start, so a stalled cluster shows as latency instead of being
   * hidden by fewer requests (no coordinated omission).
   */
  private async openLoop(rate: number): Promise<void> {
    const inFlight = new Set<Promise<boolean>>();
    let i = 0;
    while (!this.finished()) {
      const now = this.now();
      while ((i / rate) * 1000 <= now && inFlight.size < this.o.clients * 1000) {
        const p = this.operation((i / rate) * 1000).finally(() => inFlight.delete(p));
        inFlight.add(p);
        i++;
      }
      await this.clock.sleep(1);
    }
    await Promise.all(inFlight);
  }

  /** One command; true if it succeeded. */
  private async operation(intendedStart: number): Promise<boolean> {
    const op = pickOperation(this.o.mix, Math.random());
    const n = Math.floor(Math.random() * this.o.keyspace);
    const logged = op === 'add' ? this.writeLog?.next() : undefined;
    const key = keyFor(op, n, this.counters, logged);
    const sent = { sentMs: this.now() };
    this.pending.add(sent);
    try {
      await this.send(op, key, logged ? String(logged.id) : String(n));
      const end = this.now();
      this.recorder.success(end, (end - intendedStart) * 1000);
      if (op === 'incr') this.counters?.acknowledged(key);
      if (logged) this.writeLog!.acknowledged(logged.id, end);
      this.noteSuccess(key, end);
      return true;
    } catch (e) {
      const cls = classifyClientError(e);
      this.recorder.failure(this.now(), cls, (e as Error).message ?? String(e));
      if (op === 'incr') this.counters?.failed(key);
      if (logged) this.writeLog!.failed(logged.id, this.now());
      return false;
    } finally {
      this.pending.delete(sent);
    }
  }

  /** When the oldest operation still waiting for its answer was sent (a stuck client makes no errors yet), as of now. */
  waiting(): Waiting {
    let oldest: number | null = null;
    for (const p of this.pending) oldest = Math.min(oldest ?? p.sentMs, p.sentMs);
    return { sinceMs: oldest, asOfMs: this.now() };
  }

  private send(op: Operation, key: string, member: string): Promise<unknown> {
    switch (op) {
      case 'set':
        return this.client.set(key, this.value);
      case 'get':
        return this.client.get(key);
      case 'del':
        return this.client.del(key);
      case 'incr':
        return this.client.incr(key);
      case 'add':
        return this.client.sadd(key, member);
    }
  }

  protected noteSuccess(key: string, t: number): void {
    this.gap = longer(this.gap, this.lastOk, t);
    this.lastOk = t;
    if (!this.watched.length) return;
    const slot = calculateSlot(key);
    const w = this.watched.find((x) => rangesContain(x.ranges, slot));
    if (w) {
      w.gap = longer(w.gap, w.lastOk, t);
      w.lastOk = t;
    }
  }

  /** A gap still open at the end counts too. */
  private closeGaps(end: number): void {
    this.gap = longer(this.gap, this.lastOk, end);
    for (const w of this.watched) w.gap = longer(w.gap, w.lastOk, end);
  }

  private startTicker(): NodeJS.Timeout {
    let second = 0;
    return setInterval(() => {
      second++;
      const from = (second - 1) * 1000;
      const l = this.recorder.latency(from, from + 1000);
      const ops = this.recorder.opsBetween(from, from + 1000);
      const errors = this.recorder.errorsBetween(from, from + 1000);
      this.o.onSecond?.({
        second,
        ops,
        p50Ms: l?.p50Ms ?? null,
        p99Ms: l?.p99Ms ?? null,
        maxMs: l?.maxMs ?? null,
        errors,
      });
    }, 1000);
  }
}

/**
 * The key of one operation: INCRs on counters (consistency mode) or on keys
 * of their own (never a SET's string value: that would be an error of the
 * load, not of the cluster), adds on the write log's sets or plain sets.
 */
function keyFor(op: Operation, n: number, counters: Counters | null, logged: { key: string } | undefined): string {
  if (op === 'incr') return counters ? counters.pick() : `drill:count:${n}`;
  if (op === 'add') return logged ? logged.key : `drill:set:${n % 1000}`;
  return `drill:key:${n}`;
}

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  return new Workload(o).start();
}
