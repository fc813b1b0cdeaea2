import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Host, Stream } from '../hosts/host.js';
import { CLOCK_NOTE } from './clock-note.js';
import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { type NodeProbe, type ProbeKind, ProbeConnection } from '../cluster/probe.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Probe, type WaitOptions, waitUntil } from '../util/wait.js';
import { GapCounts, type PollCadence, defaultPollInterval } from './cadence.js';
import type { DrillEvent, EventKind } from './events.js';
import { LogFollower } from './log-follower.js';
import { pollEvents } from './poll-diff.js';
import { followSentinelEvents } from './sentinel-follower.js';

export interface ObservedNode {
  address: Address;
  /** Where its log is, when redis-drill started it (null for --seed clusters). */
  log: { host: Host; path: string } | null;
  /** What it is asked (default: a cluster node). */
  probe?: ProbeKind;
}

export interface ObserverOptions {
  connect: ConnectOptions;
  intervalMs?: number;
  clock?: Clock;
  /** Told of each event and each answer as it comes (the instruments' thread forwards them to the main thread). */
  listener?: { event(e: DrillEvent): void; poll(index: number, probe: NodeProbe): void };
}

interface NodeTrack {
  node: ObservedNode;
  index: number;
  label: string;
  /** One connection per node for the whole watch. */
  connection: ProbeConnection;
  last: NodeProbe | null;
  /**
   * The latest poll that got an answer. A role change that happens while a poll fails (Sentinel's
   * SLAVEOF NO ONE comes with CLIENT KILL, which closes our connection at that very moment) is
   * found by comparing with it, instead of being lost between a node-down and a node-up.
   */
  answered: NodeProbe | null;
  /** When its latest poll finished (local clock), for the gap to the next one. */
  polledAt: number | null;
  /** Its log, when redis-drill started it. */
  log: LogFollower | null;
}

/** What faults and drill steps use of a running observer (a fake stands in for it in the engine's unit tests). */
export type ObserverView = Pick<
  Observer,
  | 'events'
  | 'snapshot'
  | 'waitFor'
  | 'markFault'
  | 'describeFault'
  | 'note'
  | 'timeline'
  | 'catchUpLogs'
  | 'logLines'
  | 'clockNote'
>;

/**
 * The observation engine: polls CLUSTER NODES / CLUSTER INFO / INFO
 * replication on every node (every 50 ms by default) and follows every
 * node's log from its current end, turning both into typed, timestamped
 * events. Each node has its own loop, so a frozen node slows nobody else.
 */
export class Observer {
  readonly events: DrillEvent[] = [];
  private readonly tracks: NodeTrack[];
  private readonly clock: Clock;
  private readonly interval: number;
  private readonly gaps = new GapCounts();
  private readonly seen = new Set<string>();
  private latest: NodeProbe[] | null = null;
  private polls = 0;
  private readonly answers = new GapCounts();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private loops: Promise<void>[] = [];
  /** One log stream per remote host (see streamLogs). */
  private streams: Stream[] = [];
  /** One Pub/Sub connection per sentinel (PSUBSCRIBE *). */
  private readonly subscribers: { disconnect(): void }[] = [];
  private stopped = false;
  private faultAt: number | null = null;

  constructor(
    nodes: readonly ObservedNode[],
    private readonly o: ObserverOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.interval = o.intervalMs ?? defaultPollInterval(nodes.length);
    this.tracks = nodes.map((node, index) => ({
      node,
      index,
      label: formatAddress(node.address),
      connection: new ProbeConnection(node.address, { ...o.connect, name: 'redis-drill:observer' }, node.probe),
      last: null,
      answered: null,
      polledAt: null,
      log: node.log
        ? new LogFollower(
            node.log.host,
            node.log.path,
            formatAddress(node.address),
            () => this.clock.now(),
            (e) => this.push(e),
          )
        : null,
    }));
  }

  /** Starts following logs from their current end and polling; resolves after the first round. */
  async start(): Promise<void> {
    await Promise.all(this.tracks.map((t) => t.log?.open() ?? Promise.resolve()));
    this.streams = await streamLogs(this.tracks.flatMap((t) => (t.log ? [t.log] : [])));
    // Closed while starting (an interrupt): what came up since is closed too.
    if (this.stopped) return this.close();
    await Promise.all([
      ...this.tracks.map((t) => this.pollOnce(t)),
      ...this.tracks.filter((t) => t.node.probe?.kind === 'sentinel').map((t) => this.subscribe(t)),
    ]);
    if (this.stopped) return this.close();
    this.loops = this.tracks.map((t) => this.loop(t));
    this.loopDelay.enable();
  }

