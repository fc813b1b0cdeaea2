import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import type { DrillEvent } from '../observe/events.js';
import { type Clock, systemClock } from '../util/clock.js';

/** A program of the user's that runs beside the load and is judged by whether it survived. */
export interface ProgramSpec {
  /** A shell command line (sh -c). */
  cmd: string;
  /** Where it runs: the scenario file's directory, or the current one. */
  cwd: string;
  /** Its name in the report (default: "client", or "client N" when there are several). */
  name?: string;
  /** More environment on top of the deployment's (redis-drill clients: each adapter's key prefix). */
  env?: Record<string, string>;
  /** Told of every operation line it prints and of its end (redis-drill clients builds its matrix from them). */
  sink?: ProgramSink;
}

/** One operation the program reported: {"op":..,"ok":..,"ms":..,"error":..,"key":..,"value":..}; tMs from the start of the load. */
export interface ProgramOp {
  tMs: number;
  ok: boolean;
  /** How long it took, as the program measured it (null when it did not say). */
  ms: number | null;
  error: string | null;
  op: string | null;
  key: string | null;
  value: string | null;
}

export interface ProgramSink {
  op(o: ProgramOp): void;
  /** A line it wrote on stderr. */
  stderr(line: string): void;
  /** It ended (tMs from the start of the load): stopped by the drill, or exited by itself. */
  ended(tMs: number, stoppedByDrill: boolean): void;
}

/** What the user's program is told about the deployment: in its environment, never on its command line (a password would show in ps). */
export interface DeploymentEnv {
  kind: 'cluster' | 'sentinel';
  nodes: { host: string; port: number }[];
  password: string | null;
  sentinels: { host: string; port: number }[];
  masterName: string | null;
}

export function programEnv(d: DeploymentEnv): Record<string, string> {
  const list = (a: { host: string; port: number }[]): string => a.map((n) => `${n.host}:${n.port}`).join(',');
  return {
    REDIS_DRILL_KIND: d.kind,
    REDIS_DRILL_NODES: list(d.nodes),
    ...(d.password !== null ? { REDIS_DRILL_PASSWORD: d.password } : {}),
    ...(d.kind === 'sentinel'
      ? { REDIS_DRILL_SENTINELS: list(d.sentinels), REDIS_DRILL_MASTER_NAME: d.masterName ?? '' }
      : {}),
  };
}

/** One line the program printed, ms from the start of the load. */
export interface ProgramLine {
  tMs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A program that prints JSON lines {"op":..,"ok":..,"error":..} gets its own series: per second, operations that succeeded and failed. */
export interface ProgramSeries {
  ok: number;
  errors: number;
  windows: { tMs: number; ok: number; errors: number }[];
  lastError: string | null;
}

export interface ProgramResult {
  name: string;
  cmd: string;
  cwd: string;
  pid: number | null;
  /** ms from the start of the load; null while it runs (it was then stopped by the drill). */
  exitedMs: number | null;
  exitCode: number | null;
  signal: string | null;
  /** Still running at the end (the drill then stopped it), or exited with code 0. */
  survived: boolean;
  stoppedByDrill: boolean;
  linesTotal: number;
  /** The last lines (JSON lines of the series left out). */
  lines: ProgramLine[];
  stderrTail: string[];
  series: ProgramSeries | null;
}

const KEEP_LINES = 50;
const TIMELINE_LINES = 100;
const TERM_GRACE_MS = 2000;
/** sh's exit code for a command it cannot find. */
export const NOT_FOUND = 127;

/**
 * The user's own client, run with `sh -c` in its own process group beside
 * the load: its output lines are captured with their times (onto the
 * drill's timeline), and at the end it is stopped with SIGTERM, then
 * SIGKILL for the whole group, so nothing it started is left running.
 */
export class ProgramRun {
  private child: ChildProcess | null = null;
  private t0 = 0;
  private exit: { code: number | null; signal: string | null; atMs: number } | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly lines: ProgramLine[] = [];
  private readonly stderr: string[] = [];
  private readonly timelineLines: ProgramLine[] = [];
  private linesTotal = 0;
  private readonly series = new Map<number, { ok: number; errors: number }>();
  private lastError: string | null = null;
  private stoppedByDrill = false;
  private readonly clock: Clock;

  constructor(
    readonly name: string,
    private readonly spec: ProgramSpec,
    private readonly env: Record<string, string>,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
  }

  start(t0: number): void {
    this.t0 = t0;
    const child = spawn('sh', ['-c', this.spec.cmd], {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.env, ...this.spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('error', (e) => {
        this.note('stderr', e.message);
        this.exit ??= { code: null, signal: null, atMs: this.now() };
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exit ??= { code, signal, atMs: this.now() };
        resolve();
      });
    });
    for (const [stream, s] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const)
      createInterface({ input: s }).on('line', (line) => this.note(stream, line));
  }

  get command(): string {
    return this.spec.cmd;
  }

  /** Its last lines on stderr. */
  get stderrTail(): string[] {
    return this.stderr.slice(-10);
  }

  /** How it ended before the drill stopped it, or null while it runs. */
  get ended(): { code: number | null; signal: string | null; atMs: number } | null {
    return this.exit;
  }

