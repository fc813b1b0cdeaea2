import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ClockOffset, Host } from '../hosts/host.js';
import { CLOCK_NOTE } from './clock-note.js';
import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { type NodeProbe, type ProbeKind, ProbeConnection, myselfOf } from '../cluster/probe.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Probe, type WaitOptions, waitUntil } from '../util/wait.js';
import type { DrillEvent, EventKind } from './events.js';
import { classifyLogMessage, parseLogLine, type LogLine } from './log-parser.js';
import { parseSentinelEvent } from '../sentinel/events.js';

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
}

/**
 * How often a log is read between catch-ups. Log lines carry their own
 * times, so reading less often loses no precision: over SSH each read is a
 * round trip; locally each is a stat at least, which a hundred-node
 * observer polling every 50 ms would make 2,000 times a second.
 */
const LOG_INTERVAL_MS = 250;

interface NodeTrack {
  node: ObservedNode;
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
  logOffset: number;
  logCarry: string;
  /** The log's host clock minus ours; subtracted from log times. */
  clock: ClockOffset;
  lastLogRead: number;
  /** The read in progress (see readLog). */
  logReading: Promise<void>;
  lines: LogLine[];
}

/**
 * The observation engine: polls CLUSTER NODES / CLUSTER INFO / INFO
 * replication on every node (every 50 ms by default) and follows every
 * node's log from its current end, turning both into typed, timestamped
 * events. Each node has its own loop, so a frozen node slows nobody else.
 */
/**
 * Gaps between polls in 1 ms buckets (the last one: 60 s and more): a soak
 * polls millions of times, and this stays the same size however long it runs.
 */
export class GapCounts {
  private readonly buckets = new Uint32Array(60_001);
  count = 0;
  max: number | null = null;
  maxNode: string | null = null;

  add(gapMs: number, node: string): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(gapMs)))]!++;
    this.count++;
    if (this.max === null || gapMs > this.max) [this.max, this.maxNode] = [gapMs, node];
  }

  /** Nearest rank, to the millisecond. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let ms = 0; ms < this.buckets.length; ms++) if ((seen += this.buckets[ms]!) >= rank) return ms;
    return this.buckets.length - 1;
  }
}

/** How closely the observer kept its poll interval (see Observer.cadence). */
export interface PollCadence {
  intervalMs: number;
  nodes: number;
  polls: number;
  medianGapMs: number | null;
  p99GapMs: number | null;
  maxGapMs: number | null;
  maxGapNode: string | null;
  /** How long the answered polls took, send to answer: the nodes' share of the gap. */
  medianAnswerMs: number | null;
  p99AnswerMs: number | null;
  /** redis-drill's own share: how late its event loop ran timers (p99, perf_hooks.monitorEventLoopDelay). */
  eventLoopDelayP99Ms: number | null;
}

/**
 * 50 ms per node, but no more than about 1,000 polls a second in all: each
 * poll is four commands the node must answer, so a hundred nodes polled
 * every 50 ms (2,000 polls a second) load the cluster being measured and
 * the machine, and then no poll keeps its interval. 100 nodes: every 100 ms.
 */