  /** Stops without reading anything more (a command interrupted while the observer started): connections and streams are closed. */
  close(): void {
    this.stopped = true;
    this.loopDelay.disable();
    for (const t of this.tracks) t.connection.close();
    for (const s of this.subscribers.splice(0)) s.disconnect();
    for (const s of this.streams.splice(0)) s.close();
  }

  /**
   * Marks the moment of the fault, just before it is done: event times are
   * counted from here. describeFault() names it once it has happened.
   */
  markFault(kind: 'fault' | 'heal' = 'fault'): number {
    const at = this.clock.now();
    this.faultMarked(kind, at);
    this.push({ at, node: '', source: 'poll', kind, detail: '' });
    return at;
  }

  /** A fault (or heal) was marked at `at`, by this observer or by the thread that sent it. */
  faultMarked(kind: 'fault' | 'heal', at: number): void {
    // The timeline counts from the fault; a heal is a moment on it, not a new zero.
    if (kind === 'fault') this.faultAt = at;
    // A later fault may break a node an earlier one broke: its first flags count again.
    this.seen.clear();
  }

  describeFault(node: string, detail: string, kind: 'fault' | 'heal' = 'fault'): void {
    const e = this.events.findLast((x) => x.kind === kind);
    if (e) Object.assign(e, { node, detail });
  }

  /** Something the drill itself did at this moment, on the timeline (e.g. a retried action). */
  note(node: string, kind: EventKind, detail: string): void {
    this.push({ at: this.clock.now(), node, source: 'poll', kind, detail });
  }

  /** The latest poll of every node (the same array until the next poll ends: callers must not change it). */
  snapshot(): NodeProbe[] {
    return (this.latest ??= this.tracks.flatMap((t) => (t.last ? [t.last] : [])));
  }

  /** Waits until `condition` over the latest polls is met (checked every interval). */
  waitFor<T>(
    condition: (probes: NodeProbe[]) => Probe<T>,
    options: Omit<WaitOptions, 'clock' | 'intervalMs'>,
  ): Promise<T> {
    return waitUntil(() => Promise.resolve(condition(this.snapshot())), {
      ...options,
      clock: this.clock,
      intervalMs: this.interval,
    });
  }

  /** Stops polling, closes its connections, reads the logs' last lines and returns the events in time order. */
  async stop(): Promise<DrillEvent[]> {
    this.stopped = true;
    this.loopDelay.disable();
    await Promise.all(this.loops);
    for (const t of this.tracks) t.connection.close();
    for (const s of this.subscribers.splice(0)) s.disconnect();
    await Promise.all(this.tracks.map((t) => t.log?.read(true) ?? Promise.resolve()));
    for (const s of this.streams.splice(0)) s.close();
    return this.timeline();
  }

  /**
   * How well polling kept up: the time between two polls of the same node,
   * over every node (median, p99, max) against the configured interval. A
   * poll of a node that does not answer waits out its deadline, so only
   * gaps between two answered polls count.
   */
  cadence(): PollCadence {
    return {
      intervalMs: this.interval,
      nodes: this.tracks.length,
      polls: this.polls,
      medianGapMs: this.gaps.percentile(0.5),
      p99GapMs: this.gaps.percentile(0.99),
      maxGapMs: this.gaps.max === null ? null : Math.round(this.gaps.max),
      maxGapNode: this.gaps.maxNode,
      medianAnswerMs: this.answers.percentile(0.5),
      p99AnswerMs: this.answers.percentile(0.99),
      eventLoopDelayP99Ms: this.loopDelay.count ? Math.round(this.loopDelay.percentile(99) / 1e6) : null,
      mainLoopDelayP99Ms: null,
    };
  }

  timeline(): DrillEvent[] {
    const t0 = this.faultAt ?? this.events[0]?.at ?? 0;
    return [...this.events].sort((a, b) => a.at - b.at).map((e) => ({ ...e, tMs: Math.round(e.at - t0) }));
  }

  /** Every log line read so far, per node, on this machine's clock (what the main thread quotes from). */
  allLogLines(): Record<string, { at: number; raw: string }[]> {
    return Object.fromEntries(this.tracks.flatMap((t) => (t.log ? [[t.label, t.log.localLines()]] : [])));
  }

