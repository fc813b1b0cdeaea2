import { describe, expect, it } from 'vitest';
import { SuccessTimeline } from '../../src/workload/gaps.js';
import { type ThreadPart, mergeThreads } from '../../src/workload/merge.js';
import { Recorder } from '../../src/workload/stats.js';
import { shares } from '../../src/workload/threaded-load.js';
import type { WorkloadResult } from '../../src/workload/workload-types.js';

/** A thread's part: its recorder's windows, its success timeline, its own counters and write log. */
function part(record: (r: Recorder, t: SuccessTimeline) => void, extra: Partial<WorkloadResult> = {}): ThreadPart {
  const r = new Recorder();
  const t = new SuccessTimeline();
  record(r, t);
  const result = {
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 3000,
    mode: 'closed-loop',
    clients: 25,
    rateOps: null,
    ops: r.ops,
    errors: r.errors,
    opsPerSec: 0,
    latency: null,
    errorsByClass: {},
    lastErrors: {},
    longestGap: { ms: 0, fromMs: 0, toMs: 0 },
    longestGapWatched: null,
    windows: [],
    consistency: null,
    writeLog: null,
    clientOptions: {},
    clientRestarts: [],
    threads: 1,
    ...extra,
  } as WorkloadResult;
  return { t: 'done', result, windows: r.exportWindows(), lastErrors: {}, timeline: t.bits, watched: [] };
}

describe('a load on several threads, merged', () => {
  it('latency from the merged histograms equals what one recorder of every operation gives; counts add up', () => {
    const all = new Recorder();
    const values = (seed: number) =>
      Array.from({ length: 2000 }, (_, i) => [(i * 7 + seed) % 3000, 100 + ((i * 37 + seed * 11) % 9000)]);
    const a = values(1);
    const b = values(2);
    for (const [t, us] of [...a, ...b]) all.success(t!, us!);
    const merged = mergeThreads([
      part((r, tl) => a.forEach(([t, us]) => (r.success(t!, us!), tl.mark(t!)))),
      part((r, tl) => b.forEach(([t, us]) => (r.success(t!, us!), tl.mark(t!)))),
    ]);
    // Every window closed (compressed) on both sides, as a thread hands its windows over.
    all.exportWindows();
    expect(merged.result.ops).toBe(4000);
    expect(merged.result.clients).toBe(50);
    // Percentiles exactly; the mean and the max to HDR's two significant digits (bucket midpoints).
    const same = (x: ReturnType<Recorder['latency']>, y: ReturnType<Recorder['latency']>) => {
      expect({ ...x, meanMs: 0, maxMs: 0 }).toEqual({ ...y, meanMs: 0, maxMs: 0 });
      expect(Math.abs(x!.meanMs - y!.meanMs) / y!.meanMs).toBeLessThan(0.01);
      expect(Math.abs(x!.maxMs - y!.maxMs) / y!.maxMs).toBeLessThan(0.01);
    };
    same(merged.result.latency, all.latency());
    same(merged.recorder.latency(1000, 2000), all.latency(1000, 2000));
    expect(merged.result.windows.map((w) => w.ops)).toEqual(all.windowStats().map((w) => w.ops));
  });

  it('the longest span without success is where no thread succeeded', () => {
    const merged = mergeThreads([
      part((r, t) => {
        for (let x = 0; x < 1000; x += 5) {
          r.success(x, 100);
          t.mark(x);
        }
      }),
      part((r, t) => {
        for (let x = 1500; x < 3000; x += 5) {
          r.success(x, 100);
          t.mark(x);
        }
      }),
    ]);
    expect(merged.result.longestGap).toEqual({ ms: 505, fromMs: 995, toMs: 1500 });
  });

  it('counters and write logs add up; lost writes from every thread, in time order', () => {
    const consistency = (acked: number, lost: number) => ({
      counters: 10,
      acknowledged: acked,
      lost,
      unacknowledgedApplied: 1,
      unreadable: 0,
      groups: [
        {
          master: '127.0.0.1:7000',
          counters: 10,
          acknowledged: acked,
          unacknowledgedSent: 2,
          value: acked - lost,
          lost,
          unacknowledgedApplied: 1,
        },
      ],
      method: 'm',
    });
    const log = (acked: number, at: number[]) => ({
      method: 'm',
      acknowledged: acked,
      lost: at.length,
      lostPercent: 0,
      unacknowledgedApplied: 0,
      unreadableKeys: 0,
      lostAcknowledgedFromMs: at.length ? Math.min(...at) : null,
      lostAcknowledgedToMs: at.length ? Math.max(...at) : null,
      lostWrites: at.map((x, i) => ({ id: String(i), key: 'k', slot: 0, atMs: x })),
      unacknowledgedPresent: [],
      keys: [],
    });
    const merged = mergeThreads([
      part(() => undefined, { consistency: consistency(100, 2), writeLog: log(500, [40, 10]) }),
      part(() => undefined, { consistency: consistency(50, 1), writeLog: log(500, [25]) }),
    ]);
    expect(merged.result.consistency).toMatchObject({
      counters: 20,
      acknowledged: 150,
      lost: 3,
      unacknowledgedApplied: 2,
    });
    expect(merged.result.consistency!.groups).toEqual([
      {
        master: '127.0.0.1:7000',
        counters: 20,
        acknowledged: 150,
        unacknowledgedSent: 4,
        value: 147,
        lost: 3,
        unacknowledgedApplied: 2,
      },
    ]);
    expect(merged.result.writeLog).toMatchObject({
      acknowledged: 1000,
      lost: 3,
      lostPercent: 0.3,
      lostAcknowledgedFromMs: 10,
      lostAcknowledgedToMs: 40,
    });
    expect(merged.result.writeLog!.lostWrites.map((w) => w.atMs)).toEqual([10, 25, 40]);
  });

  it('shares: a total split into whole parts that differ by at most one', () => {
    expect(shares(50, 2)).toEqual([25, 25]);
    expect(shares(50, 3)).toEqual([17, 17, 16]);
    expect(shares(1, 1)).toEqual([1]);
  });
});