export function defaultPollInterval(nodes: number): number {
  return Math.max(50, nodes);
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
    this.tracks = nodes.map((node) => ({
      node,
      label: formatAddress(node.address),
      connection: new ProbeConnection(node.address, { ...o.connect, name: 'redis-drill:observer' }, node.probe),
      last: null,
      answered: null,
      polledAt: null,
      logOffset: 0,
      logCarry: '',
      clock: { offsetMs: 0, uncertaintyMs: 0 },
      lastLogRead: 0,
      logReading: Promise.resolve(),
      lines: [],
    }));
  }

  /** Starts following logs from their current end and polling; resolves after the first round. */
  async start(): Promise<void> {
    await Promise.all(
      this.tracks.map(async (t) => {
        if (!t.node.log) return;
        t.clock = await t.node.log.host.clockOffset();
        t.logOffset = (await t.node.log.host.readFrom(t.node.log.path, Number.MAX_SAFE_INTEGER)).size;
      }),
    );
    await Promise.all([
      ...this.tracks.map((t) => this.pollOnce(t)),
      ...this.tracks.filter((t) => t.node.probe?.kind === 'sentinel').map((t) => this.subscribe(t)),
    ]);
    this.loops = this.tracks.map((t) => this.loop(t));
    this.loopDelay.enable();
  }

  /**
   * Marks the moment of the fault, just before it is done: event times are
   * counted from here. describeFault() names it once it has happened.
   */
  markFault(kind: 'fault' | 'heal' = 'fault'): number {
    const at = this.clock.now();
    // The timeline counts from the fault; a heal is a moment on it, not a new zero.
    if (kind === 'fault') this.faultAt = at;
    // A later fault may break a node an earlier one broke: its first flags count again.
    this.seen.clear();
    this.push({ at, node: '', source: 'poll', kind, detail: '' });
    return at;
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
    await Promise.all(this.tracks.map((t) => this.readLog(t, true)));
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
    };
  }

  timeline(): DrillEvent[] {
    const t0 = this.faultAt ?? this.events[0]?.at ?? 0;
    return [...this.events].sort((a, b) => a.at - b.at).map((e) => ({ ...e, tMs: Math.round(e.at - t0) }));
  }

  /** A node's raw log lines between two local-clock times (what a lab report quotes). */
  logLines(address: Address, from: number, to: number): string[] {
    const t = this.tracks.find((x) => x.label === formatAddress(address));
    const local = (time: number): number => time - (t?.clock.offsetMs ?? 0);
    return (t?.lines ?? []).filter((l) => local(l.time) >= from - 1 && local(l.time) <= to + 1).map((l) => l.raw);
  }

  /** Where the times come from, in words, for the report. */
  clockNote(): string {
    const remote = new Map(
      this.tracks.filter((t) => t.node.log?.host.remote).map((t) => [t.node.log!.host.name, t.clock]),
    );
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
    void this.readLog(t).catch(() => undefined);
    const sent = this.clock.now();
    const probe = await t.connection.probe();
    const at = this.clock.now();
    this.polls++;
    if (probe.up) this.answers.add(at - sent, t.label);
    // Cadence is the observer's own pace: a node that did not answer (dead, frozen) waits out its deadline, which says nothing of it.
    if (t.polledAt !== null && probe.up && t.last?.up) this.gaps.add(at - t.polledAt, t.label);
    t.polledAt = at;
    this.diff(t, t.last, probe, at, t.answered);
    t.last = probe;
    this.latest = null;
    if (probe.up) t.answered = probe;
  }

  private push(e: Omit<DrillEvent, 'tMs'>): void {
    this.events.push({ ...e, tMs: 0 });
  }

  /** Only the first of each kind of observation, e.g. the first node to flag X as fail?. */
  private once(key: string, e: Omit<DrillEvent, 'tMs'>): void {
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.push(e);
  }

  private diff(
    t: NodeTrack,
    before: NodeProbe | null,
    after: NodeProbe,
    at: number,
    answered: NodeProbe | null = null,
  ): void {
    if (!before) return;
    const poll = (kind: EventKind, detail: string): Omit<DrillEvent, 'tMs'> => ({
      at,
      node: t.label,
      source: 'poll',
      kind,
      detail,
    });
    if (before.up && !after.up) this.push(poll('node-down', `stopped answering (${after.error})`));
    if (!before.up && after.up) this.push(poll('node-up', 'answering again'));
    // The role it had when it last answered: a change across polls that failed counts too.
    const seen = before.up ? before : answered;
    if (after.kind === 'data' && after.up && before.up) return this.replicationDiff(before, after, poll);
    if (after.kind === 'data' && after.up && seen?.up) return this.roleDiff(seen, after, poll);
    if (!after.up || !after.view) return;

    const state = after.clusterInfo?.get('cluster_state');
    if (before.up && state && state !== before.clusterInfo?.get('cluster_state'))
      this.push(poll('cluster-state', `cluster_state ${state}`));
    const me = myselfOf(after);
    const meBefore = seen?.up ? myselfOf(seen) : null;
    if (me && meBefore) {
      if (meBefore.role === 'replica' && me.role === 'master')
        this.push(
          poll('promoted', `now a master${me.slots.length ? ` of ${me.slots.map((r) => r.join('-')).join(',')}` : ''}`),
        );
      if (meBefore.role === 'master' && me.role === 'replica')
        this.push(poll('reconfigured-as-replica', `now a replica of ${me.masterId?.slice(0, 8)}`));
    }
    const link = after.replication?.get('master_link_status');
    if (before.up && link === 'up' && before.replication?.get('master_link_status') !== 'up')
      this.push(poll('link-up', 'master_link_status:up'));

    // The same view as last time (ClusterNodesCache gives back the very array): no flag changed.
    if (after.view === before.view) return;
    // By id, once: with a hundred nodes a search per peer would cost 10,000 comparisons a poll.
    const previous = new Map((before.view ?? []).map((n) => [n.id, n]));
    for (const peer of after.view) {
      if (peer.myself) continue;
      const prev = previous.get(peer.id);
      const name = peer.host ? `${peer.host}:${peer.port}` : peer.id.slice(0, 8);
      for (const flag of ['fail?', 'fail'] as const) {
        if (peer.flags.includes(flag) && !prev?.flags.includes(flag)) {
          this.once(
            `${flag} ${peer.id}`,
            poll(
              flag === 'fail?' ? 'pfail' : 'fail',
              `${name} flagged ${flag}${flag === 'fail?' ? ' (PFAIL)' : ''}, first seen by ${t.label}`,
            ),
          );
        }
      }
    }
  }

  /** A data node of a Sentinel deployment: its role and its link, from INFO replication. */
  private replicationDiff(
    before: NodeProbe,
    after: NodeProbe,
    poll: (kind: EventKind, detail: string) => Omit<DrillEvent, 'tMs'>,
  ): void {
    this.roleDiff(before, after, poll);
    const link = after.replication?.get('master_link_status');
    if (link === 'up' && before.replication?.get('master_link_status') !== 'up')
      this.push(poll('link-up', 'master_link_status:up'));
  }

  /** A data node's role change (INFO replication) between two answered polls. */
  private roleDiff(
    before: NodeProbe,
    after: NodeProbe,
    poll: (kind: EventKind, detail: string) => Omit<DrillEvent, 'tMs'>,
  ): void {
    const was = before.replication?.get('role');
    const is = after.replication?.get('role');
    if (was === 'slave' && is === 'master') this.push(poll('promoted', 'now a master'));
    if (was === 'master' && is === 'slave')
      this.push(
        poll(
          'reconfigured-as-replica',
          `now a replica of ${after.replication?.get('master_host')}:${after.replication?.get('master_port')}`,
        ),
      );
  }

  /**
   * A sentinel's Pub/Sub events: every one it publishes, including the ones
   * its log leaves out at the default level. Only those are kept (the log
   * has the others, with the server's own timestamps): -role-change.
   */
  private async subscribe(t: NodeTrack): Promise<void> {
    const { Redis } = await import('ioredis');
    const sub = new Redis({
      host: t.node.address.host,
      port: t.node.address.port,
      password: this.o.connect.password ?? undefined,
      connectionName: 'redis-drill:observer-events',
      lazyConnect: true,
      connectTimeout: this.o.connect.timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 200,
      enableOfflineQueue: false,
      disconnectTimeout: 0,
    });
    // Reconnects by itself; its errors are only the sentinel being away, which the polls report.
    sub.on('error', () => undefined);
    sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const e = parseSentinelEvent(channel, message);
      if (e && e.kind === 'role-change')
        this.push({ at: this.clock.now(), node: t.label, source: 'pubsub', kind: e.kind, detail: e.detail });
    });
    this.subscribers.push(sub);
    try {
      await sub.connect();
      await sub.psubscribe('*');
    } catch {
      // A sentinel that is down now: its events come from its log when it is back; the polls say it is down.
    }
  }

  /**
   * Reads every log up to now, whatever the remote interval: the lines
   * behind a condition just met (e.g. "Failover election won") may not have
   * been read yet on an SSH host.
   */
  async catchUpLogs(): Promise<void> {
    await Promise.all(this.tracks.map((t) => this.readLog(t, true)));
  }

  /** One read at a time per log: a catch-up and the poll loop must not read the same bytes twice. */
  private readLog(t: NodeTrack, final = false): Promise<void> {
    // A failed read is reported to its caller, not to the next one.
    t.logReading = t.logReading.catch(() => undefined).then(() => this.readLogNow(t, final));
    return t.logReading;
  }

  private async readLogNow(t: NodeTrack, final: boolean): Promise<void> {
    if (!t.node.log) return;
    if (!final && this.clock.now() - t.lastLogRead < LOG_INTERVAL_MS) return;
    t.lastLogRead = this.clock.now();
    const { text, size } = await t.node.log.host.readFrom(t.node.log.path, t.logOffset);
    // A restarted node may have rotated or truncated nothing, but be safe.
    if (size < t.logOffset) t.logOffset = 0;
    if (!text) return;
    t.logOffset += Buffer.byteLength(text);
    const all = t.logCarry + text;
    const lines = all.split('\n');
    t.logCarry = lines.pop() ?? '';
    for (const raw of lines) {
      const line = parseLogLine(raw);
      if (!line) continue;
      t.lines.push(line);
      const ev = classifyLogMessage(line.message, line.role);
      if (ev)
        this.push({
          at: line.time - t.clock.offsetMs,
          node: t.label,
          source: 'log',
          kind: ev.kind,
          detail: ev.detail,
          logTime: line.time,
          raw: line.raw,
        });
    }
  }
}