  /** A node's raw log lines between two local-clock times (what a lab report quotes). */
  logLines(address: Address, from: number, to: number): string[] {
    return this.tracks.find((x) => x.label === formatAddress(address))?.log?.between(from, to) ?? [];
  }

  /** Where the times come from, in words, for the report. */
  clockNote(): string {
    const remote = new Map(this.tracks.flatMap((t) => (t.log?.host.remote ? [[t.log.host.name, t.log.clock]] : [])));
    if (remote.size === 0) return CLOCK_NOTE;
    const offsets = [...remote].map(([name, c]) =>
      Number.isFinite(c.uncertaintyMs)
        ? `${name} ${c.offsetMs >= 0 ? '+' : ''}${c.offsetMs} ms (±${c.uncertaintyMs} ms)`
        : `${name} unknown (its date has no %N), not corrected`,
    );
    return `Times are milliseconds from the fault on this machine's clock. Log times are each server's own millisecond timestamps, moved onto this machine's clock by the host's offset measured over SSH when the watch began: ${offsets.join(', ')}.`;
  }

  /**
   * Polls start every interval (fixed rate): a slow answer shortens the
   * wait before the next poll instead of adding to it. A fifth of the
   * interval is always left between polls, so a busy machine is not
   * polled back to back.
   */
  private async loop(t: NodeTrack): Promise<void> {
    let started = this.clock.now();
    while (!this.stopped) {
      await this.clock.sleep(Math.max(this.interval / 5, this.interval - (this.clock.now() - started)));
      if (this.stopped) break;
      started = this.clock.now();
      await this.pollOnce(t);
    }
  }

  private async pollOnce(t: NodeTrack): Promise<void> {
    // The log is read beside the poll, not waited for: its lines carry their own times, and a slow
    // read (the thread pool is shared) must not delay the poll. stop() and catchUpLogs() wait for it.
    void t.log?.read().catch(() => undefined);
    const sent = this.clock.now();
    const probe = await t.connection.probe();
    const at = this.clock.now();
    this.polls++;
    if (probe.up) this.answers.add(at - sent, t.label);
    // Cadence is the observer's own pace: a node that did not answer (dead, frozen) waits out its deadline, which says nothing of it.
    if (t.polledAt !== null && probe.up && t.last?.up) this.gaps.add(at - t.polledAt, t.label);
    t.polledAt = at;
    const seen = pollEvents(t.label, t.last, probe, at, t.answered);
    for (const e of seen.events) this.push(e);
    for (const o of seen.once) this.once(o.key, o.event);
    t.last = probe;
    this.latest = null;
    this.o.listener?.poll(t.index, probe);
    if (probe.up) t.answered = probe;
  }

  private push(e: Omit<DrillEvent, 'tMs'>): void {
    const event = { ...e, tMs: 0 };
    this.events.push(event);
    this.o.listener?.event(event);
  }

  /** Only the first of each kind of observation, e.g. the first node to flag X as fail?. */
  private once(key: string, e: Omit<DrillEvent, 'tMs'>): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.push(e);
  }

  private async subscribe(t: NodeTrack): Promise<void> {
    const sub = await followSentinelEvents(
      t.node.address,
      t.label,
      this.o.connect,
      () => this.clock.now(),
      (e) => this.push(e),
    );
    this.subscribers.push(sub);
  }

  /**
   * Reads every log up to now, whatever the remote interval: the lines
   * behind a condition just met (e.g. "Failover election won") may not have
   * been read yet on an SSH host.
   */
  async catchUpLogs(): Promise<void> {
    await Promise.all(this.tracks.map((t) => t.log?.read(true) ?? Promise.resolve()));
  }
}

/**
 * Streams the logs of each host that can (SSH: one channel per host for all
 * its nodes' logs). A host whose stream cannot start, ends or stalls is
 * read on demand as before; no line is lost or taken twice, since both say
 * where their bytes start.
 */
async function streamLogs(logs: readonly LogFollower[]): Promise<Stream[]> {
  const byHost = new Map<Host, LogFollower[]>();
  for (const l of logs) if (l.host.follow) byHost.set(l.host, [...(byHost.get(l.host) ?? []), l]);
  const started = await Promise.all(
    [...byHost].map(async ([host, followers]) => {
      try {
        const stream = await host.follow!(
          followers.map((f) => ({ path: f.path, offset: f.offset })),
          (i, at, bytes) => followers[i]?.take(at, bytes),
        );
        for (const f of followers) f.stream = stream;
        return [stream];
      } catch {
        return [];
      }
    }),
  );
  return started.flat();
}
