/**
 * What a load does: kv (the SET/GET/INCR/add mix), set (the Jepsen set
 * workload: SADD of unique ids, the write log), lock (SET NX PX locks) and
 * pubsub (numbered messages). Several run side by side. This module has no
 * dependencies, so the CLI can show the defaults without loading a client.
 */
export const LOAD_KINDS = ['kv', 'set', 'lock', 'pubsub'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface LockOptions {
  /** Clients competing for the locks, each in its own loop. */
  clients: number;
  /** Lock keys, spread over all slots (so over every master). */
  locks: number;
  /** How long a holder keeps a lock before releasing it. */
  holdMs: number;
  /** The lock's expiry (SET ... PX ttl): a holder must be done within it. */
  ttlMs: number;
}

export interface PubSubOptions {
  /** Channels, spread over all slots (so over every master in sharded mode). */
  channels: number;
  /** classic: PUBLISH/SUBSCRIBE (a cluster broadcasts to every node); sharded: SPUBLISH/SSUBSCRIBE (the channel's shard only). */
  mode: 'classic' | 'sharded';
  /** One message per channel every so often. */
  intervalMs: number;
}

/** The load kinds and their settings as a user types them (flags or a scenario's workload: keys). */
export interface LoadKindInput {
  load: string;
  lockClients: number;
  locks: number;
  lockHold: string;
  lockTtl: string;
  channels: number;
  pubsubMode: string;
  publishInterval: string;
}

export const LOAD_KIND_DEFAULTS: LoadKindInput = {
  load: 'kv',
  lockClients: 10,
  locks: 12,
  lockHold: '500ms',
  lockTtl: '5s',
  channels: 6,
  pubsubMode: 'classic',
  publishInterval: '10ms',
};
