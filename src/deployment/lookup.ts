import { livePid } from '../cluster/lifecycle.js';
import { type NodeProbe, type ProbeKind, probeAll } from '../cluster/probe.js';
import type { SlotMap } from '../cluster/slotmap.js';
import { writeState } from '../cluster/state.js';
import { type Address, formatAddress, sameAddress, withNode } from '../nodes/client.js';
import type { ObservedNode, ObserverView } from '../observe/observer.js';
import type { Deployment, DeploymentNode } from './handle.js';

/** What a node is asked when it is polled. */
function probeKindOf(d: Deployment, sentinel: boolean): ProbeKind {
  if (sentinel) return { kind: 'sentinel', masterName: d.masterName! };
  return d.ops.kind === 'sentinel' ? { kind: 'data' } : { kind: 'cluster' };
}

/** The nodes to observe (a Sentinel deployment's sentinels too), with their logs when we have them. */
export function observed(d: Deployment): ObservedNode[] {
  const node = (n: DeploymentNode, sentinel: boolean): ObservedNode => ({
    address: n,
    log: n.redis ? { host: n.redis.spec.host, path: n.redis.logPath } : null,
    probe: probeKindOf(d, sentinel),
  });
  return [...d.nodes.map((n) => node(n, false)), ...d.sentinels.map((n) => node(n, true))];
}

export function findNode(d: Deployment, a: Address): DeploymentNode | undefined {
  return d.nodes.find((n) => sameAddress(n, a));
}

/** The pid of a node's live process (null if none), from the state file or the pid file. */
export async function pidOf(d: Deployment, node: DeploymentNode): Promise<number | null> {
  if (!node.redis) return null;
  const record = d.state?.nodes.find((r) => r.port === node.port && r.bind === node.host);
  return livePid(node.redis, record?.pid ?? null);
}

/** Records a node's new pid in the state file (after a restart). */
export async function recordPid(d: Deployment, node: DeploymentNode, pid: number | null): Promise<void> {
  if (!d.state) return;
  const record = d.state.nodes.find((r) => r.port === node.port && r.bind === node.host);
  if (record) record.pid = pid;
  await writeState(d.stateDir, d.state);
}

/**
 * What every node says now: the running observer's latest polls when there
 * is one (at most one poll interval old, and no new connection to any node),
 * else one probe of each node.
 */
export async function probesNow(d: Deployment, observer?: ObserverView): Promise<NodeProbe[]> {
  const seen = observer?.snapshot() ?? [];
  // An observer whose first polls all failed (a busy machine, just started) says nothing: ask the nodes.
  if (seen.length === d.nodes.length + d.sentinels.length && seen.some((p) => p.up)) return seen;
  // A short deadline, so a frozen or cut-off node costs little; but when no node at all answered in it, the
  // machine is more likely busy than the whole cluster gone (a full test suite on two cores saw all six nodes
  // miss 1 s), so they are asked once more with the command's own deadline.
  const short = Math.min(d.connect.timeoutMs, 1000);
  const first = await probeEach(d, short);
  const dataUp = first.slice(0, d.nodes.length).some((p) => p.up);
  return short < d.connect.timeoutMs && !dataUp ? probeEach(d) : first;
}

/** One probe of every node, then every sentinel, each with `timeoutMs` (default: the command's --timeout). */
export async function probeEach(d: Deployment, timeoutMs = d.connect.timeoutMs): Promise<NodeProbe[]> {
  const connect = { ...d.connect, timeoutMs };
  const [data, sentinels] = await Promise.all([
    probeAll(d.nodes, connect, probeKindOf(d, false)),
    d.sentinels.length ? probeAll(d.sentinels, connect, probeKindOf(d, true)) : [],
  ]);
  return [...data, ...sentinels];
}

/** The deployment's slot map now (a Sentinel deployment: its master serving every slot). */
export async function deploymentMap(d: Deployment, observer?: ObserverView): Promise<SlotMap> {
  return d.ops.map(await probesNow(d, observer));
}

/** A CLUSTER NODES entry is this node's (a node that has not learnt its own address lists itself with an empty host). */
export function namesNode(e: Address, n: Address): boolean {
  return e.port === n.port && (e.host === n.host || e.host === '');
}

/** Known nodes with the ids the reachable nodes give them (a dead node's id comes from the others). */
export async function nodesWithIds(
  d: Deployment,
  observer?: ObserverView,
): Promise<(DeploymentNode & { id: string | null })[]> {
  // A Sentinel deployment's nodes have no cluster ids: host:port is theirs (sentinels included, for partitions).
  if (d.ops.kind === 'sentinel') return [...d.nodes, ...d.sentinels].map((n) => ({ ...n, id: formatAddress(n) }));
  const probes = await probesNow(d, observer);
  const entries = probes.flatMap((p) => p.view ?? []);
  return d.nodes.map((n) => ({
    ...n,
    id: entries.find((e) => namesNode(e, n))?.id ?? null,
  }));
}

/** ROLE, asked of the node itself: ["slave", host, port, state, offset] or ["master", offset, replicas]. */
export async function roleOf(
  d: Deployment,
  a: Address,
): Promise<{ role: 'master' | 'replica'; master: string | null }> {
  const r = (await withNode(a, d.connect, (c) => c.call('ROLE'))) as unknown[];
  if (String(r[0]) === 'slave')
    return { role: 'replica', master: formatAddress({ host: String(r[1]), port: Number(r[2]) }) };
  return { role: 'master', master: null };
}

/**
 * A node's role as the observer's latest answer from it says (INFO
 * replication: role, master_host, master_port, at most one poll old), or
 * ROLE asked of it when the observer has none.
 */
export async function roleNow(
  d: Deployment,
  a: Address,
  observer?: ObserverView,
): Promise<{ role: 'master' | 'replica'; master: string | null }> {
  const seen = observer?.snapshot().find((p) => p.up && p.address.port === a.port && p.address.host === a.host);
  const r = seen?.replication;
  if (r?.get('role') === 'slave')
    return {
      role: 'replica',
      master: formatAddress({ host: r.get('master_host') ?? '?', port: Number(r.get('master_port')) }),
    };
  if (r?.get('role') === 'master') return { role: 'master', master: null };
  return roleOf(d, a);
}
