import { Worker } from 'node:worker_threads';
import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import { observed } from '../deployment/lookup.js';
import { CheckFailedError, EnvironmentError, UsageError } from '../errors.js';
import { ObserverMirror } from '../instruments/mirror.js';
import type { FromInstruments, InstrumentsConfig, InstrumentsResult, ToInstruments } from '../instruments/protocol.js';
import type { DrillEvent } from '../observe/events.js';
import type { PollCadence } from '../observe/cadence.js';
import type { Clock } from '../util/clock.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { StaleWritesResult } from '../workload/stale-writes.js';
import { WORKER_LIMITS, programUrl } from '../util/program-url.js';

/** What the instruments measured, once stopped. */
export interface Measured {
  availability: AvailabilityResult;
  stale: StaleWritesResult | null;
  events: DrillEvent[];
  cadence: PollCadence;
}

/**
 * The drill's measuring instruments, in a thread of their own
 * (src/instruments/worker.ts): the observer, the write probe and, on
 * Sentinel, the stale-master writer. Nothing the main thread does (the
 * load's clients, the steps, building the report) can delay their writes
 * or their polls; the main thread sees their answers through the mirror.
 */
export class Instruments {
  readonly observer: ObserverMirror;
  private readonly worker: Worker;
  private readonly waiting = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
  private catchUps = 0;
  private closed = false;

  constructor(
    private readonly d: Deployment,
    private readonly before: SlotMap,
    clock: Clock,
    private readonly probe?: { intervalMs: number; deadlineMs: number },
  ) {
    this.observer = new ObserverMirror(
      clock,
      (kind, at) => this.post({ t: 'fault', kind, at }),
      () => {
        const id = ++this.catchUps;
        this.post({ t: 'catchUp', id });
        return this.expect(`caughtUp ${id}`).then(() => undefined);
      },
    );
    this.worker = new Worker(programUrl('instruments/worker'), { resourceLimits: WORKER_LIMITS });
    this.worker.on('message', (m: FromInstruments) => this.receive(m));
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => {
      this.closed = true;
      this.failAll(new Error(`the instruments' thread ended (exit code ${code})`));
    });
  }

  /** Watching begins (a first poll of every node, the logs from their end), and the probe opens its connections. */
  async open(): Promise<void> {
    const config: InstrumentsConfig = {
      kind: this.d.ops.kind,
      nodes: observed(this.d).map((n) => ({
        address: { host: n.address.host, port: n.address.port },
        log: n.log ? { host: n.log.host.name, path: n.log.path } : null,
        probe: n.probe,
      })),
      sshHosts: Object.fromEntries(Object.entries(this.d.state?.hosts ?? {}).map(([name, h]) => [name, h.ssh])),
      connect: this.d.connect,
      before: this.before,
      probe: this.probe,
    };
    this.post({ t: 'open', config });
    const ready = (await this.expect('ready')) as Extract<FromInstruments, { t: 'ready' }>;
    this.observer.clockNoteText = ready.clockNote;
    this.observer.intervalMs = ready.intervalMs;
  }

  /** Writing begins, on the load's clock (ms from `loadStart`). */
  start(loadStart: number): void {
    this.post({ t: 'start', loadStart });
  }

  async stop(): Promise<Measured> {
    try {
      this.post({ t: 'stop' });
      const { result } = (await this.expect('stopped')) as { result: InstrumentsResult };
      this.observer.setLogLines(result.logLines);
      return {
        availability: result.availability,
        stale: result.stale,
        cadence: result.cadence,
        events: this.observer.timeline(),
      };
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }

  private post(m: ToInstruments): void {
    if (!this.closed) this.worker.postMessage(m);
  }

  private expect(what: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiting.set(what, { resolve, reject }));
  }

  private receive(m: FromInstruments): void {
    if (m.t === 'batch') return this.observer.receive(m.events, m.probes);
    if (m.t === 'failed') return this.failAll(rebuild(m));
    const key = m.t === 'caughtUp' ? `caughtUp ${m.id}` : m.t;
    this.waiting.get(key)?.resolve(m);
    this.waiting.delete(key);
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

/** The instruments' thread's error as the main thread throws it: the same exit code, reason and hint. */
function rebuild(m: Extract<FromInstruments, { t: 'failed' }>): Error {
  const o = { hint: m.hint };
  if (m.exitCode === 2) return new UsageError(m.message, o);
  if (m.exitCode === 3) return new EnvironmentError(m.message, o);
  if (m.exitCode === 1) return new CheckFailedError(m.message, o);
  const e = new Error(m.message);
  e.name = m.name;
  return e;
}
