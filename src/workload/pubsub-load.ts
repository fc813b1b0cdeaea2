import { Cluster } from 'ioredis';
import { type Clock, systemClock } from '../util/clock.js';
import { type LoadClient, type LoadTarget, loadClient } from './client.js';
import { classifyClientError, type ErrorClass } from './error-class.js';
import type { Gap } from './gaps.js';
import type { PubSubOptions } from './load-defaults.js';
import { keysAcrossSlots } from './spread-keys.js';

export interface ChannelResult {
  channel: string;
  slot: number;
  /** Publishes the server acknowledged. */
  published: number;
  publishFailed: number;
  /** Distinct acknowledged messages the subscriber got. */
  received: number;
  /** Acknowledged, never received. */
  lost: number;
  /** Received more than once. */
  duplicated: number;
  /** Received after a later message of the same channel. */
  outOfOrder: number;
  /** Received although the publish failed (the server took it, the answer was lost). */
  unacknowledgedReceived: number;
  /** Longest span between two deliveries on this channel (from the first delivery on). */
  longestGap: Gap;
  /** When the last acknowledged messages that were lost had been published (ms from the start), or null. */
  lostFromMs: number | null;
  lostToMs: number | null;
}

export interface PubSubResult {
  method: string;
  mode: 'classic' | 'sharded';
  intervalMs: number;
  channels: ChannelResult[];
  published: number;
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  publishFailedByClass: Partial<Record<ErrorClass, number>>;
  /** The subscriber's connection events (ms from the start): when it lost its server and when it was ready again. */
  subscriberEvents: { tMs: number; event: 'close' | 'reconnecting' | 'ready' }[];
}

/** How long the subscriber may still deliver after the last publish. */
const DRAIN_MS = 500;

/**
 * The pub/sub load: one publisher loop per channel sends numbered messages
 * every `intervalMs`; one subscriber client records what arrives. At the
 * end, per channel: what was acknowledged and never delivered, delivered
 * twice, out of order, and the longest silence.
 */
export class PubSubLoad {
  private readonly clock: Clock;
  private readonly publisher: LoadClient;
  private readonly subscriber: LoadClient;
  private readonly channels: { key: string; slot: number }[];
  private readonly sent = new Map<string, { acked: Map<number, number>; failed: Set<number> }>();
  private readonly got = new Map<string, { seq: number; atMs: number }[]>();
  private readonly failedByClass = new Map<ErrorClass, number>();
  private readonly events: PubSubResult['subscriberEvents'] = [];
  private stopped = false;
  private t0 = 0;
  private loops: Promise<void>[] = [];
  private lastFailureMs = -Infinity;

  constructor(private readonly o: PubSubOptions & LoadTarget & { clock?: Clock }) {
    this.clock = o.clock ?? systemClock;
    this.publisher = loadClient(o).client;
    // Sharded subscriptions follow each channel's shard (ioredis opens one subscriber per master).
    this.subscriber = loadClient({
      ...o,
      clientOptions: { ...o.clientOptions, ...(o.mode === 'sharded' ? { shardedSubscribers: true } : {}) },
    }).client;
    for (const c of [this.publisher, this.subscriber]) c.on('error', () => {});
    this.channels = keysAcrossSlots('drill:ch:', o.channels);
    for (const c of this.channels) {
      this.sent.set(c.key, { acked: new Map(), failed: new Set() });
      this.got.set(c.key, []);
    }
  }

  /** Subscribes (and waits for it), then starts publishing. */
  async start(t0: number): Promise<void> {
    this.t0 = t0;
    const onMessage = (channel: string, message: string): void => {
      this.got.get(channel)?.push({ seq: Number(message), atMs: this.now() });
    };
    if (this.o.mode === 'sharded') {
      this.subscriber.on('smessage', onMessage);
      // One call per channel: a sharded subscription may not span slots.
      for (const c of this.channels) await this.subscriber.ssubscribe(c.key);
    } else {
      this.subscriber.on('message', onMessage);
      await this.subscriber.subscribe(...this.channels.map((c) => c.key));
    }
    // Until stop(): its own disconnect is not an event of the drill.
    for (const event of ['close', 'reconnecting', 'ready'] as const)
      this.subscriber.on(event, () => !this.stopped && this.events.push({ tMs: Math.round(this.now()), event }));
    this.loops = this.channels.map((c) => this.loop(c.key));
  }

