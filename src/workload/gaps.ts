/** A span with no success, ms from the start of the load. */
export interface Gap {
  ms: number;
  fromMs: number;
  toMs: number;
}

/** A run of failed writes: from the first failed one to the next success (or the end). */
export type Outage = Omit<Gap, 'ms'>;

/**
 * A span without success as a probe measures it, with how much shorter the
 * real one may be: the probe saw a success at `fromMs` and the next at
 * `toMs`, but the slots may have become unwritable as late as its next send
 * after `fromMs` and writable again as early as its last send before
 * `toMs`. `boundMs` is the sum of those two spacings: one interval each when
 * the probe kept its schedule, the whole gap when it sent nothing between
 * (a stalled sender knows nothing of that time).
 */
export interface ProbeGap extends Gap {
  boundMs: number;
}

/** At most this many outages are kept per group (a flaky link can make thousands); the rest are counted. */
const MAX_OUTAGES = 200;

/**
 * Availability of one group of slots from writes fed in the order they were
 * sent (send times, ms): the longest span between two successful writes,
 * the first and last failed ones, and the runs of failures. Pure: no clock,
 * no I/O, so it is tested with plain numbers.
 */
export class GapTracker {
  writes = 0;
  failed = 0;
  longest: ProbeGap = { ms: 0, fromMs: 0, toMs: 0, boundMs: 0 };
  firstFailureMs: number | null = null;
  lastFailureMs: number | null = null;
  readonly outages: Outage[] = [];
  outagesDropped = 0;
  private lastOk: number | null = null;
  private openSince: number | null = null;
  /** The first write sent after the latest success, and the write sent before this one: the gap's bounds. */
  private firstAfterOk: number | null = null;
  private prevSend: number | null = null;
  /** Where the last success went, and whether the longest gap ended on another node than it began (a new owner). */
  private lastOkNode: string | undefined;
  moved = false;

  record(tMs: number, ok: boolean, node?: string): void {
    this.writes++;
    if (this.lastOk !== null) this.firstAfterOk ??= tMs;
    if (ok) {
      if (this.extend(tMs)) this.moved = node !== this.lastOkNode;
      this.lastOk = tMs;
      this.lastOkNode = node;
      this.firstAfterOk = null;
      if (this.openSince !== null) this.closeOutage(tMs);
    } else {
      this.failed++;
      this.firstFailureMs ??= Math.round(tMs);
      this.lastFailureMs = Math.round(tMs);
      this.openSince ??= tMs;
    }
    this.prevSend = tMs;
  }

  /** The end of the run: a gap or an outage still open counts up to here. */
  end(tMs: number): void {
    if (this.extend(tMs)) this.moved = false;
    if (this.openSince !== null) this.closeOutage(tMs);
  }

  /** True when this span is the longest so far. */
  private extend(tMs: number): boolean {
    // Gaps count from the first success: the time before it is start-up, not unavailability.
    if (this.lastOk === null || tMs - this.lastOk <= this.longest.ms) return false;
    const ms = tMs - this.lastOk;
    const left = (this.firstAfterOk ?? tMs) - this.lastOk;
    const right = tMs - (this.prevSend ?? this.lastOk);
    this.longest = {
      ms: Math.round(ms),
      fromMs: Math.round(this.lastOk),
      toMs: Math.round(tMs),
      boundMs: Math.round(Math.min(ms, left + right)),
    };
    return true;
  }

  private closeOutage(tMs: number): void {
    if (this.outages.length < MAX_OUTAGES)
      this.outages.push({ fromMs: Math.round(this.openSince!), toMs: Math.round(tMs) });
    else this.outagesDropped++;
    this.openSince = null;
  }
}

/** The longer of `gap` and the span from `last` (if any success yet) to `t`. */
export function longer(gap: Gap, last: number | null, t: number): Gap {
  return last !== null && t - last > gap.ms
    ? { ms: Math.round(t - last), fromMs: Math.round(last), toMs: Math.round(t) }
    : gap;
}

/**
 * When successes happened, one bit per millisecond from the start of the
 * load: what a load in several threads needs to find its longest span
 * without any success (the threads' timelines are OR'ed, then the longest
 * run of zeros after the first success is the gap). An hour is 450 KB.
 */
export class SuccessTimeline {
  bits: Uint8Array;

  constructor(bits?: Uint8Array) {
    this.bits = bits ?? new Uint8Array(1024);
  }

  mark(tMs: number): void {
    const ms = Math.max(0, Math.floor(tMs));
    const byte = ms >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! |= 1 << (ms & 7);
  }

  /** Every success of both. */
  or(other: SuccessTimeline): SuccessTimeline {
    const [long, short] = this.bits.length >= other.bits.length ? [this.bits, other.bits] : [other.bits, this.bits];
    const out = new Uint8Array(long);
    for (let i = 0; i < short.length; i++) out[i]! |= short[i]!;
    return new SuccessTimeline(out);
  }

  /** The longest span from one success to the next (or to `endMs`), counted from the first success. Pure. */
  longestGap(endMs: number): Gap {
    let last: number | null = null;
    let gap: Gap = { ms: 0, fromMs: 0, toMs: 0 };
    const end = Math.floor(endMs);
    for (let byte = 0; byte < this.bits.length && byte * 8 <= end; byte++) {
      const b = this.bits[byte]!;
      if (b === 0) continue;
      for (let k = 0; k < 8; k++) {
        if (!(b & (1 << k))) continue;
        const t = byte * 8 + k;
        gap = longer(gap, last, t);
        last = t;
      }
    }
    return longer(gap, last, Math.max(end, last ?? 0));
  }
}