  /** Stops it if it still runs (SIGTERM to its group, SIGKILL after a grace period) and returns what it did. */
  async stop(): Promise<ProgramResult> {
    const pid = this.child?.pid ?? null;
    if (pid !== null && this.exit === null) {
      this.stoppedByDrill = true;
      signalGroup(pid, 'SIGTERM');
      const graceful = await Promise.race([
        this.exited.then(() => true),
        this.clock.sleep(TERM_GRACE_MS).then(() => false),
      ]);
      if (!graceful) signalGroup(pid, 'SIGKILL');
      await this.exited;
    }
    // Whatever the group still holds (a child it started in the background) goes too.
    if (pid !== null) signalGroup(pid, 'SIGKILL');
    const e = this.exit;
    this.spec.sink?.ended(Math.round(e?.atMs ?? this.now()), this.stoppedByDrill);
    return {
      name: this.name,
      cmd: this.spec.cmd,
      cwd: this.spec.cwd,
      pid,
      exitedMs: this.stoppedByDrill || !e ? null : Math.round(e.atMs),
      exitCode: this.stoppedByDrill ? null : (e?.code ?? null),
      signal: this.stoppedByDrill ? null : (e?.signal ?? null),
      survived: this.stoppedByDrill || e?.code === 0,
      stoppedByDrill: this.stoppedByDrill,
      linesTotal: this.linesTotal,
      lines: this.lines.slice(-KEEP_LINES),
      stderrTail: this.stderr.slice(-10),
      series: this.series.size ? seriesOf(this.series, this.lastError) : null,
    };
  }

  /** Its output and its start and exit on the drill's timeline (the first lines of output only). */
  events(): DrillEvent[] {
    const at = (tMs: number): number => this.t0 + tMs;
    const out: DrillEvent[] = [
      {
        tMs: 0,
        at: this.t0,
        node: this.name,
        source: 'client',
        kind: 'client-started',
        detail: `sh -c ${this.spec.cmd}`,
      },
    ];
    for (const l of this.timelineLines)
      out.push({
        tMs: 0,
        at: at(l.tMs),
        node: this.name,
        source: 'client',
        kind: 'client-output',
        detail: `${l.stream}: ${l.text}`,
      });
    const e = this.exit;
    if (e && !this.stoppedByDrill)
      out.push({
        tMs: 0,
        at: at(e.atMs),
        node: this.name,
        source: 'client',
        kind: 'client-exited',
        detail: e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`,
      });
    return out;
  }

  private now(): number {
    return this.clock.now() - this.t0;
  }

  private note(stream: 'stdout' | 'stderr', text: string): void {
    const tMs = Math.round(this.now());
    this.linesTotal++;
    if (stream === 'stderr') {
      this.stderr.push(text);
      this.spec.sink?.stderr(text);
    }
    if (stream === 'stdout' && this.countJsonLine(tMs, text)) return;
    const line = { tMs, stream, text: text.slice(0, 500) };
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES * 2) this.lines.splice(0, KEEP_LINES);
    if (this.timelineLines.length < TIMELINE_LINES) this.timelineLines.push(line);
    if (this.stderr.length > 100) this.stderr.splice(0, 50);
  }

  /** {"op":..,"ok":true|false,"error":..}: counted into its per-second series instead of kept as text. */
  private countJsonLine(tMs: number, text: string): boolean {
    if (!text.startsWith('{')) return false;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof v !== 'object' || v === null || typeof (v as { ok?: unknown }).ok !== 'boolean') return false;
    const { ok, error } = v as { ok: boolean; error?: unknown };
    this.spec.sink?.op(opOf(tMs, v as Record<string, unknown>));
    const second = Math.floor(tMs / 1000) * 1000;
    const w = this.series.get(second) ?? { ok: 0, errors: 0 };
    if (ok) w.ok++;
    else {
      w.errors++;
      if (typeof error === 'string') this.lastError = error;
    }
    this.series.set(second, w);
    return true;
  }
}

const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);

function opOf(tMs: number, v: Record<string, unknown>): ProgramOp {
  return {
    tMs,
    ok: v.ok === true,
    ms: typeof v.ms === 'number' && Number.isFinite(v.ms) ? v.ms : null,
    error: str(v.error),
    op: str(v.op),
    key: str(v.key),
    value: str(v.value),
  };
}

function seriesOf(
  windows: ReadonlyMap<number, { ok: number; errors: number }>,
  lastError: string | null,
): ProgramSeries {
  const list = [...windows].sort((a, b) => a[0] - b[0]).map(([tMs, w]) => ({ tMs, ...w }));
  return {
    ok: list.reduce((n, w) => n + w.ok, 0),
    errors: list.reduce((n, w) => n + w.errors, 0),
    windows: list,
    lastError,
  };
}

/** Its own group only (the pid we started leads it); a group already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Before anything is created: the command's first word must be something the shell can run (a missing program is exit 2, not a broken cluster). */
export async function checkProgramFound(spec: ProgramSpec): Promise<void> {
  const word = /^\s*([^\s;&|<>()$`'"]+)/.exec(spec.cmd)?.[1];
  // Anything fancier than "program args" (quotes, variables, subshells) is left to the shell.
  if (!word || /=/.test(word)) return;
  const found = await new Promise<boolean>((resolve) => {
    const c = spawn('sh', ['-c', 'command -v -- "$1" >/dev/null', 'sh', word], { cwd: spec.cwd, stdio: 'ignore' });
    c.once('error', () => resolve(false));
    c.once('exit', (code) => resolve(code === 0));
  });
  if (!found)
    throw new UsageError(`--client-cmd: "${word}" was not found (in "${spec.cmd}")`, {
      hint: "check the spelling and PATH; the command runs with sh -c from the scenario file's directory (failover-report: the current one)",
    });
}