  async stop(): Promise<PubSubResult> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.clock.sleep(DRAIN_MS);
    this.publisher.disconnect();
    this.subscriber.disconnect();
    const channels = this.channels.map((c) => channelResult(c, this.sent.get(c.key)!, this.got.get(c.key)!));
    const sum = (f: (r: ChannelResult) => number): number => channels.reduce((n, r) => n + f(r), 0);
    const cluster = this.publisher instanceof Cluster;
    return {
      method: `one publisher loop per channel, a numbered message every ${this.o.intervalMs} ms (${this.o.mode === 'sharded' ? "SPUBLISH; the subscriber SSUBSCRIBEs on each channel's shard" : `PUBLISH; the subscriber SUBSCRIBEs${cluster ? " on one node (a cluster broadcasts every message to every node; ioredis sends each PUBLISH to any node, so one channel's messages take different paths and may arrive out of order)" : ''}`}); lost = acknowledged by the server, never delivered (${DRAIN_MS} ms allowed for the last ones)`,
      mode: this.o.mode,
      intervalMs: this.o.intervalMs,
      channels,
      published: sum((r) => r.published),
      received: sum((r) => r.received),
      lost: sum((r) => r.lost),
      duplicated: sum((r) => r.duplicated),
      outOfOrder: sum((r) => r.outOfOrder),
      publishFailedByClass: Object.fromEntries(this.failedByClass),
      subscriberEvents: this.events,
    };
  }

  /** Messages were published and delivered in this span and no publish failed. */
  steadyBetween(fromMs: number, toMs: number): boolean {
    const delivered = [...this.got.values()].some((list) => list.some((m) => m.atMs >= fromMs && m.atMs < toMs));
    return delivered && this.lastFailureMs < fromMs;
  }

  private now(): number {
    return this.clock.now() - this.t0;
  }

  private async loop(channel: string): Promise<void> {
    const record = this.sent.get(channel)!;
    for (let seq = 1; !this.stopped; seq++) {
      const next = this.clock.now() + this.o.intervalMs;
      try {
        if (this.o.mode === 'sharded') await this.publisher.spublish(channel, String(seq));
        else await this.publisher.publish(channel, String(seq));
        record.acked.set(seq, this.now());
      } catch (e) {
        record.failed.add(seq);
        this.lastFailureMs = this.now();
        const cls = classifyClientError(e);
        this.failedByClass.set(cls, (this.failedByClass.get(cls) ?? 0) + 1);
      }
      await this.clock.sleep(Math.max(0, next - this.clock.now()));
    }
  }
}

/** One channel's figures from what was acknowledged and what arrived. Pure. */
export function channelResult(
  c: { key: string; slot: number },
  sent: { acked: ReadonlyMap<number, number>; failed: ReadonlySet<number> },
  got: readonly { seq: number; atMs: number }[],
): ChannelResult {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  let highest = 0;
  let gap: Gap = { ms: 0, fromMs: 0, toMs: 0 };
  for (let i = 0; i < got.length; i++) {
    const m = got[i]!;
    seen.set(m.seq, (seen.get(m.seq) ?? 0) + 1);
    if (m.seq < highest) outOfOrder++;
    highest = Math.max(highest, m.seq);
    if (i > 0 && m.atMs - got[i - 1]!.atMs > gap.ms)
      gap = {
        ms: Math.round(m.atMs - got[i - 1]!.atMs),
        fromMs: Math.round(got[i - 1]!.atMs),
        toMs: Math.round(m.atMs),
      };
  }
  const lostAt = [...sent.acked].filter(([seq]) => !seen.has(seq)).map(([, at]) => at);
  return {
    channel: c.key,
    slot: c.slot,
    published: sent.acked.size,
    publishFailed: sent.failed.size,
    received: [...seen.keys()].filter((s) => sent.acked.has(s)).length,
    lost: lostAt.length,
    duplicated: [...seen.values()].reduce((n, k) => n + k - 1, 0),
    outOfOrder,
    unacknowledgedReceived: [...sent.failed].filter((s) => seen.has(s)).length,
    longestGap: gap,
    lostFromMs: lostAt.length ? Math.round(Math.min(...lostAt)) : null,
    lostToMs: lostAt.length ? Math.round(Math.max(...lostAt)) : null,
  };
}
