import { UsageError } from '../errors.js';
import { parseDuration } from './options.js';
import {
  type LoadKind,
  type LoadKindInput,
  type LockOptions,
  type PubSubOptions,
  LOAD_KINDS,
} from './load-defaults.js';

/** "kv,lock" -> the kinds, each once. */
export function parseLoadKinds(text: string, option = '--load'): LoadKind[] {
  const kinds = text
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  const bad = kinds.find((k) => !(LOAD_KINDS as readonly string[]).includes(k));
  if (bad !== undefined || kinds.length === 0)
    throw new UsageError(`bad ${option} "${text}"${bad !== undefined ? `: unknown load kind "${bad}"` : ''}`, {
      hint: `use one or more of ${LOAD_KINDS.join(', ')}, comma-separated, e.g. kv,lock`,
    });
  return [...new Set(kinds as LoadKind[])];
}

/**
 * The key-value mix for the kinds: kv keeps the given mix; set alone is
 * adds only (each a unique id in the write log); kv with set makes sure the
 * mix has adds. No kv or set: no key-value clients at all.
 */
export function kvMixFor(kinds: readonly LoadKind[], mix: string): string | null {
  const kv = kinds.includes('kv');
  const set = kinds.includes('set');
  if (!kv && !set) return null;
  if (!kv) return 'add=100';
  if (set && !/(^|,)\s*add=/.test(mix)) return `${mix},add=15`;
  return mix;
}

/** A lock hold must end before its TTL, or every lock would be "stolen" by design. */
export function checkLockOptions(o: LockOptions): LockOptions {
  if (o.clients < 1) throw new UsageError('the lock load needs at least 1 client', { hint: 'e.g. --lock-clients 10' });
  if (o.locks < 1) throw new UsageError('the lock load needs at least 1 lock', { hint: 'e.g. --locks 12' });
  if (o.ttlMs <= o.holdMs)
    throw new UsageError(`the lock TTL (${o.ttlMs} ms) must be longer than the hold time (${o.holdMs} ms)`, {
      hint: `a holder must be done before its lock expires, e.g. --lock-hold ${o.holdMs}ms --lock-ttl ${Math.max(o.holdMs * 4, 1000)}ms`,
    });
  return o;
}

export function checkPubSubOptions(o: PubSubOptions): PubSubOptions {
  if (o.channels < 1) throw new UsageError('the pubsub load needs at least 1 channel', { hint: 'e.g. --channels 6' });
  if (o.intervalMs < 1)
    throw new UsageError('the pubsub publish interval must be at least 1 ms', { hint: 'e.g. --publish-interval 10ms' });
  if (o.mode !== 'classic' && o.mode !== 'sharded')
    throw new UsageError(`bad pubsub mode "${String(o.mode)}"`, {
      hint: 'use classic (PUBLISH/SUBSCRIBE) or sharded (SPUBLISH/SSUBSCRIBE)',
    });
  return o;
}

export interface LoadKinds {
  kinds: LoadKind[];
  lock: LockOptions;
  pubsub: PubSubOptions;
}

/** Checked kinds and settings (exit 2 on a bad one). */
export function loadKinds(i: LoadKindInput): LoadKinds {
  const kinds = parseLoadKinds(i.load);
  const lock = {
    clients: i.lockClients,
    locks: i.locks,
    holdMs: parseDuration(i.lockHold, '--lock-hold'),
    ttlMs: parseDuration(i.lockTtl, '--lock-ttl'),
  };
  const pubsub = {
    channels: i.channels,
    mode: i.pubsubMode as PubSubOptions['mode'],
    intervalMs: parseDuration(i.publishInterval, '--publish-interval'),
  };
  return {
    kinds,
    lock: kinds.includes('lock') ? checkLockOptions(lock) : lock,
    pubsub: kinds.includes('pubsub') ? checkPubSubOptions(pubsub) : pubsub,
  };
}
