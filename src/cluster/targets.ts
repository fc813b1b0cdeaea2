import type { Address } from '../nodes/address.js';
import type { ConnectOptions } from '../nodes/client.js';
import { UsageError } from '../errors.js';
import { probeSentinelDeployment } from '../sentinel/health.js';
import { buildSentinelMap } from '../sentinel/topology.js';
import { type SlotMap, slotMap } from './slotmap.js';
import { formatAddress } from '../nodes/address.js';
import { discoverFromSeed } from './discover.js';
import { livePid } from './lifecycle.js';
import { type Hosts, hostsFor, nodeFor } from './runtime.js';
import { type DeploymentState, type NodeRecord, checkKind, readState } from './state.js';
import type { ProcessState } from '../hosts/host.js';

/** A node a read-only command asks, with its process when redis-drill started it. */
export interface StatusTarget extends Address {
  machine?: string | null;
  pid?: number | null;
  process?: ProcessState | null;
}

/** The nodes a read-only command talks to: from --seed, or from the state file of --cluster. */
export interface Targets {
  /** The cluster's name, or the seed's address for an attached cluster. */
  name: string;
  /** The data nodes (a Sentinel deployment's master and replicas). */
  targets: StatusTarget[];
  password: string | null;
  kind: 'cluster' | 'sentinel';
  /** A Sentinel deployment's sentinels and the master name they watch (none for a cluster). */
  sentinels: Address[];
  masterName: string | null;
}

/** Which deployment a command works on: --cluster (a state file) or --seed (attached), and the node deadline. */
export interface TargetOptions {
  stateDir: string;
  cluster: string;
  seed?: Address;
  password?: string;
  timeoutMs: number;
  expect?: 'cluster' | 'sentinel';
}

/** A node of the state file with its live process, as its host sees it (the pid file, /proc). */
export async function processTarget(hosts: Hosts, state: DeploymentState, r: NodeRecord): Promise<StatusTarget> {
  const node = nodeFor(hosts, state, r);
  const pid = await livePid(node, r.pid);
  return { host: r.bind, port: r.port, machine: r.host, pid, process: await node.processState(pid) };
}

/** `hosts`: the command's own (kept open for its other calls); without it, made here and closed. */
export async function clusterTargets(o: TargetOptions, shared?: Hosts): Promise<Targets> {
  if (o.seed) {
    const password = o.password ?? null;
    const addresses = await discoverFromSeed(o.seed, { timeoutMs: o.timeoutMs, password });
    return {
      name: formatAddress(o.seed),
      targets: addresses,
      password,
      kind: 'cluster',
      sentinels: [],
      masterName: null,
    };
  }
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, o.expect);
  const hosts = shared ?? hostsFor(state);
  try {
    const targets = await Promise.all(state.nodes.map((r) => processTarget(hosts, state, r)));
    return {
      name: state.name,
      targets,
      password: state.password,
      kind: state.kind,
      sentinels: (state.sentinel?.nodes ?? []).map((r) => ({ host: r.bind, port: r.port })),
      masterName: state.sentinel?.masterName ?? null,
    };
  } finally {
    if (!shared) await hosts.dispose();
  }
}

/** A Sentinel deployment has no hash slots to show: said plainly (exit 2), with where to look instead. */
export function requireCluster(t: Pick<Targets, 'kind' | 'name'>, command: string): void {
  if (t.kind === 'cluster') return;
  throw new UsageError(
    `${command} shows a Redis Cluster's hash slots, but "${t.name}" is a Sentinel deployment: one master holds every key`,
    {
      hint: `see its master, replicas and keys with: redis-drill sentinel status --cluster ${t.name}`,
    },
  );
}

/** The slot map of any deployment, asked afresh (a Sentinel deployment's: its master serving every slot). */
export function mapProvider(t: Targets, connect: ConnectOptions): () => Promise<SlotMap> {
  if (t.kind === 'sentinel')
    return async () => buildSentinelMap(await probeSentinelDeployment(t.targets, t.sentinels, t.masterName!, connect));
  return () => slotMap(t.targets, connect);
}
