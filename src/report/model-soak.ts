/** The soak section of a report: one row per loop, the spread of each figure, redis-drill's own resources. */

/** Spread of one figure over a soak's loops (nearest-rank percentiles; histogram in 10 equal bins). */
export interface Distribution {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  max: number | null;
  histogram: { fromMs: number; toMs: number; count: number }[];
}

export interface SoakLoopRow {
  loop: number;
  fault: string;
  target: string;
  victim: string | null;
  /** What the victim was when the fault hit it: a replica's loop has no promotion. */
  victimRole: 'master' | 'replica' | null;
  promoted: string | null;
  promotionMs: number | null;
  promotionSource: string | null;
  rejoinMs: number | null;
  /** Write probe: longest span without a successful write to the victim's slots, and to any other master's, within the loop. */
  victimUnavailableMs: number | null;
  othersUnavailableMs: number | null;
  /** Acknowledged writes lost that were acknowledged during the loop (write log). */
  lostWrites: number;
  /** ms from the start of the load. */
  startMs: number;
  endMs: number;
  outcome: 'passed' | 'failed' | 'not run';
  /** The failed checks of the loop. */
  anomalies: string[];
  /** redis-drill's resident memory at the end of the loop. */
  rssMb: number | null;
}

export interface SoakSection {
  seed: number;
  loops: number;
  loopsRun: number;
  faults: string;
  target: string;
  intervalMs: number;
  rows: SoakLoopRow[];
  /** Per fault kind, then "all". */
  distributions: {
    fault: string;
    promotionMs: Distribution;
    rejoinMs: Distribution;
    victimUnavailableMs: Distribution;
  }[];
  resources: {
    method: string;
    peakRssMb: number | null;
    firstLoopRssMb: number | null;
    lastLoopRssMb: number | null;
    /** What the heap kept after the latest full garbage collection, plus buffers, at the end of the first and the last loop (RSS also counts heap V8 keeps reserved). */
    firstLoopHeapMb: number | null;
    lastLoopHeapMb: number | null;
    cpuMs: number | null;
    samples: { tMs: number; rssMb: number; heapMb: number; cpuMs: number }[];
    /** Whether the observer kept up: the gap between two polls of a node against the interval. */
    observer: {
      intervalMs: number;
      nodes: number;
      polls: number;
      medianGapMs: number | null;
      p99GapMs: number | null;
      maxGapMs: number | null;
      maxGapNode: string | null;
      medianAnswerMs: number | null;
      p99AnswerMs: number | null;
      /** How late the instruments' thread ran its timers (p99). */
      eventLoopDelayP99Ms: number | null;
      /** How late the main thread (the steps) ran its timers (p99). */
      mainLoopDelayP99Ms: number | null;
      method: string;
    };
  };
  firstFailedLoop: number | null;
  /** The command line that runs the same schedule again. */
  reproduce: string;
  sources: { promotionMs: string; rejoinMs: string; unavailableMs: string; lostWrites: string };
}
