import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { DeploymentNotFoundError, EnvironmentError, UsageError } from '../errors.js';
import { MakeDirError, fsReason, makeDirs } from '../util/fs.js';
import { PARTITION_MODES } from '../faults/partition-modes.js';
import { PERSISTENCE_MODES } from '../nodes/persistence.js';
import { statePath } from './state-path.js';

export { clusterDir, nodeDir, statePath, validateClusterName } from './state-path.js';

/**
 * The state file, <state-dir>/<cluster>/cluster.json: every process the
 * cluster has, so later commands (and `cluster destroy`) can find them.
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

const stateSchema = z.object({
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

/** Every process of a deployment: its data nodes, and (Sentinel) its sentinels. */
export function allNodes(state: Pick<DeploymentState, 'nodes' | 'sentinel'>): NodeRecord[] {
  return [...state.nodes, ...(state.sentinel?.nodes ?? [])];
}
export type DeploymentState = z.infer<typeof stateSchema>;

/** Reads and validates the state file; a missing one means no such cluster. */
export async function readState(stateDir: string, name: string): Promise<DeploymentState> {
  const file = statePath(stateDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DeploymentNotFoundError(name, path.resolve(stateDir));
    throw new EnvironmentError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`, {
      hint: `remove the cluster with: redis-drill cluster destroy --cluster ${name}`,
    });
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`, {
      hint: `the state file was changed by hand or by another version; remove the cluster with: redis-drill cluster destroy --cluster ${name}`,
    });
  }
  return parsed.data;
}

/** Writes the state file atomically (temp file + rename), mode 0600: it may hold a password. */
export async function writeState(stateDir: string, state: DeploymentState): Promise<void> {
  const file = statePath(stateDir, state.name);
  await ensureDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`cannot write the state file ${file}: ${fsReason(code)}${code ? ` (${code})` : ''}`, {
      hint: 'is the state directory writable, with space left, and not a mount point? (--state-dir DIR, or REDIS_DRILL_HOME)',
    });
  }
}

/** Creates a directory, turning permission problems into an error the user can act on. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir);
  } catch (e) {
    if (!(e instanceof MakeDirError)) throw e;
    throw new EnvironmentError(e.message, {
      hint: 'choose a writable place with --state-dir DIR (or REDIS_DRILL_HOME)',
    });
  }
}

/** `cluster kill-master` on a Sentinel deployment (or the other way round) is a usage error that names the right command. */
export function checkKind(
  state: Pick<DeploymentState, 'kind' | 'name'>,
  expect: 'cluster' | 'sentinel' | undefined,
): void {
  if (!expect || state.kind === expect) return;
  const what = state.kind === 'sentinel' ? 'a Sentinel deployment' : 'a Redis Cluster';
  throw new UsageError(
    `"${state.name}" is ${what}, not a ${expect === 'sentinel' ? 'Sentinel deployment' : 'Redis Cluster'}`,
    {
      hint: `use the ${state.kind} commands for it: redis-drill ${state.kind} ... --cluster ${state.name}`,
    },
  );
}

/** What kind of deployment a name stands for (a cluster when there is none yet, or with --seed). */
export async function deploymentKind(stateDir: string, name: string): Promise<'cluster' | 'sentinel'> {
  try {
    return (await readState(stateDir, name)).kind;
  } catch (e) {
    // No deployment of that name (yet): the command's own error says so later, with its hint.
    if (e instanceof DeploymentNotFoundError) return 'cluster';
    throw e;
  }
}
