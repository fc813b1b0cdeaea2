import hdr from 'hdr-histogram-js';
import { ERROR_CLASSES, type ErrorClass } from './error-class.js';

export const WINDOW_MS = 100;

/** Latencies in microseconds, 1 µs .. 60 s. */
const newHistogram = (digits: number) =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: digits as 2 | 3,
  });

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
  /** The open window's histogram; null once it is closed. */
  histogram: Histogram | null;
  /** A closed window: its histogram compressed (about 200 bytes instead of 11 KB), and its figures. */
  encoded: string | null;
  figures: { p50Ms: number; p99Ms: number; maxMs: number } | null;
  byClass: Map<ErrorClass, number>;
}

type Histogram = ReturnType<typeof newHistogram>;

/** One 100 ms window as a load's thread hands it over: its counts and its histogram, compressed. */
export interface ExportedWindow {
  ops: number;
  errors: number;
  byClass: [ErrorClass, number][];
  histogram: string | null;
}

const round = (us: number): number => Math.round(us) / 1000;

/**
 * Counts and latency histograms per 100 ms window (HDR histograms: percentiles
 * stay exact to 2 significant digits at any tail). Time is in ms from the
 * workload's start. A window is compressed once the next one opens, so a
 * soak of hours keeps a few hundred bytes per 100 ms, not 11 KB.
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
    if (this.windows.length <= i) {
      // Time only moves on: the windows before this one are done (late results land in the open one).
      const last = this.windows.at(-1);
      if (last) close(last);
      while (this.windows.length <= i)
        this.windows.push({ ops: 0, errors: 0, histogram: null, encoded: null, figures: null, byClass: new Map() });
    }
    return this.windows[i]!;
  }

  success(tMs: number, latencyUs: number): void {
    const w = this.window(tMs);
    const v = Math.max(1, Math.min(60_000_000, Math.round(latencyUs)));
    w.ops++;
    // One histogram write per operation (the hot path); totals are merged from the windows on demand.
    // A result that finishes after its window closed counts in the latest open one.
    const open = w.encoded === null ? w : this.windows.at(-1)!;
    (open.histogram ??= newHistogram(2)).recordValue(v);
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
    return this.windows.map((w, i) => {
      const f = w.figures ?? figures(w.histogram);
      return {
        tMs: i * WINDOW_MS,
        ops: w.ops,
        errors: w.errors,
        p50Ms: f?.p50Ms ?? null,
        p99Ms: f?.p99Ms ?? null,
        maxMs: f?.maxMs ?? null,
        errorsByClass: Object.fromEntries(w.byClass),
      };
    });
  }

  /** Latency over windows [from, to) (all when omitted), merged from the window histograms. */
  latency(fromMs = 0, toMs = Number.POSITIVE_INFINITY): LatencySummary | null {
    const h = newHistogram(2);
    for (const w of this.between(fromMs, toMs)) {
      if (w.histogram) h.add(w.histogram);
      else if (w.encoded) {
        const closed = hdr.decodeFromCompressedBase64(w.encoded);
        h.add(closed);
        closed.destroy();
      }
    }
    const s =
      h.totalCount === 0
        ? null
        : {
            p50Ms: round(h.getValueAtPercentile(50)),
            p90Ms: round(h.getValueAtPercentile(90)),
            p99Ms: round(h.getValueAtPercentile(99)),
            p999Ms: round(h.getValueAtPercentile(99.9)),
            maxMs: round(h.maxValue),
            meanMs: round(h.mean),
          };
    h.destroy();
    return s;
  }

  /** The windows that start in [fromMs, toMs). */
  private between(fromMs: number, toMs: number): Window[] {
    return this.windows.slice(
      Math.max(0, Math.ceil(fromMs / WINDOW_MS)),
      Math.min(this.windows.length, Math.ceil(toMs / WINDOW_MS)),
    );
  }

  /** Operations completed in [fromMs, toMs). */
  opsBetween(fromMs: number, toMs: number): number {
    return this.between(fromMs, toMs).reduce((n, w) => n + w.ops, 0);
  }

  /** Failed operations in [fromMs, toMs). */
  errorsBetween(fromMs: number, toMs: number): number {
    return this.between(fromMs, toMs).reduce((n, w) => n + w.errors, 0);
  }

  /** Every window, closed and compressed: what a load's thread sends to the main thread at its end. */
  exportWindows(): ExportedWindow[] {
    const last = this.windows.at(-1);
    if (last) close(last);
    return this.windows.map((w) => ({ ops: w.ops, errors: w.errors, byClass: [...w.byClass], histogram: w.encoded }));
  }

  /** Adds another thread's windows to these, window by window (histograms merged exactly). */
  absorb(windows: readonly ExportedWindow[], lastErrors: Partial<Record<ErrorClass, string>>): void {
    windows.forEach((x, i) => {
      const w = this.window(i * WINDOW_MS);
      w.ops += x.ops;
      w.errors += x.errors;
      this.ops += x.ops;
      this.errors += x.errors;
      for (const [cls, n] of x.byClass) {
        w.byClass.set(cls, (w.byClass.get(cls) ?? 0) + n);
        this.errorsByClass.set(cls, (this.errorsByClass.get(cls) ?? 0) + n);
      }
      if (x.histogram) w.encoded = mergeEncoded(w.encoded, x.histogram, w);
    });
    for (const [cls, m] of Object.entries(lastErrors)) this.lastErrors.set(cls as ErrorClass, m);
    const last = this.windows.at(-1);
    if (last) close(last);
  }

  errorClasses(): Partial<Record<ErrorClass, number>> {
    return Object.fromEntries(
      ERROR_CLASSES.filter((c) => this.errorsByClass.has(c)).map((c) => [c, this.errorsByClass.get(c)!]),
    );
  }
}

function figures(h: Histogram | null): Window['figures'] {
  return h && h.totalCount > 0
    ? { p50Ms: round(h.getValueAtPercentile(50)), p99Ms: round(h.getValueAtPercentile(99)), maxMs: round(h.maxValue) }
    : null;
}

/** A window is done: its figures are kept and its histogram compressed. */
function close(w: Window): void {
  if (!w.histogram) return;
  w.figures = figures(w.histogram);
  w.encoded = hdr.encodeIntoCompressedBase64(w.histogram);
  w.histogram.destroy();
  w.histogram = null;
}

/** Two compressed histograms as one (and the window's figures from it). */
function mergeEncoded(a: string | null, b: string, w: Window): string {
  const h = hdr.decodeFromCompressedBase64(b);
  if (a) {
    const other = hdr.decodeFromCompressedBase64(a);
    h.add(other);
    other.destroy();
  }
  if (w.histogram) {
    h.add(w.histogram);
    w.histogram.destroy();
    w.histogram = null;
  }
  w.figures = figures(h);
  const out = hdr.encodeIntoCompressedBase64(h);
  h.destroy();
  return out;
}
