import type { ProcessState } from '../hosts/host.js';
import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { type ClusterNodeEntry, type Role } from './nodes-parser.js';
import { type NodeProbe, myselfOf, probeAll } from './probe.js';
import type { SlotRange } from './slots.js';
import { type PartitionLeft, partitionLeft } from '../faults/partition-left.js';
import { hostsFor } from './runtime.js';
import { checkKind, readState } from './state.js';
import { type StatusTarget, type TargetOptions, clusterTargets, processTarget } from './targets.js';

export interface StatusNode {
  id: string | null;
  host: string;
  port: number;
  /** Where the process runs: "local", an SSH host ("user@address"), or null for a --seed cluster. */
  machine: string | null;
  /** Answered within the deadline. */
  up: boolean;
  /** Why it did not answer. */
  error: string | null;
  role: Role | null;
  masterId: string | null;
  /** host:port of its master, when known. */
  master: string | null;
  slots: SlotRange[];
  /** The cluster bus link as the other nodes see it (majority). */
  linkState: 'connected' | 'disconnected' | null;
  /** Failure flags the other nodes hold for it: "fail?" (PFAIL) and "fail". */
  flags: string[];
  configEpoch: number | null;
  dbsize: number | null;
  /** Only for clusters redis-drill manages. */
  pid: number | null;
  process: ProcessState | null;
}

export interface StatusResult {
  cluster: string;
  /** cluster_state as the nodes that answered report it ("ok", "fail", or "unknown" if none answered). */
  clusterState: string;
  nodes: StatusNode[];
  /** What the nodes keep across a restart (--persistence); null for an attached cluster. */
  persistence: string | null;
  /** A network partition still in place (state file or firewall), with the command that removes it; null when none. */
  partition: PartitionLeft | null;
}

/** The entries other nodes hold for `addr` (not its own "myself" line). */
function othersViewOf(probes: readonly NodeProbe[], addr: Address): ClusterNodeEntry[] {
  return probes.flatMap((p) =>
    (p.view ?? []).filter((n) => !n.myself && n.port === addr.port && (n.host === addr.host || n.host === '')),
  );
}

/**
 * Merges what every node says into one row per node. A node's own view
 * gives its id, role, slots and epoch; for a node that is down, the others'
 * view does. Flags and link state always come from the others: a node never
 * marks itself as failing.
 */
export function mergeStatus(targets: readonly StatusTarget[], probes: readonly NodeProbe[]): StatusNode[] {
  const byId = new Map<string, ClusterNodeEntry>();
  for (const p of probes) for (const n of p.view ?? []) if (!byId.has(n.id) || n.myself) byId.set(n.id, n);

  return targets.map((t, i) => {
    const probe = probes[i]!;
    const others = othersViewOf(probes, t);
    const self = myselfOf(probe) ?? others[0] ?? null;
    const connected = others.filter((n) => n.linkState === 'connected').length;
    const flags = ['fail?', 'fail'].filter((f) => others.some((n) => n.flags.includes(f)));
    const master = self?.masterId ? byId.get(self.masterId) : undefined;
    return {
      id: self?.id ?? null,
      host: t.host,
      port: t.port,
      machine: t.machine ?? null,
      up: probe.up,
      error: probe.error,
      role: self?.role ?? null,
      masterId: self?.masterId ?? null,
      master: master ? formatAddress({ host: master.host || t.host, port: master.port }) : null,
      slots: self?.slots ?? [],
      linkState: others.length === 0 ? null : connected * 2 >= others.length ? 'connected' : 'disconnected',
      flags,
      configEpoch: self?.configEpoch ?? null,
      dbsize: probe.dbsize,
      pid: t.pid ?? null,
      process: t.process ?? null,
    };
  });
}

export function overallState(probes: readonly NodeProbe[]): string {
  const states = probes.filter((p) => p.up).map((p) => p.clusterInfo?.get('cluster_state') ?? 'unknown');
  if (states.length === 0) return 'unknown';
  return states.every((s) => s === 'ok') ? 'ok' : states.includes('fail') ? 'fail' : 'unknown';
}

export async function clusterStatus(
  cluster: string,
  targets: readonly StatusTarget[],
  options: ConnectOptions,
): Promise<StatusResult> {
  return clusterStatusFrom(cluster, targets, await probeAll(targets, options));
}

function clusterStatusFrom(
  cluster: string,
  targets: readonly StatusTarget[],
  probes: readonly NodeProbe[],
): StatusResult {
  return {
    cluster,
    clusterState: overallState(probes),
    nodes: mergeStatus(targets, probes),
    persistence: null,
    partition: null,
  };
}

/**
 * `cluster status`: every node's answer, and, for a cluster redis-drill
 * created, each node's process and a partition left in place (a killed
 * `cluster partition --duration`, or one never healed). A node that answers
 * is running and names its own pid (INFO server), so the hosts are asked
 * only about the nodes that do not: on SSH hosts whose login shell is slow,
 * a healthy cluster's status costs no remote call at all.
 */
export async function statusOf(o: TargetOptions): Promise<StatusResult> {
  if (o.seed) {
    const { name, targets, password } = await clusterTargets(o);
    return clusterStatus(name, targets, { timeoutMs: o.timeoutMs, password });
  }
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, 'cluster');
  const hosts = hostsFor(state);
  try {
    const connect = { timeoutMs: o.timeoutMs, password: state.password };
    const [probes, partition] = await Promise.all([
      probeAll(
        state.nodes.map((r) => ({ host: r.bind, port: r.port })),
        connect,
        { kind: 'cluster', pid: true },
      ),
      partitionLeft(state, hosts, o.stateDir, { remote: 'if-recorded' }),
    ]);
    // A node that answered is running and named its pid; only the others are looked for on their host.
    const targets = await Promise.all(
      state.nodes.map(async (r, i): Promise<StatusTarget> => {
        const pid = probes[i]!.up ? probes[i]!.pid : null;
        return pid
          ? { host: r.bind, port: r.port, machine: r.host, pid, process: 'running' }
          : processTarget(hosts, state, r);
      }),
    );
    return { ...clusterStatusFrom(state.name, targets, probes), persistence: state.persistence, partition };
  } finally {
    await hosts.dispose();
  }
}
