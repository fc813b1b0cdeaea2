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
    // Last success at 1000, next at 2500; the sends either side were 10 ms apart, so it may be 20 ms shorter.
    expect(g.longest).toEqual({ ms: 1500, fromMs: 1000, toMs: 2500, boundMs: 20 });
    expect(g.firstFailureMs).toBe(1010);
    expect(g.lastFailureMs).toBe(2490);
    expect(g.outages).toEqual([{ fromMs: 1010, toMs: 2500 }]);
    expect(g.failed).toBe(149);
  });

  test('an outage still open at the end counts to the end', () => {
    const g = new GapTracker();
    feed(g, 0, 500, (t) => t >= 300);
    g.end(800);
    // The last send was at 490: the slots may have been writable again from then to the end.
    expect(g.longest).toEqual({ ms: 510, fromMs: 290, toMs: 800, boundMs: 320 });
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

  test('a stalled sender: no write sent for 500 ms in a healthy group is a 500 ms gap whose bound is the whole of it', () => {
    const g = new GapTracker();
    feed(g, 0, 1000, () => false);
    // Nothing sent from 1000 to 1500 (the sender's own loop was stalled), then on time again.
    feed(g, 1500, 2000, () => false);
    g.end(2000);
    expect(g.longest).toEqual({ ms: 510, fromMs: 990, toMs: 1500, boundMs: 510 });
  });

  test('an outage with a stall inside: the gap is real only up to the sends around it', () => {
    const g = new GapTracker();
    // Down from 1000 to 1600; the sender stalled from 1100 to 1400 (no sends), on time otherwise.
    const sends = [
      ...Array.from({ length: 110 }, (_, i) => i * 10),
      ...Array.from({ length: 60 }, (_, i) => 1400 + i * 10),
    ];
    for (const t of sends) g.record(t, t < 1000 || t >= 1600);
    g.end(2000);
    // The sends next to the gap's ends were on time: the bound stays two intervals, however long the stall inside.
    expect(g.longest).toEqual({ ms: 610, fromMs: 990, toMs: 1600, boundMs: 20 });
  });

  test("a stall at the gap's edge widens the bound by the stall", () => {
    const g = new GapTracker();
    // Down from 1000 to 1600; nothing sent from 1550 to 1900: the first success is seen late, at 1900.
    const sends = [
      ...Array.from({ length: 155 }, (_, i) => i * 10),
      ...Array.from({ length: 10 }, (_, i) => 1900 + i * 10),
    ];
    for (const t of sends) g.record(t, t < 1000 || t >= 1600);
    g.end(2000);
    expect(g.longest).toEqual({ ms: 910, fromMs: 990, toMs: 1900, boundMs: 10 + 360 });
  });
});

describe('success timelines of a load in several threads', () => {
  test('the longest span without any success is found after OR-ing the threads', async () => {
    const { SuccessTimeline } = await import('../../src/workload/gaps.js');
    const a = new SuccessTimeline();
    const b = new SuccessTimeline();
    // Thread a succeeds every 5 ms until 1000 and from 2000; thread b from 0 to 1500.
    for (let t = 0; t < 3000; t += 5) if (t < 1000 || t >= 2000) a.mark(t);
    for (let t = 0; t < 1500; t += 5) b.mark(t);
    expect(a.longestGap(3000)).toEqual({ ms: 1005, fromMs: 995, toMs: 2000 });
    expect(a.or(b).longestGap(3000)).toEqual({ ms: 505, fromMs: 1495, toMs: 2000 });
    // A gap still open at the end counts to the end.
    expect(b.longestGap(3000)).toEqual({ ms: 1505, fromMs: 1495, toMs: 3000 });
    expect(new SuccessTimeline().longestGap(100)).toEqual({ ms: 0, fromMs: 0, toMs: 0 });
  });
});
