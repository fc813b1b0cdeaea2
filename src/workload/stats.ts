import hdr from 'hdr-histogram-js';
import { ERROR_CLASSES, type ErrorClass } from './error-class.js';

export const WINDOW_MS = 100;

/** Latencies in microseconds, 1 µs .. 60 s. */
const newHistogram = (digits: number) => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: digits as 2 | 3 });

export interface WindowStats {
  /** Window start, ms from the workload's start. */
  tMs: number;
  ops: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  errorsByClass: Partial<Record<ErrorClass, number>>;
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
}

interface Window {
  ops: number;
  errors: number;
  histogram: ReturnType<typeof newHistogram>;
  byClass: Map<ErrorClass, number>;
}

const round = (us: number): number => Math.round(us) / 1000;

/**
 * Counts and latency histograms per 100 ms window (HDR histograms: percentiles
 * stay exact to 2 significant digits at any tail). Time is in ms from the
 * workload's start.
 */
export class Recorder {
  private readonly windows: Window[] = [];
  readonly errorsByClass = new Map<ErrorClass, number>();
  ops = 0;
  errors = 0;
  /** Last error text of each class, for the user to read. */
  readonly lastErrors = new Map<ErrorClass, string>();

  private window(tMs: number): Window {
    const i = Math.max(0, Math.floor(tMs / WINDOW_MS));
    while (this.windows.length <= i) this.windows.push({ ops: 0, errors: 0, histogram: newHistogram(2), byClass: new Map() });
    return this.windows[i]!;
  }

  success(tMs: number, latencyUs: number): void {
    const w = this.window(tMs);
    const v = Math.max(1, Math.min(60_000_000, Math.round(latencyUs)));
    w.ops++;
    // One histogram write per operation (the hot path); totals are merged from the windows on demand.
    w.histogram.recordValue(v);
    this.ops++;
  }

  failure(tMs: number, cls: ErrorClass, message: string): void {
    const w = this.window(tMs);
    w.errors++;
    w.byClass.set(cls, (w.byClass.get(cls) ?? 0) + 1);
    this.errorsByClass.set(cls, (this.errorsByClass.get(cls) ?? 0) + 1);
    this.lastErrors.set(cls, message);
    this.errors++;
  }

  windowStats(): WindowStats[] {
    return this.windows.map((w, i) => ({
      tMs: i * WINDOW_MS,
      ops: w.ops,
      errors: w.errors,
      p50Ms: w.ops ? round(w.histogram.getValueAtPercentile(50)) : null,
      p99Ms: w.ops ? round(w.histogram.getValueAtPercentile(99)) : null,
      maxMs: w.ops ? round(w.histogram.maxValue) : null,
      errorsByClass: Object.fromEntries(w.byClass),
    }));
  }

  /** Latency over windows [from, to) (all when omitted), merged from the window histograms. */
  latency(fromMs = 0, toMs = Number.POSITIVE_INFINITY): LatencySummary | null {
    const h = newHistogram(2);
    this.windows.forEach((w, i) => i * WINDOW_MS >= fromMs && i * WINDOW_MS < toMs && h.add(w.histogram));
    const s = h.totalCount === 0 ? null : { p50Ms: round(h.getValueAtPercentile(50)), p90Ms: round(h.getValueAtPercentile(90)), p99Ms: round(h.getValueAtPercentile(99)), p999Ms: round(h.getValueAtPercentile(99.9)), maxMs: round(h.maxValue), meanMs: round(h.mean) };
    h.destroy();
    return s;
  }

  /** Operations completed in [fromMs, toMs). */
  opsBetween(fromMs: number, toMs: number): number {
    return this.windows.reduce((n, w, i) => n + (i * WINDOW_MS >= fromMs && i * WINDOW_MS < toMs ? w.ops : 0), 0);
  }

  /** Failed operations in [fromMs, toMs). */
  errorsBetween(fromMs: number, toMs: number): number {
    return this.windows.reduce((n, w, i) => n + (i * WINDOW_MS >= fromMs && i * WINDOW_MS < toMs ? w.errors : 0), 0);
  }

  errorClasses(): Partial<Record<ErrorClass, number>> {
    return Object.fromEntries(ERROR_CLASSES.filter((c) => this.errorsByClass.has(c)).map((c) => [c, this.errorsByClass.get(c)!]));
  }
}
