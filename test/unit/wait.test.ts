import { describe, expect, it } from 'vitest';
import { DeadlineError, InterruptedError } from '../../src/errors.js';
import type { Clock } from '../../src/util/clock.js';
import { type Probe, allSettledOrThrow, waitUntil } from '../../src/util/wait.js';

/** A clock whose sleep only advances the time; `onSleep` runs on each sleep. */
function fakeClock(onSleep: (ms: number) => void = () => {}): Clock & { sleeps: number[] } {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new InterruptedError();
      sleeps.push(ms);
      t += ms;
      onSleep(ms);
    },
  };
}

/** A probe that is not done for `notDone` calls, then done with `value`. */
function probeAfter<T>(notDone: number, value: T): (() => Promise<Probe<T>>) & { calls: () => number } {
  let n = 0;
  const probe = async (): Promise<Probe<T>> =>
    ++n > notDone ? { done: true, value } : { done: false, seen: `attempt ${n}` };
  return Object.assign(probe, { calls: () => n });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('waitUntil', () => {
  it('returns the value at once when the first probe is done, without sleeping', async () => {
    const clock = fakeClock();
    await expect(waitUntil(probeAfter(0, 'ready'), { what: 'x', timeoutMs: 1000, clock })).resolves.toBe('ready');
    expect(clock.sleeps).toEqual([]);
  });

  it('polls every intervalMs until the probe is done', async () => {
    const clock = fakeClock();
    const probe = probeAfter(3, 42);
    await expect(waitUntil(probe, { what: 'x', timeoutMs: 1000, intervalMs: 50, clock })).resolves.toBe(42);
    expect(probe.calls()).toBe(4);
    expect(clock.sleeps).toEqual([50, 50, 50]);
  });

  it('throws DeadlineError naming the last thing seen, never sleeping past the deadline', async () => {
    const clock = fakeClock();
    const probe = probeAfter(Infinity, null);
    const e = await caught(waitUntil(probe, { what: 'cluster_state:ok', timeoutMs: 60, intervalMs: 25, clock }));
    expect(e).toBeInstanceOf(DeadlineError);
    const d = e as DeadlineError;
    expect(d.exitCode).toBe(1);
    expect(d.message).toBe('cluster_state:ok did not happen within 60 ms');
    expect(d.lastSeen).toBe('attempt 4');
    expect(d.details).toEqual(['last seen: attempt 4']);
    expect(clock.sleeps).toEqual([25, 25, 10]);
    expect(probe.calls()).toBe(4);
  });

  it('probes once more at the deadline before giving up, so a late success still counts', async () => {
    const clock = fakeClock();
    // Not done at t=0, 25, 50; done at t=60, the deadline.
    await expect(waitUntil(probeAfter(3, 'late'), { what: 'x', timeoutMs: 60, intervalMs: 25, clock })).resolves.toBe(
      'late',
    );
  });

  it('throws InterruptedError without probing when the signal is already aborted', async () => {
    const clock = fakeClock();
    const probe = probeAfter(0, 1);
    const signal = AbortSignal.abort();
    const e = await caught(waitUntil(probe, { what: 'x', timeoutMs: 1000, clock, abortSignal: signal }));
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as InterruptedError).exitCode).toBe(130);
    expect(probe.calls()).toBe(0);
  });

  it('stops with InterruptedError when aborted while waiting', async () => {
    const ac = new AbortController();
    const clock = fakeClock(() => ac.abort());
    const probe = probeAfter(Infinity, 1);
    const e = await caught(
      waitUntil(probe, { what: 'x', timeoutMs: 1000, intervalMs: 10, clock, abortSignal: ac.signal }),
    );
    expect(e).toBeInstanceOf(InterruptedError);
    expect(probe.calls()).toBe(1);
  });

  it('lets a probe failure through', async () => {
    const boom = new Error('boom');
    const probe = async (): Promise<Probe<number>> => {
      throw boom;
    };
    await expect(waitUntil(probe, { what: 'x', timeoutMs: 1000, clock: fakeClock() })).rejects.toBe(boom);
  });
});

describe('allSettledOrThrow', () => {
  it('returns the results in input order, passing each index', async () => {
    const seen: [string, number][] = [];
    const out = await allSettledOrThrow(['a', 'b', 'c'], async (item, i) => {
      seen.push([item, i]);
      await new Promise((r) => setImmediate(r));
      return item.toUpperCase();
    });
    expect(out).toEqual(['A', 'B', 'C']);
    expect(seen).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('waits for every item to finish before rethrowing the first failure', async () => {
    const first = new Error('first');
    const finished: number[] = [];
    const e = await caught(
      allSettledOrThrow([0, 1, 2, 3], async (i) => {
        if (i === 1) throw first;
        // The others finish later (after some turns of the event loop).
        for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r));
        finished.push(i);
        if (i === 3) throw new Error('second');
        return i;
      }),
    );
    expect(e).toBe(first);
    expect(finished.sort()).toEqual([0, 2, 3]);
  });
});
