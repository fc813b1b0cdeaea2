import type { NodeProbe } from '../cluster/probe.js';
import type { DrillEvent, EventKind } from '../observe/events.js';
import type { ObserverView } from '../observe/observer.js';
import type { Clock } from '../util/clock.js';
import { type Probe, type WaitOptions, waitUntil } from '../util/wait.js';
import type { ProbeUpdate } from './protocol.js';

/**
 * The observer as the main thread sees it: the instruments' thread polls
 * and reads the logs; this mirror holds the latest answers and the events
 * it sent, and adds the drill's own marks (a fault, a heal, a note) with
 * the main thread's clock: the moment a fault is sent is known here.
 */
export class ObserverMirror implements ObserverView {
  readonly events: DrillEvent[] = [];
  private readonly latest: (NodeProbe | undefined)[] = [];
  private snap: NodeProbe[] | null = null;
  private faultAt: number | null = null;
  private lines: Record<string, { at: number; raw: string }[]> = {};
  clockNoteText = '';
  intervalMs = 50;

  constructor(
    private readonly clock: Clock,
    /** Tells the instruments' thread about a mark (its "first seen" flags start again). */
    private readonly marked: (kind: 'fault' | 'heal', at: number) => void,
    /** Asks the instruments' thread to read every log now; resolves once what it read has arrived here. */
    private readonly catchUp: () => Promise<void>,
  ) {}

  /** What the instruments' thread saw since its last batch. */
  receive(events: readonly DrillEvent[], probes: readonly ProbeUpdate[]): void {
    this.events.push(...events);
    for (const u of probes) {
      const view = u.sameView ? (this.latest[u.index]?.view ?? null) : (u.probe.view ?? null);
      this.latest[u.index] = { ...u.probe, view };
    }
    if (probes.length) this.snap = null;
  }

  /** Every log line, once the instruments have stopped (during the drill, quotes come from the report). */
  setLogLines(lines: Record<string, { at: number; raw: string }[]>): void {
    this.lines = lines;
  }

  snapshot(): NodeProbe[] {
    return (this.snap ??= this.latest.filter((p): p is NodeProbe => p !== undefined));
  }

  waitFor<T>(
    condition: (probes: NodeProbe[]) => Probe<T>,
    options: Omit<WaitOptions, 'clock' | 'intervalMs'>,
  ): Promise<T> {
    return waitUntil(() => Promise.resolve(condition(this.snapshot())), {
      ...options,
      clock: this.clock,
      // The answers arrive as they come: checking at a fifth of the poll interval notices them promptly.
      intervalMs: Math.max(5, this.intervalMs / 5),
    });
  }

  markFault(kind: 'fault' | 'heal' = 'fault'): number {
    const at = this.clock.now();
    if (kind === 'fault') this.faultAt = at;
    this.marked(kind, at);
    this.events.push({ tMs: 0, at, node: '', source: 'poll', kind, detail: '' });
    return at;
  }

  describeFault(node: string, detail: string, kind: 'fault' | 'heal' = 'fault'): void {
    const e = this.events.findLast((x) => x.kind === kind && x.source === 'poll' && x.node === '');
    if (e) Object.assign(e, { node, detail });
  }

  note(node: string, kind: EventKind, detail: string): void {
    this.events.push({ tMs: 0, at: this.clock.now(), node, source: 'poll', kind, detail });
  }

  timeline(): DrillEvent[] {
    const t0 = this.faultAt ?? this.events[0]?.at ?? 0;
    return [...this.events].sort((a, b) => a.at - b.at).map((e) => ({ ...e, tMs: Math.round(e.at - t0) }));
  }

  catchUpLogs(): Promise<void> {
    return this.catchUp();
  }

  logLines(address: { host: string; port: number }, from: number, to: number): string[] {
    return (this.lines[`${address.host}:${address.port}`] ?? [])
      .filter((l) => l.at >= from - 1 && l.at <= to + 1)
      .map((l) => l.raw);
  }

  clockNote(): string {
    return this.clockNoteText;
  }
}
