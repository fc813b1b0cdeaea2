import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import type { DrillEvent } from '../observe/events.js';
import type { Clock } from '../util/clock.js';
import type { LoadTarget } from '../workload/client.js';
import { kvMixFor } from '../workload/loads.js';
import { parseMix } from '../workload/options.js';
import { ProgramRun, type ProgramResult, programEnv } from '../workload/program-run.js';
import { SideLoads, type SideLoadResults } from '../workload/side-loads.js';
import { kvLoad } from '../workload/kv-load.js';
import type { KvLoad } from '../workload/workload-types.js';
import type { WorkloadResult } from '../workload/workload-types.js';
import { refuseEarlyExit } from './programs.js';
import type { DrillSpec } from './spec.js';

const STEADY_MS = 1000;
export const STEADY_MAX_MS = 15_000;

/** What the loads did, once stopped. */
export interface Loaded {
  result: WorkloadResult;
  side: SideLoadResults;
  programs: ProgramResult[];
}

/**
 * Everything that loads the deployment during a drill: the key-value load
 * (consistency counters on), the lock and pub/sub loads, and the user's own
 * programs. One start, one stop; the drill's steps run between.
 */
/** What a client of the deployment connects to. Plain addresses: the load runs in threads of its own, and a node's process handle cannot cross to them. */
export function loadTargetOf(d: Deployment): LoadTarget {
  const sentinel = d.masterName
    ? { sentinels: d.sentinels.map((s) => ({ host: s.host, port: s.port })), masterName: d.masterName }
    : undefined;
  return { seeds: d.nodes.map((n) => ({ host: n.host, port: n.port })), sentinel, password: d.connect.password };
}

export class LoadSet {
  readonly workload: KvLoad;
  private readonly side: SideLoads;
  private readonly programs: ProgramRun[];
  private running: Promise<WorkloadResult> | null = null;
  private sideStarted: Promise<void> = Promise.resolve();

  constructor(
    d: Deployment,
    private readonly spec: DrillSpec,
    private readonly serving: SlotMap['masters'],
    clock: Clock,
  ) {
    const l = spec.load;
    const target = loadTargetOf(d);
    // Without the kv or set kind the key-value load has no clients; the other kinds run beside it.
    const kvMix = kvMixFor(l.kinds, l.mix);
    this.workload = kvLoad({
      ...target,
      clients: kvMix === null ? 0 : l.clients,
      durationMs: Number.MAX_SAFE_INTEGER,
      mix: parseMix(kvMix ?? l.mix),
      keyspace: l.keyspace,
      valueSize: l.valueSize,
      rateOps: kvMix === null ? undefined : l.rate,
      check: true,
      abortSignal: d.abortSignal,
      clock,
    });
    this.side = new SideLoads(l.kinds, target, { lock: l.lock, pubsub: l.pubsub, clock });
    // Each master's slots apart: a failover makes one master's slots unavailable, not the whole cluster.
    this.workload.watchSlotGroups(serving.map((m) => m.slots));
    const env = programEnv({
      kind: d.ops.kind,
      nodes: d.nodes,
      password: d.connect.password,
      sentinels: d.sentinels,
      masterName: d.masterName,
    });
    this.programs = spec.programs.map(
      (p, i) => new ProgramRun(p.name ?? (spec.programs.length > 1 ? `client ${i + 1}` : 'client'), p, env, clock),
    );
  }

  /** Starts the key-value load's threads; returns its zero (local clock, epoch ms), which the other loads share. */
  async startKv(): Promise<number> {
    const { t0, done } = await this.workload.begin();
    this.running = done;
    return t0;
  }

  /** The programs and the side loads, on the same zero. */
  async startOthers(loadStart: number): Promise<void> {
    for (const program of this.programs) program.start(loadStart);
    this.sideStarted = this.side.start(loadStart);
    await this.sideStarted;
  }

  /** A program of the user's that already ended gives nothing to judge: no fault is sent. */
  refuseEarlyExits(): void {
    for (const program of this.programs) refuseEarlyExit(program);
  }

  /**
   * Waits until a full second had operations, every operation sent before
   * its end has its answer, and none failed since it began (at most 15 s);
   * false if it never did. An operation that hung through the second (a
   * dead master's) keeps the second from counting until it is answered, and
   * its error then counts.
   */
  async untilSteady(clock: Clock, abortSignal?: AbortSignal): Promise<boolean> {
    const w = this.workload;
    const until = clock.now() + STEADY_MAX_MS;
    // The second must lie after the last step, not reach back before the fault.
    const after = w.now();
    while (clock.now() < until) {
      await clock.sleep(200, abortSignal);
      const second = steadySecond(w, after);
      if (second && this.side.steadyBetween(second.from, second.to)) return true;
    }
    return false;
  }

  /** What the load's client last said per error class, for a check's detail. */
  lastError(): string {
    const said = [...this.workload.lastErrors()].map(([cls, message]) => `${cls}: ${message}`);
    return said.length ? `the client's last errors: ${said.join('; ')}` : 'no operation completed';
  }

  /** The load's gap on a master's slots (closed loop), by its index in the slot map before. */
  gapOf(masterIndex: number): WorkloadResult['longestGap'] | null {
    return this.workload.watchedGap(this.serving.findIndex((m) => m.index === masterIndex));
  }

  /** Stops the loads; the counters are read back (for at most `verifyTimeoutMs` when the slots may stay unserved). */
  async stop(verifyTimeoutMs: number | undefined): Promise<Omit<Loaded, 'programs'>> {
    this.workload.stop({ verifyTimeoutMs });
    await this.sideStarted.catch(() => undefined);
    const [result, side] = await Promise.all([this.running!, this.side.stop()]);
    return { result, side };
  }

  /** The user's programs never outlive the drill, whatever happened. */
  stopPrograms(): Promise<ProgramResult[]> {
    return Promise.all(this.programs.map((p) => p.stop()));
  }

  programEvents(): DrillEvent[] {
    return this.programs.flatMap((p) => p.events());
  }

  /** "20 clients" or "20 clients + lock + pubsub": what the warm-up line names. */
  describe(): string {
    const l = this.spec.load;
    const kv = kvMixFor(l.kinds, l.mix) === null ? [] : [`${l.clients} clients`];
    const n = this.spec.programs.length;
    const own = n ? [`${n} client program${n > 1 ? 's' : ''}`] : [];
    return [...kv, ...l.kinds.filter((k) => k === 'lock' || k === 'pubsub'), ...own].join(' + ');
  }
}

/**
 * The last full second of the key-value load whose every operation has its
 * answer, if it began at or after `after`, had operations, and nothing failed
 * from its start to now; otherwise null. It ends at a 100 ms boundary no later
 * than the oldest operation still waiting was sent, and than the load last
 * told (a threaded load's counts are up to 100 ms old). Pure over what the
 * load says.
 */
export function steadySecond(
  w: Pick<KvLoad, 'clients' | 'now' | 'waiting' | 'opsBetween' | 'errorsBetween'>,
  after: number,
): { from: number; to: number } | null {
  const waiting = w.waiting();
  const to = Math.floor(Math.min(w.now(), waiting.asOfMs, waiting.sinceMs ?? Infinity) / 100) * 100;
  const from = to - STEADY_MS;
  if (from < after) return null;
  if (w.clients === 0) return { from, to };
  return w.opsBetween(from, to) > 0 && w.errorsBetween(from, w.now() + 100) === 0 ? { from, to } : null;
}
