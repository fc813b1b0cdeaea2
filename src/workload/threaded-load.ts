import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SlotRange } from '../cluster/slots.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { Gap } from './gaps.js';
import type { FromLoadThread, LoadThreadData, ToLoadThread } from './load-thread.js';
import { type ThreadPart, mergeThreads } from './merge.js';
import type { ErrorClass } from './error-class.js';
import { Recorder, WINDOW_MS } from './stats.js';
import type { KvLoad, Waiting, WorkloadOptions, WorkloadResult } from './workload-types.js';
import { WORKER_LIMITS, programUrl } from '../util/program-url.js';

/** Threads for the load by default: every core but one, which the instruments' thread and the main thread share. */
export function defaultLoadThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** `total` split into `parts` whole shares that differ by at most one. Pure. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * The key-value load on several threads (src/workload/load-thread.ts), each
 * with its own ioredis client and its share of the clients (or of the
 * fixed rate: each thread keeps its own schedule, so there is no
 * coordinated omission across them). The main thread keeps their live
 * counts for the steady-load check; at the end their results are merged
 * exactly (src/workload/merge.ts). For one thread, see kvLoad.
 */
export class ThreadedLoad implements KvLoad {
  /** Live: each window's counts from every thread; after the end, the merged recorder. */
  recorder = new Recorder();
  private readonly live = new Map<number, Map<number, { ops: number; errors: number }>>();
  private readonly waits = new Map<number, Waiting>();
  private readonly said = new Map<ErrorClass, string>();
  private watched: SlotRange[][] = [];
  private watchedGaps: Gap[] = [];
  private workers: Worker[] = [];
  private readonly clock: Clock;
  private t0 = 0;

  constructor(
    private readonly o: WorkloadOptions,
    private readonly threads: number,
  ) {
    this.clock = o.clock ?? systemClock;
  }

  get clients(): number {
    return this.o.clients;
  }

  now(): number {
    return this.clock.now() - this.t0;
  }

  watchSlotGroups(groups: SlotRange[][]): void {
    this.watched = groups;
  }

  watchedGap(group: number): Gap | null {
    return this.watchedGaps[group] ?? null;
  }

  /** The oldest operation still waiting over every thread, as of the stalest thread's last word. */
  waiting(): Waiting {
    const waits = [...this.waits.values()];
    const since = waits.flatMap((w) => (w.sinceMs === null ? [] : [w.sinceMs]));
    return {
      sinceMs: since.length ? Math.min(...since) : null,
      asOfMs: waits.length ? Math.min(...waits.map((w) => w.asOfMs)) : 0,
    };
  }

  /** Operations and errors in [fromMs, toMs), from the threads' live counts. */
  opsBetween(fromMs: number, toMs: number): number {
    return this.sum(fromMs, toMs, 'ops');
  }

  errorsBetween(fromMs: number, toMs: number): number {
    return this.sum(fromMs, toMs, 'errors');
  }

  /**
   * Starts the threads; once each has loaded (a thread takes a few hundred
   * ms to start), they all begin on one zero, which this resolves to (local
   * clock, epoch ms). `done` is the merged result.
   */
  async begin(): Promise<{ t0: number; done: Promise<WorkloadResult> }> {
    const clients = shares(this.o.clients, this.threads);
    const rates = this.o.rateOps ? shares(this.o.rateOps, this.threads) : null;
    // What cannot cross to a thread (a clock, a signal, a callback) stays here.
    const options = { ...this.o, clock: undefined, abortSignal: undefined, onSecond: undefined };
    const readies: Promise<void>[] = [];
    const parts = clients.map((n, i) => {
      const data: LoadThreadData = {
        options: { ...options, clients: n, rateOps: rates ? rates[i] : undefined },
        watched: this.watched,
      };
      const w = new Worker(programUrl('workload/load-thread'), { workerData: data, resourceLimits: WORKER_LIMITS });
      this.workers.push(w);
      let ready!: () => void;
      readies.push(new Promise<void>((r) => (ready = r)));
      return new Promise<ThreadPart>((resolve, reject) => {
        w.on('message', (m: FromLoadThread) => {
          if (m.t === 'ready') ready();
          else if (m.t === 'tick') this.tick(i, m);
          else if (m.t === 'done') resolve(m);
          else reject(new Error(`a load thread failed: ${m.message}`));
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`a load thread ended (exit code ${code})`)));
      });
    });
    // A thread that fails before it is ready must not leave the start waiting.
    const all = Promise.all(parts);
    await Promise.race([Promise.all(readies), all]);
    this.t0 = this.clock.now();
    for (const w of this.workers) w.postMessage({ t: 'go', t0: this.t0 } satisfies ToLoadThread);
    const ticker = this.o.onSecond ? this.progress() : null;
    this.o.abortSignal?.addEventListener('abort', () => this.stop({ verifyTimeoutMs: 3000 }), { once: true });
    const done = all
      .then((finished) => {
        const merged = mergeThreads(finished);
        this.recorder = merged.recorder;
        this.watchedGaps = merged.watchedGaps;
        return merged.result;
      })
      .finally(() => {
        if (ticker) clearInterval(ticker);
        for (const w of this.workers) void w.terminate();
      });
    return { t0: this.t0, done };
  }

  stop(o: { verifyTimeoutMs?: number } = {}): void {
    const m: ToLoadThread = { t: 'stop', verifyTimeoutMs: o.verifyTimeoutMs };
    for (const w of this.workers) w.postMessage(m);
  }

  private tick(thread: number, m: Extract<FromLoadThread, { t: 'tick' }>): void {
    let windows = this.live.get(thread);
    if (!windows) {
      windows = new Map<number, { ops: number; errors: number }>();
      this.live.set(thread, windows);
    }
    for (const [i, ops, errors] of m.windows) windows.set(i, { ops, errors });
    this.waits.set(thread, { sinceMs: m.waitingSinceMs, asOfMs: m.now });
    for (const [cls, text] of Object.entries(m.lastErrors)) this.said.set(cls as ErrorClass, text);
  }

  /** What the clients last said per error class (live, from the threads). */
  lastErrors(): Map<ErrorClass, string> {
    return this.said;
  }

  private sum(fromMs: number, toMs: number, k: 'ops' | 'errors'): number {
    const from = Math.ceil(fromMs / WINDOW_MS);
    const to = Math.ceil(toMs / WINDOW_MS);
    let n = 0;
    for (const windows of this.live.values()) for (let i = from; i < to; i++) n += windows.get(i)?.[k] ?? 0;
    return n;
  }

  /** The progress line once a second: the threads' counts of the last second (latency comes with the result). */
  private progress(): NodeJS.Timeout {
    let second = 0;
    return setInterval(() => {
      second++;
      const from = (second - 1) * 1000;
      this.o.onSecond?.({
        second,
        ops: this.opsBetween(from, from + 1000),
        p50Ms: null,
        p99Ms: null,
        maxMs: null,
        errors: this.errorsBetween(from, from + 1000),
      });
    }, 1000);
  }
}
