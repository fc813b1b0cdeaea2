import * as z from 'zod';
import { PARTITION_MODES } from '../faults/partition-modes.js';
import { PERSISTENCE_MODES } from '../nodes/persistence.js';

/**
 * The state file, <state-dir>/<cluster>/cluster.json: every process the
 * cluster has, so later commands (and `cluster destroy`) can find them.
 * Its shape is checked when it is read; apart from state.ts so that only
 * the commands that read a state file load zod (200 kB of code): `cluster
 * create` and `sentinel create` only write one.
 */

const nodeRecordSchema = z.object({
  /** Which host runs it: "local" for this machine. */
  host: z.string(),
  bind: z.string(),
  port: z.number().int().min(1).max(65535),
  /** null for the nodes of a Sentinel deployment: no cluster bus. */
  busPort: z.number().int().min(1).max(65535).nullable(),
  dir: z.string(),
  pid: z.number().int().positive().nullable(),
});

/** A machine reached over SSH, and where this cluster lives on it. */
const remoteHostSchema = z.object({
  ssh: z.object({
    address: z.string(),
    user: z.string().nullable(),
    port: z.number().int().min(1).max(65535).nullable(),
    identity: z.string().nullable(),
    options: z.array(z.string()),
  }),
  /** The server binary found on that host. */
  redisServer: z.string(),
  /** This cluster's directory on that host (removed by destroy). */
  clusterDir: z.string(),
});

/** A network partition in place (cluster partition without --duration), so heal and destroy know what to undo and whom to watch. */
const partitionSchema = z.object({
  /** The iptables chain, on every host that runs nodes. */
  chain: z.string(),
  mode: z.enum(PARTITION_MODES),
  direction: z.enum(['in', 'out']),
  loss: z.number().min(0).max(1),
  /** host:port of the nodes on each side. */
  sides: z.tuple([z.array(z.string()), z.array(z.string())]),
  /** The masters cut off from the majority: after the heal they should come back as replicas. */
  cutOff: z.array(z.object({ id: z.string(), host: z.string(), port: z.number() })),
  startedAt: z.string(),
});

/** A Sentinel deployment: its sentinels and how they watch the master. */
const sentinelSchema = z.object({
  masterName: z.string(),
  quorum: z.number().int().positive(),
  downAfterMs: z.number().int().positive(),
  failoverTimeoutMs: z.number().int().positive(),
  /** The sentinel processes (`nodes` are the data nodes: the master and its replicas at creation). */
  nodes: z.array(nodeRecordSchema),
});

export const stateSchema = z.object({
  schemaVersion: z.literal(1),
  /** What was created: a Redis Cluster, or one master with replicas watched by Sentinels. Older files are clusters. */
  kind: z.enum(['cluster', 'sentinel']).default('cluster'),
  name: z.string(),
  createdAt: z.string(),
  server: z.object({ path: z.string(), flavor: z.enum(['redis', 'valkey']), version: z.string() }),
  nodeTimeoutMs: z.number().int().positive(),
  /** What the nodes keep across a restart (older state files: aof, the default they were made with). */
  persistence: z.enum([...PERSISTENCE_MODES, 'custom']).default('aof'),
  masters: z.number().int().positive(),
  replicas: z.number().int().nonnegative(),
  password: z.string().nullable(),
  /** SSH hosts by name ("user@address"); node records name them in `host`. Empty for a local cluster. */
  hosts: z.record(z.string(), remoteHostSchema).default({}),
  nodes: z.array(nodeRecordSchema),
  partition: partitionSchema.nullable().default(null),
  sentinel: sentinelSchema.nullable().default(null),
});

export type NodeRecord = z.infer<typeof nodeRecordSchema>;
export type RemoteHost = z.infer<typeof remoteHostSchema>;
export type PartitionRecord = z.infer<typeof partitionSchema>;
export type SentinelRecord = z.infer<typeof sentinelSchema>;

export type DeploymentState = z.infer<typeof stateSchema>;
