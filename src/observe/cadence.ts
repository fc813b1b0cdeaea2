/**
 * Gaps between polls in 1 ms buckets (the last one: 60 s and more): a soak
 * polls millions of times, and this stays the same size however long it runs.
 */
export class GapCounts {
  private readonly buckets = new Uint32Array(60_001);
  count = 0;
  max: number | null = null;
  maxNode: string | null = null;

  add(gapMs: number, node: string): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(gapMs)))]!++;
    this.count++;
    if (this.max === null || gapMs > this.max) [this.max, this.maxNode] = [gapMs, node];
  }

  /** Nearest rank, to the millisecond. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) if ((seen += this.buckets[ms]!) >= rank) return ms;
    return this.buckets.length - 1;
  }
}

/** How closely the observer kept its poll interval (see Observer.cadence). */
export interface PollCadence {
  intervalMs: number;
  nodes: number;
  polls: number;
  medianGapMs: number | null;
  p99GapMs: number | null;
  maxGapMs: number | null;
  maxGapNode: string | null;
  /** How long the answered polls took, send to answer: the nodes' share of the gap. */
  medianAnswerMs: number | null;
  p99AnswerMs: number | null;
  /** redis-drill's own share: how late the instruments' event loop ran timers (p99, perf_hooks.monitorEventLoopDelay). */
  eventLoopDelayP99Ms: number | null;
  /** How late the main thread (the steps, the side loads, the report) ran timers, p99; null when not measured. */
  mainLoopDelayP99Ms: number | null;
}

/**
 * 50 ms per node, but no more than about 1,000 polls a second in all: each
 * poll is four commands the node must answer, so a hundred nodes polled
 * every 50 ms (2,000 polls a second) load the cluster being measured and
 * the machine, and then no poll keeps its interval. 100 nodes: every 100 ms.
 */
export function defaultPollInterval(nodes: number): number {
  return Math.max(50, nodes);
}
