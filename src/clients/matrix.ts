import { classifyClientError } from '../workload/error-class.js';
import type { ProgramOp } from '../workload/program-run.js';

/** An operation that took longer than this is stuck: an application's user has given up by then. */
export const STUCK_MS = 5000;

/** One client through one fault: the matrix's cell (report.json `matrix[]`, docs/json.md). */
export interface MatrixCell {
  client: string;
  fault: string;
  /** Still running at the end (stopped by the drill), or exited with code 0. */
  survived: boolean;
  /** From the fault to its first successful operation after it (null: none). */
  firstSuccessAfterFaultMs: number | null;
  /** From the fault to the first success after its last failed or slow (over 1 s) operation (0: the fault never touched it; null: no success after it). */
  recoveredMs: number | null;
  /** The longest span from the fault to its end without a successful operation (a hang shows here). */
  longestNoSuccessMs: number;
  /** Acknowledged writes (SETs it was told succeeded) missing or different when read back at the end. */
  lostWrites: number;
  /** Acknowledged writes that could not be read back (a shard still unserved at the end): neither kept nor lost. */
  unreadableWrites: number;
  acknowledgedWrites: number;
  /** Operations that took over 5 s, and one still in flight at the end after 5 s of silence. */
  stuckOps: number;
  /** The slowest operation that returned, as the client timed it. */
  slowestOpMs: number;
  ops: number;
  errors: Record<string, number>;
  /** The last error it reported (what a user would grep for). */
  lastError: string | null;
  /** How long an operation still in flight at the end had been waiting (0: none over 5 s). */
  hungMs: number;
  /** ms from the fault when it exited by itself (null: it ran to the end). */
  exitedAfterFaultMs: number | null;
  verdict: string;
}

export interface CellInput {
  client: string;
  fault: string;
  ops: readonly ProgramOp[];
  /** The fault, ms from the start of the load (null: the drill sent none). */
  faultMs: number | null;
  /** When it ended, ms from the start of the load. */
  endMs: number;
  survived: boolean;
  stoppedByDrill: boolean;
  /** Why it died, from its stderr (null: it said nothing). */
  deathLine: string | null;
  lostWrites: number;
  unreadableWrites: number;
  acknowledgedWrites: number;
  /** The pause between its operations: silence that long is not a hang. */
  intervalMs: number;
}

/** An operation slower than this was held up by the fault (the adapters' writes take about 1 ms on a healthy deployment). */
export const SLOW_MS = 1000;

/** Failed, or held up: the fault touched the client. */
const disturbed = (o: ProgramOp): boolean => !o.ok || (o.ms ?? 0) > SLOW_MS;

/** The cell, from the client's own operation lines. Pure. */
export function matrixCell(i: CellInput): MatrixCell {
  const fault = i.faultMs ?? 0;
  const after = i.ops.filter((o) => o.tMs >= fault);
  const firstOk = after.find((o) => o.ok);
  const lastBad = [...after].reverse().find(disturbed);
  // A slow operation that succeeded ends the disturbance itself.
  const recoveredAt = lastBad?.ok ? lastBad : lastBad ? after.find((o) => o.ok && o.tMs > lastBad.tMs) : undefined;
  // An operation in flight at the end: the silence since its last line, if it is longer than a stuck one.
  const last = i.ops.at(-1);
  const silentMs = i.endMs - (last?.tMs ?? fault);
  const inFlight = i.stoppedByDrill && silentMs > STUCK_MS + i.intervalMs ? 1 : 0;
  const errors: Record<string, number> = {};
  for (const o of i.ops)
    if (!o.ok) {
      const c = classifyClientError(new Error(o.error ?? ''));
      errors[c] = (errors[c] ?? 0) + 1;
    }
  const cell = {
    client: i.client,
    fault: i.fault,
    survived: i.survived,
    firstSuccessAfterFaultMs: firstOk ? Math.round(firstOk.tMs - fault) : null,
    recoveredMs: !lastBad ? 0 : recoveredAt ? Math.round(recoveredAt.tMs - fault) : null,
    longestNoSuccessMs: longestNoSuccess(after, fault, i.endMs),
    lostWrites: i.lostWrites,
    unreadableWrites: i.unreadableWrites,
    acknowledgedWrites: i.acknowledgedWrites,
    stuckOps: i.ops.filter((o) => (o.ms ?? 0) > STUCK_MS).length + inFlight,
    slowestOpMs: Math.max(0, ...i.ops.map((o) => o.ms ?? 0)),
    ops: i.ops.length,
    errors,
    lastError: [...i.ops].reverse().find((o) => !o.ok)?.error ?? null,
    hungMs: inFlight ? Math.round(silentMs) : 0,
    exitedAfterFaultMs: i.stoppedByDrill ? null : Math.round(i.endMs - fault),
  };
  return { ...cell, verdict: i.faultMs === null ? NO_FAULT : verdictOf(cell, i.deathLine) };
}

/** The drill stopped before its fault (a failed wait, a refused step): nothing about the client can be said. */
export const NO_FAULT = 'no fault was sent: the drill stopped before it (see its report)';

