import type { ErrorClass } from './error-class.js';
import { Workload } from './runner.js';
import { ThreadedLoad, defaultLoadThreads } from './threaded-load.js';
import type { KvLoad, WorkloadOptions, WorkloadResult } from './workload-types.js';

/**
 * The key-value load on `threads` threads, no more than it has clients. One
 * thread is no thread: the load runs on the caller's (the instruments have
 * their own), which spares a thread's heap and its cluster client (on 50
 * masters, about 80 MB of RSS).
 */
export function kvLoad(o: WorkloadOptions, threads = defaultLoadThreads()): KvLoad {
  const n = Math.max(1, Math.min(threads, o.clients || 1));
  return n === 1 ? new InlineLoad(o) : new ThreadedLoad(o, n);
}

/** One Workload on this thread, with the face of a threaded load: its live counts are its own recorder's. */
class InlineLoad extends Workload implements KvLoad {
  opsBetween(fromMs: number, toMs: number): number {
    return this.recorder.opsBetween(fromMs, toMs);
  }

  errorsBetween(fromMs: number, toMs: number): number {
    return this.recorder.errorsBetween(fromMs, toMs);
  }

  lastErrors(): Map<ErrorClass, string> {
    return this.recorder.lastErrors;
  }

  begin(): Promise<{ t0: number; done: Promise<WorkloadResult> }> {
    const done = this.start();
    return Promise.resolve({ t0: this.t0, done });
  }
}
