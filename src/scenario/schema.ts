import { PERSISTENCE_MODES } from '../nodes/persistence.js';
import * as z from 'zod';
import type { DrillSpec } from '../drill/spec.js';
import { duration, expected, int, text } from '../drill/schema-parts.js';
import { type Address, parseAddress } from '../nodes/address.js';
import { parseMix } from '../workload/options.js';
import { LOAD_KINDS } from '../workload/load-defaults.js';
import { parseLoadKinds } from '../workload/loads.js';

/**
 * The scenario file format around its steps: the cluster it runs on and its
 * load, as zod schemas. Each step's own schema lives with its handler
 * (src/drill/steps/); load.ts checks the steps one by one, so an unknown step
 * name can list the known ones.
 */

const addressText = 'HOST:PORT, e.g. 127.0.0.1:7000';
const address = z
  .string(expected(addressText))
  .refine((v) => parseAddress(v) !== null, expected(addressText))
  .transform((v) => parseAddress(v) as Address);

const configValue = z.union([z.string(), z.number(), z.boolean()], expected('a string, number or true/false'));

const persistence = z.enum(PERSISTENCE_MODES, expected(PERSISTENCE_MODES.join(', '))).optional();

export const createSchema = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  z.strictObject(
    {
      masters: int(3, 1000).optional(),
      replicas: int(0, 100).optional(),
      port: int(1, 65535).optional(),
      bind: text.optional(),
      'node-timeout': int(100).optional(),
      'redis-server': text.optional(),
      config: z.record(z.string(), configValue, expected('a mapping of redis.conf keys to values')).optional(),
      persistence,
      /** SSH hosts, as `cluster create --inventory` (a path relative to the scenario file). */
      inventory: text.optional(),
      password: z.enum(['auto', 'none'], expected('auto or none')).optional(),
    },
    expected(
      'a mapping of cluster create options (masters, replicas, port, bind, node-timeout, redis-server, config, persistence, inventory, password), or true',
    ),
  ),
);

/** A throw-away Sentinel deployment, as `sentinel create`. */
export const sentinelCreateSchema = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  z.strictObject(
    {
      replicas: int(1, 100).optional(),
      sentinels: int(1, 100).optional(),
      quorum: int(1, 100).optional(),
      port: int(1, 65535).optional(),
      'sentinel-port': int(1, 65535).optional(),
      'down-after': int(100).optional(),
      'failover-timeout': int(1000).optional(),
      'master-name': text.optional(),
      bind: text.optional(),
      'redis-server': text.optional(),
      config: z.record(z.string(), configValue, expected('a mapping of redis.conf keys to values')).optional(),
      persistence,
      password: z.enum(['auto', 'none'], expected('auto or none')).optional(),
    },
    expected(
      'a mapping of sentinel create options (replicas, sentinels, quorum, port, sentinel-port, down-after, failover-timeout, master-name, bind, redis-server, config, persistence, password), or true',
    ),
  ),
);

const clusterName = z
  .string(expected('a cluster name'))
  .regex(/^[A-Za-z0-9_.-]+$/, expected('a cluster name (letters, digits, ".", "-", "_")'));

export const clusterSchema = z
  .strictObject(
    {
      create: createSchema.optional(),
      /** Create a Sentinel deployment instead of a cluster. */
      sentinel: sentinelCreateSchema.optional(),
      name: clusterName.optional(),
      seed: address.optional(),
    },
    expected('a mapping with create (a cluster), sentinel (a Sentinel deployment), name or seed'),
  )
  .refine((o) => !(o.seed && (o.create || o.sentinel || o.name)), {
    error: 'expected seed alone (an attached cluster is neither created nor named)',
  })
  .refine((o) => !(o.create && o.sentinel), {
    error: 'expected create (a cluster) or sentinel (a Sentinel deployment), not both',
  });

const mixText =
  'OP=WEIGHT pairs with incr (the consistency counters), e.g. set=35,get=35,incr=15,add=15 (add: the write log of lost writes)';
const mix = z.string(expected(mixText)).refine((v) => {
  try {
    return parseMix(v).some((m) => m.op === 'incr');
  } catch {
    return false;
  }
}, expected(mixText));

const loadKindsText = `one or more of ${LOAD_KINDS.join(', ')} (a list, or comma-separated)`;
const loadKinds = z
  .union([z.string(), z.array(z.string())], expected(loadKindsText))
  .transform((v) => (Array.isArray(v) ? v.join(',') : v))
  .refine((v) => {
    try {
      return parseLoadKinds(v).length > 0;
    } catch {
      return false;
    }
  }, expected(loadKindsText));

export const workloadSchema = z.strictObject(
  {
    clients: int(0, 10_000).optional(),
    mix: mix.optional(),
    keyspace: int(1).optional(),
    'value-size': int(0, 1 << 20).optional(),
    rate: int(1).optional(),
    warmup: duration.optional(),
    load: loadKinds.optional(),
    lock: z
      .strictObject(
        {
          clients: int(1, 10_000).optional(),
          locks: int(1, 100_000).optional(),
          hold: duration.optional(),
          ttl: duration.optional(),
        },
        expected('a mapping of lock options (clients, locks, hold, ttl)'),
      )
      .optional(),
    pubsub: z
      .strictObject(
        {
          channels: int(1, 10_000).optional(),
          mode: z.enum(['classic', 'sharded'], expected('classic or sharded')).optional(),
          interval: duration.optional(),
        },
        expected('a mapping of pubsub options (channels, mode, interval)'),
      )
      .optional(),
  },
  expected('a mapping of workload options (clients, mix, keyspace, value-size, rate, warmup, load, lock, pubsub)'),
);

/** The user's own clients: shell command lines, run from the scenario file's directory. */
const programs = z.array(
  z.string(expected('a command line')).min(1, expected('a command line')),
  expected('a list of command lines, e.g. ["node clients/my-client.mjs"]'),
);

/** The file without its steps: those are checked one by one (load.ts), so an unknown step name can list the known ones. */
export const scenarioSchema = z.strictObject(
  {
    name: text.optional(),
    description: text.optional(),
    cluster: clusterSchema.optional(),
    workload: workloadSchema.optional(),
    clients: programs.optional(),
    steps: z.array(z.unknown(), expected('a list of steps')).min(1, expected('at least one step')),
  },
  expected('a mapping with name, description, cluster, workload, clients and steps'),
);

export type ClusterSection = z.output<typeof clusterSchema>;
export type CreateSection = z.output<typeof createSchema>;
export type SentinelCreateSection = z.output<typeof sentinelCreateSchema>;

/** A scenario file, loaded: a drill with the cluster section that says where it runs. */
export interface Scenario extends DrillSpec {
  file: string;
  cluster: ClusterSection;
  /** Older spellings the file uses (stop-master): each still works, and is said once, as a one-line notice. */
  notices: string[];
}
