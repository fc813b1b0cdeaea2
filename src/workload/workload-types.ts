import type { Clock } from '../util/clock.js';
import type { LoadTarget } from './client.js';
import type { ConsistencyReport } from './consistency.js';
import type { ErrorClass } from './error-class.js';
import type { Gap } from './gaps.js';
import type { Mix } from './options.js';
import type { LatencySummary, Recorder, WindowStats } from './stats.js';
import type { SlotRange } from '../cluster/slots.js';
import type { WriteLogReport } from './write-log.js';

/** What a key-value load is asked to do, and what it reports. */

export interface WorkloadOptions extends LoadTarget {
  clients: number;
  durationMs: number;
  mix: Mix;
  keyspace: number;
  valueSize: number;
  /** Fixed rate (ops/s, open loop); closed loop when absent. */
  rateOps?: number;
  /** Consistency mode: every INCR goes to a counter whose acknowledged increments are counted, every add to the write log. */
  check: boolean;
  counters?: number;
  clock?: Clock;
  abortSignal?: AbortSignal;
  /** Called once a second with the last second's figures (for the progress line). */
  onSecond?: (s: SecondLine) => void;
}

export interface SecondLine {
  second: number;
  ops: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  errors: number;
}

export interface WorkloadResult {
  startedAt: string;
  durationMs: number;
  mode: 'closed-loop' | 'fixed-rate';
  clients: number;
  rateOps: number | null;
  ops: number;
  errors: number;
  opsPerSec: number;
  latency: LatencySummary | null;
  errorsByClass: Partial<Record<ErrorClass, number>>;
  lastErrors: Partial<Record<ErrorClass, string>>;
  /** Longest span with no successful operation at all, and on the watched slots (if any). */
  longestGap: Gap;
  longestGapWatched: Gap | null;
  windows: WindowStats[];
  consistency: ConsistencyReport | null;
  /** With --check and adds in the mix: which acknowledged writes were lost, and when they were acknowledged. */
  writeLog: WriteLogReport | null;
  clientOptions: Record<string, unknown>;
  /** ms from the start when the client ended itself and was replaced (see Workload.watchClient). */
  clientRestarts: number[];
  /** How many threads ran the load (each with its own client and share of the clients). */
  threads: number;
}

/**
 * The oldest operation still waiting for its answer: when it was sent (ms
 * since the load's zero; null when none waits), as known at `asOfMs` (a
 * load's threads tell it every 100 ms).
 */
export interface Waiting {
  sinceMs: number | null;
  asOfMs: number;
}

/**
 * The key-value load as the drill and `workload` drive it, on one thread or
 * several (see kvLoad): live counts for the steady-load check, the watched
 * slot groups' gaps, and at the end one result.
 */
export interface KvLoad {
  readonly clients: number;
  /** Live on one thread; after the end of a threaded load, its threads' recorders merged. */
  readonly recorder: Recorder;
  /** ms since the load's zero. */
  now(): number;
  watchSlotGroups(groups: SlotRange[][]): void;
  watchedGap(group: number): Gap | null;
  waiting(): Waiting;
  opsBetween(fromMs: number, toMs: number): number;
  errorsBetween(fromMs: number, toMs: number): number;
  lastErrors(): Map<ErrorClass, string>;
  /** Starts it; `t0` is its zero (local clock, epoch ms), `done` its result. */
  begin(): Promise<{ t0: number; done: Promise<WorkloadResult> }>;
  stop(o?: { verifyTimeoutMs?: number }): void;
}
