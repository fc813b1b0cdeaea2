import type { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { describe, expect, test } from 'vitest';
import type { Clock } from '../../src/util/clock.js';
import { Counters } from '../../src/workload/consistency.js';

/** A clock that moves only when something sleeps: retry loops run without real time. */
function fakeClock(): Clock & { slept: number } {
  let now = 0;
  return {
    slept: 0,
    now: () => now,
    sleep(ms) {
      now += ms;
      this.slept += ms;
      return Promise.resolve();
    },
  };
}

/** Which master serves a key (as the client would tell at the end): two masters, half the slots each. */
const masterOf = (key: string): string => (calculateSlot(key) < 8192 ? '127.0.0.1:7000' : '127.0.0.1:7001');

/** A stand-in for the load's client with just what verify() uses: GET. */
function fakeCluster(
  values: Map<string, number>,
  o: { failFirst?: number; unreadable?: (key: string) => boolean } = {},
): Cluster {
  let failures = o.failFirst ?? 0;
  return {
    get: (key: string) => {
      if (o.unreadable?.(key)) return Promise.reject(new Error('CLUSTERDOWN The cluster is down'));
      if (failures-- > 0) return Promise.reject(new Error('CLUSTERDOWN The cluster is down'));
      return Promise.resolve(values.has(key) ? String(values.get(key)) : null);
    },
  } as unknown as Cluster;
}

describe('lost-write arithmetic (consistency counters)', () => {
  test('lost = acknowledged - value, unacknowledged applied = value - acknowledged, per master and in total', async () => {
    const c = new Counters(4);
    const keys = [0, 1, 2, 3].map((i) => c.keyOf(i));
    // Counter 0: 5 acknowledged, value 3 -> 2 lost. Counter 1: 2 acknowledged + 1 failed, value 3 -> 1 applied although it failed.
    for (let i = 0; i < 5; i++) c.acknowledged(keys[0]!);
    for (let i = 0; i < 2; i++) c.acknowledged(keys[1]!);
    c.failed(keys[1]!);
    c.acknowledged(keys[2]!);
    const values = new Map([
      [keys[0]!, 3],
      [keys[1]!, 3],
      [keys[2]!, 1],
    ]);
    const r = await c.verify(fakeCluster(values), { clock: fakeClock(), timeoutMs: 1000, masterOf });
    expect(r).toMatchObject({ counters: 4, acknowledged: 8, lost: 2, unacknowledgedApplied: 1, unreadable: 0 });
    expect(r.groups.reduce((n, g) => n + g.counters, 0)).toBe(4);
    const g0 = r.groups.find((g) => g.master === masterOf(keys[0]!))!;
    expect(g0.lost).toBeGreaterThanOrEqual(2);
    expect(r.groups.reduce((n, g) => n + g.unacknowledgedSent, 0)).toBe(1);
  });

  test('the read-back retries while the cluster is down, on the clock given (no real time)', async () => {
    const c = new Counters(3);
    c.acknowledged(c.keyOf(0));
    const clock = fakeClock();
    const r = await c.verify(fakeCluster(new Map([[c.keyOf(0), 1]]), { failFirst: 7 }), {
      clock,
      timeoutMs: 5000,
      masterOf,
    });
    expect(r).toMatchObject({ lost: 0, unreadable: 0 });
    expect(clock.slept).toBeGreaterThanOrEqual(100);
  });

  test('a counter that cannot be read before the deadline is unreadable, not 0 and not lost', async () => {
    const c = new Counters(2);
    c.acknowledged(c.keyOf(0));
    c.acknowledged(c.keyOf(1));
    const clock = fakeClock();
    const r = await c.verify(fakeCluster(new Map([[c.keyOf(0), 1]]), { unreadable: (k) => k === c.keyOf(1) }), {
      clock,
      timeoutMs: 1000,
      masterOf,
    });
    expect(r).toMatchObject({ unreadable: 1, lost: 0, acknowledged: 2 });
    expect(clock.now()).toBeGreaterThanOrEqual(1000);
  });
});
