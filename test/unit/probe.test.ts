import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AvailabilityProbe } from '../../src/workload/availability.js';
import { ProbeLane, percentile } from '../../src/workload/probe-lane.js';

/**
 * The write probe's schedule, lateness and error bounds, on fake timers: a
 * "server" that answers on cue, and a sender that can be stalled (the
 * event loop busy elsewhere) for as long as a test says.
 */

const NODE = { host: '127.0.0.1', port: 7000 };
const groups = [
  { index: 0, label: 'Master[0] 127.0.0.1:7000', id: 'a'.repeat(40), ranges: [[0, 16383]] as [number, number][] },
];

describe('the write probe on a fixed schedule', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  /** A probe whose writes fail while `down(t)` (ms from its start), answered at once otherwise. */
  function probe(down: (t: number) => boolean) {
    const clock = { now: () => Date.now(), sleep: async () => undefined };
    const t0 = Date.now();
    return new AvailabilityProbe(groups, {
      password: null,
      clock,
      ownerOf: () => NODE,
      set: async () => {
        if (down(Date.now() - t0)) throw new Error('CLUSTERDOWN The cluster is down');
      },
    });
  }

  it('an outage from 1000 to 1600 ms: the gap, its bound of two intervals, every failed write with its class and node', async () => {
    const p = probe((t) => t >= 1000 && t < 1600);
    p.start(Date.now());
    await vi.advanceTimersByTimeAsync(3000);
    const r = await p.stop();
    const m = r.masters[0]!;
    expect(m.longestGap).toEqual({ ms: 610, fromMs: 990, toMs: 1600, boundMs: 20, ownerLagMs: 0 });
    expect(m.failed).toBe(60);
    expect(m.failures[0]).toEqual({ tMs: 1000, lateMs: 0, cls: 'CLUSTERDOWN', node: '127.0.0.1:7000' });
    expect(m.sendDelay).toEqual({ maxMs: 0, p99Ms: 0, missed: 0 });
  });

  it('a stalled sender: the writes it could not send in time are missed, not sent late, and the gap they leave has the stall as its bound', async () => {
    const p = probe(() => false);
    p.start(Date.now());
    await vi.advanceTimersByTimeAsync(1000);
    // The thread is busy for 500 ms: no timer runs, the clock moves on.
    vi.setSystemTime(Date.now() + 500);
    await vi.advanceTimersByTimeAsync(1000);
    const r = await p.stop();
    const m = r.masters[0]!;
    expect(m.sendDelay.missed).toBeGreaterThanOrEqual(49);
    expect(m.sendDelay.maxMs).toBeGreaterThanOrEqual(490);
    // A healthy master: its only "gap" is the stall, and its bound says the probe knows nothing of it.
    expect(m.longestGap.ms).toBeGreaterThanOrEqual(500);
    expect(m.longestGap.boundMs).toBe(m.longestGap.ms);
    expect(m.failed).toBe(0);
  });
});

describe('a lane fed out of order', () => {
  it('replies in any order are fed in the order the writes were due; a skipped write feeds nothing', () => {
    const lane = new ProbeLane(groups[0]!, 'k', 0);
    lane.sent(0, 0, 0);
    lane.sent(1, 10, 12);
    lane.skipped(2, 3, 40);
    lane.sent(5, 50, 50);
    lane.settled(1, true);
    expect(lane.tracker.writes).toBe(0);
    lane.settled(5, true);
    lane.settled(0, false, { tMs: 0, cls: 'timeout', node: 'n' });
    expect(lane.tracker.writes).toBe(3);
    const r = lane.result(60);
    expect(r.longestGap).toEqual({ ms: 38, fromMs: 12, toMs: 50, boundMs: 38, ownerLagMs: 0 });
    expect(r.sendDelay).toEqual({ maxMs: 40, p99Ms: 40, missed: 3 });
    expect(r.failures).toEqual([{ tMs: 0, lateMs: 0, cls: 'timeout', node: 'n' }]);
  });

  it('a gap that ends on another node (a failover) adds how late the probe may learn the new owner to its bound', () => {
    const lane = new ProbeLane(groups[0]!, 'k', 0);
    const write = (seq: number, node: string, ok: boolean) => {
      lane.sent(seq, seq * 10, seq * 10, node);
      lane.settled(seq, ok, ok ? undefined : { tMs: seq * 10, cls: 'connection refused', node });
    };
    for (let i = 0; i < 10; i++) write(i, 'old:7000', true);
    for (let i = 10; i < 200; i++) write(i, 'old:7000', false);
    for (let i = 200; i < 210; i++) write(i, 'new:7003', true);
    expect(lane.result(2100, 50).longestGap).toEqual({ ms: 1910, fromMs: 90, toMs: 2000, boundMs: 70, ownerLagMs: 50 });
    // The same gap on one node (a master that came back) has no such lag.
    const same = new ProbeLane(groups[0]!, 'k', 0);
    for (let i = 0; i < 210; i++) {
      same.sent(i, i * 10, i * 10, 'old:7000');
      same.settled(
        i,
        i < 10 || i >= 200,
        i < 10 || i >= 200 ? undefined : { tMs: i * 10, cls: 'timeout', node: 'old:7000' },
      );
    }
    expect(same.result(2100, 50).longestGap.boundMs).toBe(20);
  });

  it('percentile: nearest rank over 1 ms buckets', () => {
    const b = new Uint32Array(10);
    b[1] = 98;
    b[9] = 2;
    expect(percentile(b, 100, 0.5)).toBe(1);
    expect(percentile(b, 100, 0.99)).toBe(9);
    expect(percentile(new Uint32Array(10), 0, 0.99)).toBe(0);
  });
});
