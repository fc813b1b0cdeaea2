import { describe, expect, test } from 'vitest';
import { GapTracker } from '../../src/workload/gaps.js';

/** Writes every 10 ms from `from` to `to`, each ok unless `down(t)`. */
function feed(g: GapTracker, from: number, to: number, down: (t: number) => boolean): void {
  for (let t = from; t < to; t += 10) g.record(t, !down(t));
}

describe('gap tracking (write probe)', () => {
  test('a healthy group: gaps of one interval, no failures, no outages', () => {
    const g = new GapTracker();
    feed(g, 0, 1000, () => false);
    g.end(1000);
    expect(g.writes).toBe(100);
    expect(g.failed).toBe(0);
    expect(g.longest.ms).toBe(10);
    expect(g.firstFailureMs).toBeNull();
    expect(g.outages).toEqual([]);
  });

  test('an outage: from the last success to the next one; first and last failed writes; one outage', () => {
    const g = new GapTracker();
    feed(g, 0, 3000, (t) => t >= 1005 && t < 2500);
    g.end(3000);
    // Last success at 1000, next at 2500.
    expect(g.longest).toEqual({ ms: 1500, fromMs: 1000, toMs: 2500 });
    expect(g.firstFailureMs).toBe(1010);
    expect(g.lastFailureMs).toBe(2490);
    expect(g.outages).toEqual([{ fromMs: 1010, toMs: 2500 }]);
    expect(g.failed).toBe(149);
  });

  test('an outage still open at the end counts to the end', () => {
    const g = new GapTracker();
    feed(g, 0, 500, (t) => t >= 300);
    g.end(800);
    expect(g.longest).toEqual({ ms: 510, fromMs: 290, toMs: 800 });
    expect(g.outages).toEqual([{ fromMs: 300, toMs: 800 }]);
  });

  test('failures before the first success are start-up, not a gap; they still count as an outage', () => {
    const g = new GapTracker();
    feed(g, 0, 200, (t) => t < 50);
    g.end(200);
    expect(g.longest.ms).toBe(10);
    expect(g.outages).toEqual([{ fromMs: 0, toMs: 50 }]);
  });

  test('a flaky link: many short outages, at most 200 kept and the rest counted', () => {
    const g = new GapTracker();
    feed(g, 0, 10_000, (t) => t % 40 === 0);
    g.end(10_000);
    expect(g.failed).toBe(250);
    expect(g.outages).toHaveLength(200);
    expect(g.outagesDropped).toBe(50);
    expect(g.longest.ms).toBe(20);
  });
});
