import { discoverFromSeed } from '../cluster/discover.js';
import { Hosts, hostsFor, nodeFor } from '../cluster/runtime.js';
import { type DeploymentState, type NodeRecord, checkKind, readState } from '../cluster/state.js';
import { errorMessage } from '../errors.js';
import { type Address, type ConnectOptions, formatAddress, withNode } from '../nodes/client.js';
import type { RedisNode } from '../nodes/redis-node.js';
import { type DeploymentOps, clusterOps, sentinelOps } from './ops.js';

/** One node as a drill sees it: its address and, for deployments redis-drill started, its process. */
export interface DeploymentNode extends Address {
  label: string;
  /** null for a --seed cluster: no process access. */
  redis: RedisNode | null;
}

/**
 * A Redis Cluster or a Sentinel deployment, opened once per command: what
 * every operation on it needs (its nodes, how to reach them, its hosts, its
 * node timeout, the command's abort signal), so no call threads those
 * values itself.
 */
export interface Deployment {
  name: string;
  /** Started by redis-drill (a state file): false for a cluster attached with --seed. */
  managed: boolean;
  nodes: DeploymentNode[];
  /** The deadline of every call to a node, and the password, as every connection is made. */
  connect: Required<ConnectOptions>;
  nodeTimeoutMs: number;
  /** Where nodeTimeoutMs came from, for the report (and what stood in for it when it could not be read). */
  nodeTimeoutSource: string;
  stateDir: string;
  state: DeploymentState | null;
  hosts: Hosts;
  /** What differs between a cluster and a Sentinel deployment (slot map, promotion, rejoin, health). */
  ops: DeploymentOps;
  /** A Sentinel deployment's sentinels (none for a cluster), and the master name they watch. */
  sentinels: DeploymentNode[];
  masterName: string | null;
  /** Aborted on Ctrl-C: every wait on this deployment stops, and what was started is stopped. */
  abortSignal?: AbortSignal;
}

export interface OpenOptions {
  stateDir: string;
  cluster: string;
  seed?: Address;
  password?: string;
  timeoutMs: number;
  abortSignal?: AbortSignal;
  /** Told about what could not be read and what stands in for it. */
  warn?: (message: string) => void;
  /** The kind of deployment the command is for (`cluster ...` or `sentinel ...`); another kind is refused (exit 2). */
  expect?: 'cluster' | 'sentinel';
}

/** Redis's own default, used when an attached cluster does not say its node timeout. */
const REDIS_DEFAULT_NODE_TIMEOUT_MS = 15_000;

/** An attached cluster's node timeout: CONFIG GET on the seed, or, if that is refused (e.g. renamed CONFIG), Redis's default, saying so. */
async function seedNodeTimeout(
  seed: Address,
  connect: ConnectOptions,
  warn: (m: string) => void,
): Promise<{ ms: number; source: string }> {
  try {
    const reply = await withNode(seed, connect, (c) => c.call('CONFIG', 'GET', 'cluster-node-timeout'));
    const value = Number(Array.isArray(reply) ? reply[1] : NaN);
    if (Number.isInteger(value) && value > 0)
      return { ms: value, source: `CONFIG GET cluster-node-timeout on ${formatAddress(seed)}` };
    throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  } catch (e) {
    const why = errorMessage(e);
    warn(
      `CONFIG GET cluster-node-timeout on ${formatAddress(seed)} failed (${why}); deadlines assume Redis's default of ${REDIS_DEFAULT_NODE_TIMEOUT_MS} ms`,
    );
    return {
      ms: REDIS_DEFAULT_NODE_TIMEOUT_MS,
      source: `assumed: Redis's default ${REDIS_DEFAULT_NODE_TIMEOUT_MS} ms, because CONFIG GET cluster-node-timeout failed (${why})`,
    };
  }
}

export async function openDeployment(o: OpenOptions): Promise<Deployment> {
  if (o.seed) {
    const connect = { timeoutMs: o.timeoutMs, password: o.password ?? null };
    const addresses = await discoverFromSeed(o.seed, connect);
    const timeout = await seedNodeTimeout(o.seed, connect, o.warn ?? (() => undefined));
    return {
      name: formatAddress(o.seed),
      managed: false,
      nodes: addresses.map((a) => ({ ...a, label: formatAddress(a), redis: null })),
      connect,
      nodeTimeoutMs: timeout.ms,
      nodeTimeoutSource: timeout.source,
      stateDir: o.stateDir,
      state: null,
      hosts: new Hosts(),
      ops: clusterOps,
      sentinels: [],
      masterName: null,
      abortSignal: o.abortSignal,
    };
  }
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, o.expect);
  const hosts = hostsFor(state);
  const node = (r: NodeRecord): DeploymentNode => ({
    host: r.bind,
    port: r.port,
    label: formatAddress({ host: r.bind, port: r.port }),
    redis: nodeFor(hosts, state, r),
  });
  return {
    name: state.name,
    managed: true,
    nodes: state.nodes.map(node),
    connect: { timeoutMs: o.timeoutMs, password: state.password },
    nodeTimeoutMs: state.nodeTimeoutMs,
    nodeTimeoutSource:
      state.kind === 'sentinel'
        ? 'state file (down-after-milliseconds of the sentinels)'
        : 'state file (cluster-node-timeout in redis.conf)',
    stateDir: o.stateDir,
    state,
    hosts,
    ops: state.kind === 'sentinel' ? sentinelOps : clusterOps,
    sentinels: (state.sentinel?.nodes ?? []).map(node),
    masterName: state.sentinel?.masterName ?? null,
    abortSignal: o.abortSignal,
  };
}

/** The default deadline for a promotion or a rejoin: 3 x node timeout + 10 s. */
export function defaultDeadline(d: Deployment): number {
  return 3 * d.nodeTimeoutMs + 10_000;
}

/** Opens the deployment a command works on, runs `fn`, and always closes what it opened (SSH connections). */
export async function withDeployment<T>(o: OpenOptions, fn: (d: Deployment) => Promise<T>): Promise<T> {
  const d = await openDeployment(o);
  try {
    return await fn(d);
  } finally {
    await d.hosts.dispose();
  }
}
