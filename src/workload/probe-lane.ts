import type { SlotRange } from '../cluster/slots.js';
import type { ErrorClass } from './error-class.js';
import { GapTracker, type Outage, type ProbeGap } from './gaps.js';

/** One master's slots at the start of the drill: probed as one group whoever serves them later. */
export interface ProbeGroup {
  index: number;
  /** "Master[0] 127.0.0.1:7000": who served them when the drill began. */
  label: string;
  id: string;
  ranges: SlotRange[];
}

/** A write that failed: when it was due, how late it went out, why it failed and where it went. */
export interface FailedWrite {
  /** When it was due (ms from the start of the load). */
  tMs: number;
  /** How late the probe sent it: its own lateness, not the cluster's. */
  lateMs: number;
  cls: ErrorClass;
  /** The node it was sent to ("" when no node was known to serve the slot). */
  node: string;
}

/** How late the probe's writes went out: the instrument's own error, beside each figure. */
export interface SendDelay {
  maxMs: number;
  p99Ms: number;
  /** Writes not sent at all because the probe was more than one interval late (they are a stall, not a failure). */
  missed: number;
}

export interface MasterAvailability {
  index: number;
  label: string;
  id: string;
  slots: SlotRange[];
  /** The key written, and its slot. */
  key: string;
  slot: number;
  writes: number;
  failed: number;
  failedByClass: Partial<Record<ErrorClass, number>>;
  /** Longest span between two successful writes (ms from the start of the load), and how much shorter it may really be. */
  /** `ownerLagMs`: the part of the bound that is the observer's poll interval (0 unless the gap ended on a new owner). */
  longestGap: ProbeGap & { ownerLagMs: number };
  firstFailureMs: number | null;
  lastFailureMs: number | null;
  /** Runs of failed writes (at most 200 kept; outagesDropped counts the rest). */
  outages: Outage[];
  outagesDropped: number;
  /** Each failed write (at most 500 kept; failuresDropped counts the rest). */
  failures: FailedWrite[];
  failuresDropped: number;
  sendDelay: SendDelay;
}

const MAX_FAILURES = 500;
/** Send delays in 1 ms buckets up to 10 s (the last bucket holds the rest). */
const DELAY_BUCKETS = 10_001;

/**
 * One master's lane of the probe: outcomes fed in the order the writes
 * were due (replies may come back out of order), the send delays, and the
 * failed writes with their details. Pure bookkeeping: no clock, no I/O.
 */
export class ProbeLane {
  readonly tracker = new GapTracker();
  private readonly byClass = new Map<ErrorClass, number>();
  /** Writes by their place on the schedule; a write never sent (the probe was too late) is `skipped`. */
  private readonly pending = new Map<number, { sentMs: number; ok: boolean | null; node: string } | 'skipped'>();
  private readonly failures: FailedWrite[] = [];
  private failuresDropped = 0;
  private readonly delays = new Uint32Array(DELAY_BUCKETS);
  private delayCount = 0;
  private maxDelay = 0;
  private missed = 0;
  private nextFeed = 0;

  constructor(
    readonly group: ProbeGroup,
    readonly key: string,
    readonly slot: number,
  ) {}

  /** Write `seq`, due at `dueMs`, went out at `sentMs` (to `node`, the slot's owner as the probe knew it). */
  sent(seq: number, dueMs: number, sentMs: number, node = ''): void {
    this.pending.set(seq, { sentMs, ok: null, node });
    this.delay(sentMs - dueMs);
  }

  /** `count` writes from `fromSeq` on were never sent: the probe was that late. Their lateness is the stall's length. */
  skipped(fromSeq: number, count: number, lateMs: number): void {
    for (let seq = fromSeq; seq < fromSeq + count; seq++) this.pending.set(seq, 'skipped');
    this.missed += count;
    this.delay(lateMs);
    this.feed();
  }

  /** Records an outcome, then feeds every outcome known so far in the order the writes were due. */
  settled(seq: number, ok: boolean, fail?: Omit<FailedWrite, 'lateMs'>): void {
    const p = this.pending.get(seq);
    if (!p || p === 'skipped') return;
    p.ok = ok;
    if (fail) {
      this.byClass.set(fail.cls, (this.byClass.get(fail.cls) ?? 0) + 1);
      if (this.failures.length < MAX_FAILURES)
        this.failures.push({
          ...fail,
          tMs: Math.round(fail.tMs),
          lateMs: Math.max(0, Math.round(p.sentMs - fail.tMs)),
        });
      else this.failuresDropped++;
    }
    this.feed();
  }

  /** Feeds every outcome known so far to the tracker, in the order the writes were due (a skipped one feeds nothing). */
  private feed(): void {
    for (let next = this.pending.get(this.nextFeed); next !== undefined; next = this.pending.get(this.nextFeed)) {
      if (next !== 'skipped') {
        if (next.ok === null) return;
        this.tracker.record(next.sentMs, next.ok, next.node);
      }
      this.pending.delete(this.nextFeed++);
    }
  }

  /**
   * The figures at the end of the run (`endMs`: ms from the start of the
   * load). When the longest gap ended on another node than it began (a
   * failover), the probe learnt the new owner from the observer's polls,
   * up to `ownerLagMs` after it took over: that lag joins the bound.
   */
  result(endMs: number, ownerLagMs = 0): MasterAvailability {
    this.tracker.end(endMs);
    const t = this.tracker;
    const lag = t.moved ? Math.max(0, Math.min(ownerLagMs, t.longest.ms - t.longest.boundMs)) : 0;
    const gap = { ...t.longest, boundMs: t.longest.boundMs + lag, ownerLagMs: lag };
    return {
      index: this.group.index,
      label: this.group.label,
      id: this.group.id,
      slots: this.group.ranges,
      key: this.key,
      slot: this.slot,
      writes: t.writes,
      failed: t.failed,
      failedByClass: Object.fromEntries(this.byClass),
      longestGap: gap,
      firstFailureMs: t.firstFailureMs,
      lastFailureMs: t.lastFailureMs,
      outages: t.outages,
      outagesDropped: t.outagesDropped,
      failures: this.failures,
      failuresDropped: this.failuresDropped,
      sendDelay: this.sendDelay(),
    };
  }

  sendDelay(): SendDelay {
    return {
      maxMs: Math.round(this.maxDelay),
      p99Ms: percentile(this.delays, this.delayCount, 0.99),
      missed: this.missed,
    };
  }

  private delay(ms: number): void {
    const d = Math.max(0, ms);
    this.delays[Math.min(DELAY_BUCKETS - 1, Math.round(d))]!++;
    this.delayCount++;
    this.maxDelay = Math.max(this.maxDelay, d);
  }
}

/** Nearest rank over 1 ms buckets. Pure. */
export function percentile(buckets: Uint32Array, count: number, p: number): number {
  if (count === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * count));
  let seen = 0;
  for (let ms = 0; ms < buckets.length; ms++) if ((seen += buckets[ms]!) >= rank) return ms;
  return buckets.length - 1;
}
