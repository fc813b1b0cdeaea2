import { PerformanceObserver, constants } from 'node:perf_hooks';

export interface ResourceSample {
  rssMb: number;
  /** What the heap kept after the latest full garbage collection, plus buffers (the write log's typed arrays). */
  heapMb: number;
  cpuMs: number;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Samples redis-drill's own memory and CPU every second. The heap figure is
 * taken right after each full (mark-sweep) collection: heap in use at a
 * random moment is a sawtooth of garbage not yet collected, while what
 * survives a full collection is what the process holds, and it is what must
 * not grow loop after loop. Until the first full collection, heap in use
 * stands in. Returns the function that stops it.
 */
export function sampleResources(push: (s: ResourceSample) => void): () => void {
  let retained: number | null = null;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        retained = process.memoryUsage().heapUsed;
  });
  gc.observe({ entryTypes: ['gc'] });
  const sample = (): void => {
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    push({
      rssMb: mb(mem.rss),
      heapMb: mb((retained ?? mem.heapUsed) + mem.arrayBuffers),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    });
  };
  sample();
  const timer = setInterval(sample, 1000);
  timer.unref();
  // Stopping takes a last sample: the run's end is in the figures.
  return () => {
    clearInterval(timer);
    gc.disconnect();
    sample();
  };
}
