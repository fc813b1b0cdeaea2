import { discoverFromSeed } from '../cluster/discover.js';
import { livePid } from '../cluster/lifecycle.js';
import { Hosts, hostsFor, nodeFor } from '../cluster/runtime.js';
import type { SlotMap } from '../cluster/slotmap.js';
import { type ClusterState, type NodeRecord, checkKind, readState, writeState } from '../cluster/state.js';
import { errorMessage } from '../errors.js';
import { type DeploymentOps, clusterOps, sentinelOps } from './deployment.js';
import { type Address, formatAddress, withNode } from '../nodes/client.js';
import type { RedisNode } from '../nodes/redis-node.js';
import type { ObservedNode, Observer } from '../observe/observer.js';
import { type NodeProbe, type ProbeKind, probeAll } from '../cluster/probe.js';

/** One node as a drill sees it: its address and, for clusters redis-drill started, its process. */
export interface DrillNode extends Address {
  label: string;
  /** null for a --seed cluster: no process access. */
  redis: RedisNode | null;
}

/** Everything a fault command needs about the cluster it works on. */
export interface DrillContext {
  name: string;
  managed: boolean;
  nodes: DrillNode[];
  password: string | null;
  nodeTimeoutMs: number;
  /** Where nodeTimeoutMs came from, for the report (and what stood in for it when it could not be read). */
  nodeTimeoutSource: string;
  timeoutMs: number;
  stateDir: string;
  state: ClusterState | null;
  hosts: Hosts;
  /** What differs between a cluster and a Sentinel deployment (slot map, promotion, rejoin, health). */
  ops: DeploymentOps;
  /** A Sentinel deployment's sentinels (none for a cluster), and the master name they watch. */
  sentinels: DrillNode[];
  masterName: string | null;
}

export interface OpenOptions {
  stateDir: string;
  cluster: string;
  seed?: Address;
  password?: string;
  timeoutMs: number;
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
  options: { timeoutMs: number; password: string | null },
  warn: (m: string) => void,
): Promise<{ ms: number; source: string }> {
  try {
    const reply = await withNode(seed, options, (c) => c.call('CONFIG', 'GET', 'cluster-node-timeout'));
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

export async function openDrill(o: OpenOptions): Promise<DrillContext> {
  if (o.seed) {
    const password = o.password ?? null;
    const addresses = await discoverFromSeed(o.seed, { timeoutMs: o.timeoutMs, password });
    const timeout = await seedNodeTimeout(o.seed, { timeoutMs: o.timeoutMs, password }, o.warn ?? (() => undefined));
    return {
      name: formatAddress(o.seed),
      managed: false,
      nodes: addresses.map((a) => ({ ...a, label: formatAddress(a), redis: null })),
      password,
      nodeTimeoutMs: timeout.ms,
      nodeTimeoutSource: timeout.source,
      timeoutMs: o.timeoutMs,
      stateDir: o.stateDir,
      state: null,
      hosts: new Hosts(),
      ops: clusterOps,
      sentinels: [],
      masterName: null,
    };
  }
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, o.expect);
  const hosts = hostsFor(state);
  const drillNode = (r: NodeRecord): DrillNode => ({
    host: r.bind,
    port: r.port,
    label: formatAddress({ host: r.bind, port: r.port }),
    redis: nodeFor(hosts, state, r),
  });
  return {
    name: state.name,
    managed: true,
    nodes: state.nodes.map(drillNode),
    password: state.password,
    nodeTimeoutMs: state.nodeTimeoutMs,
    nodeTimeoutSource:
      state.kind === 'sentinel'
        ? 'state file (down-after-milliseconds of the sentinels)'
        : 'state file (cluster-node-timeout in redis.conf)',
    timeoutMs: o.timeoutMs,
    stateDir: o.stateDir,
    state,
    hosts,
    ops: state.kind === 'sentinel' ? sentinelOps : clusterOps,
    sentinels: (state.sentinel?.nodes ?? []).map(drillNode),
    masterName: state.sentinel?.masterName ?? null,
  };
}

/** What a node is asked when it is polled. */
function probeKindOf(ctx: DrillContext, sentinel: boolean): ProbeKind {
  if (sentinel) return { kind: 'sentinel', masterName: ctx.masterName! };
  return ctx.ops.kind === 'sentinel' ? { kind: 'data' } : { kind: 'cluster' };
}

/** The nodes to observe (a Sentinel deployment's sentinels too), with their logs when we have them. */
export function observed(ctx: DrillContext): ObservedNode[] {
  const node = (n: DrillNode, sentinel: boolean): ObservedNode => ({
    address: n,
    log: n.redis ? { host: n.redis.spec.host, path: n.redis.logPath } : null,
    probe: probeKindOf(ctx, sentinel),
  });
  return [...ctx.nodes.map((n) => node(n, false)), ...ctx.sentinels.map((n) => node(n, true))];
}

export function findDrillNode(ctx: DrillContext, a: Address): DrillNode | undefined {
  return ctx.nodes.find((n) => n.port === a.port && n.host === a.host);
}

/** The pid of a node's live process (null if none), from the state file or the pid file. */
export async function pidOf(ctx: DrillContext, node: DrillNode): Promise<number | null> {
  if (!node.redis) return null;
  const record = ctx.state?.nodes.find((r) => r.port === node.port && r.bind === node.host);
  return livePid(node.redis, record?.pid ?? null);
}

/** Records a node's new pid in the state file (after a restart). */
export async function recordPid(ctx: DrillContext, node: DrillNode, pid: number | null): Promise<void> {
  if (!ctx.state) return;
  const record = ctx.state.nodes.find((r) => r.port === node.port && r.bind === node.host);
  if (record) record.pid = pid;
  await writeState(ctx.stateDir, ctx.state);
}

/** The default deadline for a promotion or a rejoin: 3 x node timeout + 10 s. */
export function defaultDeadline(ctx: DrillContext): number {
  return 3 * ctx.nodeTimeoutMs + 10_000;
}

/** Opens the cluster a command works on, runs `fn`, and always closes what it opened (SSH connections). */
export async function withDrill<T>(o: OpenOptions, fn: (ctx: DrillContext) => Promise<T>): Promise<T> {
  const ctx = await openDrill(o);
  try {
    return await fn(ctx);
  } finally {
    await ctx.hosts.dispose();
  }
}

/**
 * What every node says now: the running observer's latest polls when there
 * is one (at most one poll interval old, and no new connection to any node),
 * else one probe of each node.
 */
export async function probesNow(ctx: DrillContext, observer?: Observer): Promise<NodeProbe[]> {
  const seen = observer?.snapshot() ?? [];
  if (seen.length === ctx.nodes.length + ctx.sentinels.length) return seen;
  const connect = { timeoutMs: Math.min(ctx.timeoutMs, 1000), password: ctx.password };
  const [data, sentinels] = await Promise.all([
    probeAll(ctx.nodes, connect, probeKindOf(ctx, false)),
    ctx.sentinels.length ? probeAll(ctx.sentinels, connect, probeKindOf(ctx, true)) : [],
  ]);
  return [...data, ...sentinels];
}

/** The deployment's slot map now (a Sentinel deployment: its master serving every slot). */
export async function deploymentMap(ctx: DrillContext, observer?: Observer): Promise<SlotMap> {
  return ctx.ops.map(await probesNow(ctx, observer));
}
