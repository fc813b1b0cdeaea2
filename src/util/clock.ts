import { InterruptedError } from '../errors.js';

/** Time as the retry loops see it; tests can inject a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number, abortSignal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms, abortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (abortSignal?.aborted) return reject(new InterruptedError());
      const timer = setTimeout(() => {
        abortSignal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new InterruptedError());
      };
      abortSignal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function throwIfAborted(abortSignal: AbortSignal | undefined): void {
  if (abortSignal?.aborted) throw new InterruptedError();
}

/**
 * `p`, or InterruptedError as soon as `abortSignal` aborts. `p` itself goes
 * on (its late failure is ignored): for steps that cannot be told to stop,
 * whose work the command's clean-up ends (a slow login shell over SSH).
 */
export function untilAborted<T>(p: Promise<T>, abortSignal: AbortSignal | undefined): Promise<T> {
  if (!abortSignal) return p;
  p.catch(() => undefined);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new InterruptedError());
    if (abortSignal.aborted) onAbort();
    else abortSignal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => abortSignal.removeEventListener('abort', onAbort));
}
