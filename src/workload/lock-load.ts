import { type Clock, systemClock } from '../util/clock.js';
import { type LoadClient, type LoadTarget, loadClient } from './client.js';
import { classifyClientError, type ErrorClass } from './error-class.js';
import type { LockOptions } from './load-defaults.js';
import { keysAcrossSlots } from './spread-keys.js';

/** One grant as its holder saw it, in ms from the start of the load (this machine's clock). */
export interface Hold {
  lock: string;
  holder: number;
  token: string;
  /** The SET NX was sent. */
  sentMs: number;
  /** The OK came back: the holder starts its critical section. */
  fromMs: number;
  /** It began to release, or its TTL ran out counted from the SET being sent, whichever came first. */
  toMs: number;
  /** What the compare-and-delete found: its own token (released), none or another's (lost while held), or no answer. */
  release: 'released' | 'lost' | 'error' | 'not-yet';
}

export interface DoubleGrant {
  lock: string;
  slot: number;
  first: Pick<Hold, 'holder' | 'token' | 'fromMs' | 'toMs'>;
  second: Pick<Hold, 'holder' | 'token' | 'fromMs' | 'toMs'>;
  overlapMs: number;
}

export interface LockResult {
  method: string;
  clients: number;
  holdMs: number;
  ttlMs: number;
  locks: { key: string; slot: number }[];
  grants: number;
  /** SET NX answered nil: another holder had it (the lock working). */
  contended: number;
  /** SET NX failed (an error or no answer): no lock either way as far as the client knows. */
  failed: number;
  failedByClass: Partial<Record<ErrorClass, number>>;
  /** Releases that found the key gone or another's token: the lock was not held all along. */
  lostWhileHeld: number;
  releaseErrors: number;
  doubleGrants: DoubleGrant[];
  /** Every hold (up to 5000), so the double grants can be checked again from the raw intervals. */
  holds: Hold[];
}

// Compare-and-delete: only the holder's own token is removed.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const RETRY_MS = 20;
const MAX_HOLDS = 5000;

/**
 * The lock load: clients compete for lock keys with SET key token NX PX ttl,
 * hold a lock for `holdMs`, and release it with a compare-and-delete script.
 * Two holds of the same lock that overlap are a double grant: under a crash
 * or a partition, a grant the master had not yet replicated can be granted
 * again by the promoted replica.
 */
export class LockLoad {
  private readonly clock: Clock;
  private readonly client: LoadClient;
  private readonly keys: { key: string; slot: number }[];
  private readonly holds: Hold[] = [];
  private contended = 0;
  private failed = 0;
  private readonly failedByClass = new Map<ErrorClass, number>();
  private stopped = false;
  private t0 = 0;
  private loops: Promise<void>[] = [];

  constructor(private readonly o: LockOptions & LoadTarget & { clock?: Clock }) {
    this.clock = o.clock ?? systemClock;
    this.client = loadClient(o).client;
    this.client.on('error', () => {});
    this.keys = keysAcrossSlots('drill:lock:', o.locks);
  }

  start(t0: number): void {
    this.t0 = t0;
    this.loops = Array.from({ length: this.o.clients }, (_, holder) => this.loop(holder));
  }

  /** Ends the loops (a holder releases at once) and returns what was seen. */
  async stop(): Promise<LockResult> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.client.disconnect();
    const grantsSeen = this.holds.length;
    return {
      method: `${this.o.clients} clients compete for ${this.keys.length} locks spread over all slots: SET key token NX PX ${this.o.ttlMs}, hold ${this.o.holdMs} ms, release by compare-and-delete (Lua); a double grant is two holds of one lock whose intervals overlap on this machine's clock (a hold ends when its release starts, or at its TTL counted from its SET)`,
      clients: this.o.clients,
      holdMs: this.o.holdMs,
      ttlMs: this.o.ttlMs,
      locks: this.keys,
      grants: grantsSeen,
      contended: this.contended,
      failed: this.failed,
      failedByClass: Object.fromEntries(this.failedByClass),
      lostWhileHeld: this.holds.filter((h) => h.release === 'lost').length,
      releaseErrors: this.holds.filter((h) => h.release === 'error').length,
      doubleGrants: findDoubleGrants(this.holds, new Map(this.keys.map((k) => [k.key, k.slot]))),
      holds: this.holds.slice(0, MAX_HOLDS),
    };
  }

  /** ms since the load started. */
  private now(): number {
    return this.clock.now() - this.t0;
  }

  /** A second in which locks were granted or refused and no command failed. */
  steadyBetween(fromMs: number, toMs: number): boolean {
    return this.holds.some((h) => h.fromMs >= fromMs && h.fromMs < toMs) && this.lastFailureMs < fromMs;
  }

  private lastFailureMs = -Infinity;

  private async loop(holder: number): Promise<void> {
    for (let seq = 0; !this.stopped; seq++) {
      const { key } = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      const token = `${holder}:${seq}:${Math.random().toString(36).slice(2, 8)}`;
      const sentMs = this.now();
      let granted = false;
      try {
        granted = (await this.client.set(key, token, 'PX', this.o.ttlMs, 'NX')) === 'OK';
        if (!granted) this.contended++;
      } catch (e) {
        this.failed++;
        this.lastFailureMs = this.now();
        const cls = classifyClientError(e);
        this.failedByClass.set(cls, (this.failedByClass.get(cls) ?? 0) + 1);
      }
      if (!granted) {
        await this.clock.sleep(RETRY_MS);
        continue;
      }
      const hold: Hold = { lock: key, holder, token, sentMs, fromMs: this.now(), toMs: 0, release: 'not-yet' };
      this.holds.push(hold);
      await this.sleepUnlessStopped(this.o.holdMs);
      hold.toMs = Math.min(this.now(), sentMs + this.o.ttlMs);
      try {
        hold.release = Number(await this.client.eval(RELEASE, 1, key, token)) === 1 ? 'released' : 'lost';
      } catch {
        hold.release = 'error';
        this.lastFailureMs = this.now();
      }
    }
  }

  private async sleepUnlessStopped(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    while (!this.stopped && this.clock.now() < until) await this.clock.sleep(Math.min(50, until - this.clock.now()));
  }
}

/**
 * Pairs of holds of the same lock whose intervals overlap: each is a double
 * grant. A hold ends at its TTL at the latest, so two holds that overlap
 * were both valid at once. Pure.
 */
export function findDoubleGrants(holds: readonly Hold[], slots: ReadonlyMap<string, number>): DoubleGrant[] {
  const byLock = new Map<string, Hold[]>();
  for (const h of holds) byLock.set(h.lock, [...(byLock.get(h.lock) ?? []), h]);
  const found: DoubleGrant[] = [];
  const brief = (h: Hold): DoubleGrant['first'] => ({
    holder: h.holder,
    token: h.token,
    fromMs: h.fromMs,
    toMs: h.toMs,
  });
  for (const [lock, list] of byLock) {
    const sorted = [...list].sort((a, b) => a.fromMs - b.fromMs);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j]!.fromMs < sorted[i]!.toMs; j++) {
        const overlapMs = Math.min(sorted[i]!.toMs, sorted[j]!.toMs) - sorted[j]!.fromMs;
        if (overlapMs > 0)
          found.push({
            lock,
            slot: slots.get(lock) ?? -1,
            first: brief(sorted[i]!),
            second: brief(sorted[j]!),
            overlapMs: Math.round(overlapMs * 10) / 10,
          });
      }
    }
  }
  return found.sort((a, b) => a.second.fromMs - b.second.fromMs);
}
