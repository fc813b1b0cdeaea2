import { DeadlineError } from '../errors.js';
import { type Clock, systemClock, throwIfAborted } from './clock.js';

export interface WaitOptions {
  /** What we are waiting for, in words ("every node reports cluster_state:ok"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  clock?: Clock;
  abortSignal?: AbortSignal;
}

/** The answer of one probe: done with a value, or not yet with what was seen. */
export type Probe<T> = { done: true; value: T } | { done: false; seen: string };

/**
 * Polls `probe` until it reports done, or throws DeadlineError naming what was
 * last seen. This is the only way the code waits for the cluster: no fixed sleeps.
 */
export async function waitUntil<T>(probe: () => Promise<Probe<T>>, options: WaitOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 25;
  const deadline = clock.now() + options.timeoutMs;
  let seen = 'nothing yet';
  for (;;) {
    throwIfAborted(options.abortSignal);
    const result = await probe();
    if (result.done) return result.value;
    seen = result.seen;
    if (clock.now() >= deadline) throw new DeadlineError(options.what, options.timeoutMs, seen);
    await clock.sleep(Math.min(interval, Math.max(0, deadline - clock.now())), options.abortSignal);
  }
}

/** Runs `fn` over all items at once and waits for all, even when some fail; rethrows the first failure. */
export async function allSettledOrThrow<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = await Promise.allSettled(items.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
