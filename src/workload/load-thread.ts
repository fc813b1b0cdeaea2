import { parentPort, workerData } from 'node:worker_threads';
import calculateSlot from 'cluster-key-slot';
import { rangesContain } from '../cluster/slots.js';
import { SuccessTimeline } from './gaps.js';
import { Workload } from './runner.js';
import type { ExportedWindow } from './stats.js';
import { WINDOW_MS } from './stats.js';
import type { WorkloadOptions, WorkloadResult } from './workload-types.js';

/**
 * One thread of a load that runs on several cores: its own ioredis client
 * and its own share of the clients (or of the rate), the same zero as the
 * others. Every 100 ms it tells the main thread its counts (for the
 * steady-load check); at the end, its result, its windows and its success
 * timelines, which the main thread merges exactly.
 */

export interface LoadThreadData {
  options: Omit<WorkloadOptions, 'clock' | 'abortSignal' | 'onSecond'>;
  watched: [number, number][][];
}

/** `go` once every thread is ready (its modules loaded): they start together, on the same zero. */
export type ToLoadThread = { t: 'go'; t0: number } | { t: 'stop'; verifyTimeoutMs?: number };

export type FromLoadThread =
  | { t: 'ready' }
  | {
      t: 'tick';
      windows: [number, number, number][];
      /** When its oldest operation still waiting was sent (null: none), as of `now`. */
      waitingSinceMs: number | null;
      now: number;
      lastErrors: WorkloadResult['lastErrors'];
    }
  | {
      t: 'done';
      result: WorkloadResult;
      windows: ExportedWindow[];
      lastErrors: WorkloadResult['lastErrors'];
      timeline: Uint8Array;
      watched: Uint8Array[];
    }
  | { t: 'failed'; message: string };

/** A load whose every success is also marked on timelines (the whole load's, and each watched group's). */
class TimedWorkload extends Workload {
  readonly timeline = new SuccessTimeline();
  readonly groups: SuccessTimeline[] = [];

  protected override noteSuccess(key: string, t: number): void {
    super.noteSuccess(key, t);
    this.timeline.mark(t);
    if (!this.watched.length) return;
    const slot = calculateSlot(key);
    const i = this.watched.findIndex((w) => rangesContain(w.ranges, slot));
    if (i >= 0) (this.groups[i] ??= new SuccessTimeline()).mark(t);
  }
}

const port = parentPort!;
const data = workerData as LoadThreadData;
let load: TimedWorkload | null = null;
let ticker: NodeJS.Timeout | null = null;

port.on('message', (m: ToLoadThread) => {
  if (m.t === 'go') go(m.t0);
  else load?.stop({ verifyTimeoutMs: m.verifyTimeoutMs });
});
port.postMessage({ t: 'ready' } satisfies FromLoadThread);

function go(t0: number): void {
  const l = (load = new TimedWorkload(data.options));
  l.watchSlotGroups(data.watched);
  const running = l.start(t0);
  // The counts of the windows that may still change (the last two), every 100 ms.
  ticker = setInterval(() => tick(l), WINDOW_MS);
  running.then(
    (result) => done(l, result),
    (e: unknown) => {
      if (ticker) clearInterval(ticker);
      port.postMessage({ t: 'failed', message: (e as Error).message } satisfies FromLoadThread);
    },
  );
}

function tick(l: TimedWorkload): void {
  const now = l.now();
  const last = Math.floor(now / WINDOW_MS);
  const windows: [number, number, number][] = [];
  for (let i = Math.max(0, last - 1); i <= last; i++) {
    const from = i * WINDOW_MS;
    windows.push([i, l.recorder.opsBetween(from, from + WINDOW_MS), l.recorder.errorsBetween(from, from + WINDOW_MS)]);
  }
  port.postMessage({
    t: 'tick',
    windows,
    waitingSinceMs: l.waiting().sinceMs,
    now,
    lastErrors: Object.fromEntries(l.recorder.lastErrors),
  } satisfies FromLoadThread);
}

function done(l: TimedWorkload, result: WorkloadResult): void {
  if (ticker) clearInterval(ticker);
  const watched = data.watched.map((_, i) => (l.groups[i] ?? new SuccessTimeline()).bits);
  const msg: FromLoadThread = {
    t: 'done',
    result: { ...result, windows: [] },
    windows: l.recorder.exportWindows(),
    lastErrors: result.lastErrors,
    timeline: l.timeline.bits,
    watched,
  };
  port.postMessage(msg, [l.timeline.bits.buffer, ...watched.map((w) => w.buffer)] as ArrayBuffer[]);
}
