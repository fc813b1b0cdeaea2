import type { Clock } from '../util/clock.js';
import type { LoadTarget } from './client.js';
import type { LoadKind, LockOptions, PubSubOptions } from './load-defaults.js';
import { LockLoad, type LockResult } from './lock-load.js';
import { PubSubLoad, type PubSubResult } from './pubsub-load.js';

export interface SideLoadResults {
  lock: LockResult | null;
  pubsub: PubSubResult | null;
}

/**
 * The lock and pub/sub loads, when the kinds ask for them: started and
 * stopped together beside the key-value load, each on its own clients.
 */
export class SideLoads {
  private readonly lock: LockLoad | null;
  private readonly pubsub: PubSubLoad | null;

  constructor(
    kinds: readonly LoadKind[],
    target: LoadTarget,
    o: { lock: LockOptions; pubsub: PubSubOptions; clock?: Clock },
  ) {
    this.lock = kinds.includes('lock') ? new LockLoad({ ...target, ...o.lock, clock: o.clock }) : null;
    this.pubsub = kinds.includes('pubsub') ? new PubSubLoad({ ...target, ...o.pubsub, clock: o.clock }) : null;
  }

  async start(t0: number): Promise<void> {
    this.lock?.start(t0);
    await this.pubsub?.start(t0);
  }

  async stop(): Promise<SideLoadResults> {
    const [lock, pubsub] = await Promise.all([this.lock?.stop() ?? null, this.pubsub?.stop() ?? null]);
    return { lock, pubsub };
  }

  /** Each side load granted locks or delivered messages in the span, with no failure. */
  steadyBetween(fromMs: number, toMs: number): boolean {
    return (this.lock?.steadyBetween(fromMs, toMs) ?? true) && (this.pubsub?.steadyBetween(fromMs, toMs) ?? true);
  }
}