/** The longest span from the fault to the end with no success in it. */
function longestNoSuccess(after: readonly ProgramOp[], fault: number, end: number): number {
  let longest = 0;
  let from = fault;
  for (const o of after)
    if (o.ok) {
      longest = Math.max(longest, o.tMs - from);
      from = o.tMs;
    }
  return Math.round(Math.max(longest, end - from));
}

/** Not one operation succeeded: the client is misconfigured or cannot reach the deployment, whatever the fault did. */
const neverOk = (c: Pick<MatrixCell, 'ops' | 'errors'>): boolean =>
  c.ops > 0 && Object.values(c.errors).reduce((n, v) => n + v, 0) === c.ops;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const signed = (ms: number): string => `${ms >= 0 ? '+' : '-'}${s(Math.abs(ms))}`;

/** One line a reader takes away: "recovered in 2.6 s", "hung 31 s", "died at +0.1 s: TTL exhausted". Pure. */
export function verdictOf(c: Omit<MatrixCell, 'verdict'>, deathLine: string | null): string {
  const lost =
    (c.lostWrites ? `; ${c.lostWrites} acknowledged write${c.lostWrites > 1 ? 's' : ''} lost` : '') +
    (c.unreadableWrites ? `; ${c.unreadableWrites} could not be read back` : '');
  if (!c.survived) {
    const why = deathLine ?? c.lastError ?? 'no message';
    return `died at ${signed(c.exitedAfterFaultMs ?? 0)}: ${why.slice(0, 200)}${lost}`;
  }
  if (c.exitedAfterFaultMs !== null)
    return `exited by itself with code 0 at ${signed(c.exitedAfterFaultMs)}: nothing after that was measured${lost}`;
  if (c.hungMs) return `hung ${s(c.hungMs)} (an operation still waiting at the end)${lost}`;
  if (neverOk(c)) return `never succeeded, before or after the fault: ${c.lastError ?? 'no error given'}`;
  if (c.recoveredMs === null) return `no success after the fault${lost}`;
  const stuck = c.stuckOps ? `an operation hung ${s(c.slowestOpMs)}, ` : '';
  if (c.recoveredMs === 0) return `unaffected${lost}`;
  return `${stuck}recovered in ${s(c.recoveredMs)}; longest without a success ${s(c.longestNoSuccessMs)}${lost}`;
}

/** How a cell reads at a glance: good (unaffected, or recovered within 5 s, nothing lost), slow, or bad (died, hung, never recovered, writes lost). Pure. */
export function cellGrade(c: MatrixCell): 'good' | 'slow' | 'bad' {
  if (c.verdict === NO_FAULT) return 'slow';
  if (!c.survived || c.hungMs || c.recoveredMs === null || c.lostWrites) return 'bad';
  if (c.exitedAfterFaultMs !== null || c.unreadableWrites) return 'slow';
  return c.recoveredMs > STUCK_MS || c.stuckOps ? 'slow' : 'good';
}

/** The cell in a few words, for the matrix's table: "2.6 s", "hung 31.0 s", "died +0.1 s", "unaffected", with "N lost". Pure. */
export function cellShort(c: MatrixCell): string {
  const lost =
    (c.lostWrites ? `, ${c.lostWrites} lost` : '') + (c.unreadableWrites ? `, ${c.unreadableWrites} unread` : '');
  const stuck = c.stuckOps && !c.hungMs ? `, ${c.stuckOps} stuck` : '';
  if (c.verdict === NO_FAULT) return 'no fault';
  if (!c.survived) return `died ${signed(c.exitedAfterFaultMs ?? 0)}${lost}`;
  if (c.exitedAfterFaultMs !== null) return `exited ${signed(c.exitedAfterFaultMs)}${lost}`;
  if (c.hungMs) return `hung ${s(c.hungMs)}${lost}`;
  if (neverOk(c)) return 'never succeeded';
  if (c.recoveredMs === null) return `no success${lost}`;
  return `${c.recoveredMs === 0 ? 'unaffected' : s(c.recoveredMs)}${stuck}${lost}`;
}

/** A client's operations through one drill, per window: what the HTML matrix draws as its timeline. */
export interface ClientTimeline {
  client: string;
  fault: string;
  /** The first window's start, ms from the fault (negative: before it). */
  fromMs: number;
  windowMs: number;
  ok: number[];
  errors: number[];
}

/** Counts the operations per window, times from the fault. Pure. */
export function timelineOf(
  client: string,
  fault: string,
  ops: readonly ProgramOp[],
  faultMs: number | null,
  windowMs = 250,
): ClientTimeline {
  const zero = faultMs ?? 0;
  const fromMs = ops.length ? Math.floor((ops[0]!.tMs - zero) / windowMs) * windowMs : 0;
  const n = ops.length ? Math.floor((ops.at(-1)!.tMs - zero - fromMs) / windowMs) + 1 : 0;
  const ok = new Array<number>(n).fill(0);
  const errors = new Array<number>(n).fill(0);
  for (const o of ops) (o.ok ? ok : errors)[Math.floor((o.tMs - zero - fromMs) / windowMs)]!++;
  return { client, fault, fromMs, windowMs, ok, errors };
}
