import type { Address, ConnectOptions } from '../nodes/client.js';
import { parseSentinelEvent } from '../sentinel/events.js';
import type { DrillEvent } from './events.js';

/**
 * A sentinel's Pub/Sub events: every one it publishes, including the ones
 * its log leaves out at the default level. Only those are kept (the log
 * has the others, with the server's own timestamps): -role-change.
 * Returns the connection, to close when the watch ends.
 */
export async function followSentinelEvents(
  address: Address,
  label: string,
  connect: ConnectOptions,
  now: () => number,
  push: (e: Omit<DrillEvent, 'tMs'>) => void,
): Promise<{ disconnect(): void }> {
  // Loaded here, not with the observer: only a Sentinel deployment's observer subscribes, and ioredis takes ~60 ms to load.
  const { Redis } = (await import('ioredis')).default;
  const sub = new Redis({
    host: address.host,
    port: address.port,
    password: connect.password ?? undefined,
    connectionName: 'redis-drill:observer-events',
    lazyConnect: true,
    connectTimeout: connect.timeoutMs,
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
      push({ at: now(), node: label, source: 'pubsub', kind: e.kind, detail: e.detail });
  });
  try {
    await sub.connect();
    await sub.psubscribe('*');
  } catch {
    // A sentinel that is down now: its events come from its log when it is back; the polls say it is down.
  }
  return sub;
}
