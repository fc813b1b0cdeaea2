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
