import calculateSlot from 'cluster-key-slot';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Address } from '../nodes/address.js';
import '../nodes/ioredis-asking.js';

/** The load's client: an ioredis Cluster, or (a Sentinel deployment) an ioredis client in Sentinel mode. Both answer the same commands. */
export type LoadClient = Cluster | Redis;

export interface LoadTarget {
  seeds: Address[];
  /** A Sentinel deployment: its sentinels and the master name they watch (the seeds are then unused). */
  sentinel?: { sentinels: Address[]; masterName: string };
  password: string | null;
  /** ioredis options on top of the defaults (e.g. enableAutoPipelining). */
  clientOptions?: Partial<ClusterOptions & RedisOptions>;
}

/**
 * Client options chosen to ride out a failover: wait and retry (100 ms) on
 * CLUSTERDOWN / TRYAGAIN / a failed node instead of failing at once, follow up
 * to 16 redirections, refresh the slot map often, and bound every command with
 * a timeout so a frozen master yields a counted error, not a stuck client.
 */
export function clientOptionsFor(password: string | null): ClusterOptions {
  return {
    redisOptions: {
      password: password ?? undefined,
      connectTimeout: 1000,
      commandTimeout: 1000,
      maxRetriesPerRequest: 3,
    },
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 1000),
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    maxRedirections: 16,
    slotsRefreshTimeout: 1000,
    slotsRefreshInterval: 1000,
    scaleReads: 'master',
    enableOfflineQueue: true,
  };
}

/**
 * Sentinel mode: ask the sentinels for the master, subscribe to their
 * +switch-master (failoverDetector: without it a frozen master holds the
 * client until the kernel gives up), retry every 100 ms (so what is measured
 * is the deployment's unavailability, not the client's backoff), and
 * reconnect on READONLY (a demoted master) to find the new one.
 */
export function sentinelOptionsFor(password: string | null): RedisOptions {
  return {
    password: password ?? undefined,
    sentinelPassword: password ?? undefined,
    failoverDetector: true,
    sentinelRetryStrategy: () => 100,
    retryStrategy: () => 100,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    reconnectOnError: (e: Error) => (/READONLY/.test(e.message) ? 2 : false),
  };
}

export function loadClient(t: LoadTarget): { client: LoadClient; options: Record<string, unknown> } {
  if (t.sentinel) {
    const options = { ...sentinelOptionsFor(t.password), ...t.clientOptions };
    const client = new Redis({
      ...options,
      sentinels: t.sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: t.sentinel.masterName,
    });
    return {
      client,
      options: describeOptions({ ...sentinelOptionsFor(t.password ? '***' : null), ...t.clientOptions }),
    };
  }
  const client = new Cluster(
    t.seeds.map((s) => ({ host: s.host, port: s.port })),
    { ...clientOptionsFor(t.password), ...t.clientOptions },
  );
  return { client, options: describeOptions({ ...clientOptionsFor(t.password ? '***' : null), ...t.clientOptions }) };
}

/** Which master serves a key, as the client knows it at the end (a Sentinel deployment has one). */
export function masterOfKey(client: LoadClient): (key: string) => string {
  if (client instanceof Cluster) {
    const slots = (client as unknown as { slots: string[][] }).slots;
    return (key) => slots[calculateSlot(key)]?.[0] ?? 'unknown';
  }
  return () => 'the master';
}

/** The client options as plain data (functions described), for --verbose and the report. */
function describeOptions(o: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      k,
      typeof v === 'function'
        ? k === 'reconnectOnError'
          ? 'reconnect and resend on READONLY'
          : k === 'clusterRetryStrategy'
            ? 'min(100 ms x attempt, 1000 ms)'
            : '100 ms'
        : v,
    ]),
  );
}
