import { isLoopback } from '../cluster/bind.js';
import type { SlotMap, SlotMapMaster } from '../cluster/slotmap.js';
import { type PartitionRecord, writeState } from '../cluster/state.js';
import { UsageError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { type Address, formatAddress } from '../nodes/address.js';
import { applyChain, checkFirewall, mayChangeFirewall, removeChain } from './iptables.js';
import { type Deployment, type DeploymentNode } from '../deployment/handle.js';
import { type PartitionMode, type PartitionSpec, chainName, drops, ruleArgs } from './partition-plan.js';
import { type MasterSelector, selectMaster, selectNode } from './target.js';
import { clusterDir } from '../cluster/state.js';

/** What a user asks to cut: a master (isolate it from everyone) or two explicit sides. */
export interface PartitionRequest {
  target: MasterSelector;
  /** "A,B|C,D,E": nodes by Master[N], host:port or node-id prefix; nodes not listed join the second side. */
  sides?: string;
  mode: PartitionMode;
  direction: 'in' | 'out';
  loss: number;
}

/** A partition planned against the cluster as it is: who is on which side, and which masters are cut off. */
export interface PlannedPartition {
  spec: PartitionSpec;
  sides: [DeploymentNode[], DeploymentNode[]];
  /** Masters serving slots on the side with fewer masters, with a replica on the other side: each should be replaced. */
  cutOff: SlotMapMaster[];
  /** The side with fewer masters: its nodes cannot see the promotion (they stay cluster_state:fail until the heal). */
  minority: DeploymentNode[];
  /** In words: "isolate Master[0] 127.0.1.1:7000 from the other 5 nodes, both ways". */
  how: string;
}

const oneAddressHint = (kind: 'cluster' | 'sentinel'): string =>
  `create the ${kind === 'cluster' ? 'cluster' : 'deployment'} with one address per node: redis-drill ${kind} create --bind 127.0.1.1+ (or let failover-report --create / a scenario do it)`;

/**
 * Who is on which side. Pure apart from its inputs: the nodes (with ids),
 * the slot map, the request. Refused (exit 2) when the nodes share an
 * address (rules between addresses could not tell them apart) or when a
 * side would be empty.
 */
/** A deployment a partition can cut: one address per node, none of them the address redis-drill's own connections come from, loopback on this machine. */
export function checkPartitionable(nodes: readonly DeploymentNode[], kind: 'cluster' | 'sentinel' = 'cluster'): void {
  const addresses = nodes.map((n) => n.host);
  const ONE_ADDRESS_HINT = oneAddressHint(kind);
  if (new Set(addresses).size !== nodes.length) {
    throw new UsageError(
      `a partition needs one address per node, but these nodes share ${[...new Set(addresses.filter((a, i) => addresses.indexOf(a) !== i))].join(', ')}`,
      { hint: ONE_ADDRESS_HINT },
    );
  }
  const mine = nodes.find((n) => n.host === '127.0.0.1' || n.host === '::1');
  if (mine)
    throw new UsageError(
      `${formatAddress(mine)} is on ${mine.host}, the address redis-drill's own connections come from: cutting it would cut redis-drill off too`,
      { hint: ONE_ADDRESS_HINT },
    );
  if (!nodes.every((n) => isLoopback(n.host)) && nodes.some((n) => n.redis?.spec.host.remote !== true)) {
    throw new UsageError('network faults on this machine need every node on a loopback address (127.x.x.x)', {
      hint: ONE_ADDRESS_HINT,
    });
  }
}

export function planPartition(
  nodes: readonly (DeploymentNode & { id: string | null })[],
  map: SlotMap,
  r: PartitionRequest,
  sentinels: readonly Address[] = [],
): PlannedPartition {
  checkPartitionable(nodes);
  let a: DeploymentNode[];
  /** Side A in words, and the whole split in words. */
  let subject: string;
  let how: string;
  if (r.sides !== undefined) {
    const parts = r.sides.split('|');
    if (parts.length !== 2)
      throw new UsageError(`bad --sides "${r.sides}": expected two sides, A,B|C,D`, {
        hint: 'e.g. --sides 0|1,2 (Master[0] on one side, Master[1] and Master[2] with everything not listed on the other)',
      });
    const side = (text: string): DeploymentNode[] =>
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
        .map((ref) => {
          if (/^(?:Master\[)?\d+\]?$/i.test(ref)) {
            const m = selectMaster(map, { master: ref });
            return nodes.find((n) => n.port === m.port && n.host === m.host)!;
          }
          // A Sentinel deployment's sentinels by their place: Sentinel[0], Sentinel[1], ...
          const si = /^Sentinel\[(\d+)\]$/i.exec(ref);
          if (si) {
            const s = sentinels[Number(si[1])];
            if (!s)
              throw new UsageError(`no ${ref}: the deployment has ${sentinels.length} sentinel(s)`, {
                hint: sentinels.length
                  ? `use Sentinel[0] to Sentinel[${sentinels.length - 1}]`
                  : 'a Redis Cluster has no sentinels',
              });
            return nodes.find((n) => n.port === s.port && n.host === s.host)!;
          }
          return selectNode(nodes, ref);
        });
    if (!parts[0]!.trim())
      throw new UsageError(`--sides "${r.sides}": the first side is empty`, {
        hint: 'list at least one node before the |; nodes listed on neither side join the second (so "0|" is Master[0] against the rest)',
      });
    a = side(parts[0]!);
    const b = side(parts[1]!);
    const both = a.find((n) => b.includes(n));
    if (both) throw new UsageError(`${formatAddress(both)} is on both sides of --sides "${r.sides}"`);
    if (a.length === 0)
      throw new UsageError(`--sides "${r.sides}": the first side is empty`, {
        hint: 'list at least one node before the |',
      });
    subject = `{${a.map(formatAddress).join(', ')}}`;
    how = `split ${subject} from {the other ${nodes.length - a.length} nodes}`;
  } else {
    const victim = selectMaster(map, r.target);
    a = [nodes.find((n) => n.port === victim.port && n.host === victim.host)!];
    subject = `Master[${victim.index}] ${formatAddress(victim)}`;
    how = `${subject} from the other ${nodes.length - 1} nodes`;
  }
  const b = nodes.filter((n) => !a.includes(n));
  if (b.length === 0)
    throw new UsageError('the second side would be empty: every node is on the first', {
      hint: 'leave at least one node off the first side',
    });
  const spec: PartitionSpec = {
    sideA: a.map((n) => n.host),
    sideB: b.map((n) => n.host),
    mode: r.mode,
    direction: r.direction,
    loss: r.mode === 'flaky' ? r.loss : 1,
  };
  const mastersOn = (side: DeploymentNode[]): SlotMapMaster[] =>
    map.masters.filter((m) => m.slots.length > 0 && side.some((n) => n.port === m.port && n.host === m.host));
  // The minority: in a cluster, the side with fewer masters (the majority of masters elects); with Sentinel,
  // the side with fewer sentinels (the sentinels' majority fails over).
  const weight = (side: DeploymentNode[]): number =>
    sentinels.length
      ? side.filter((n) => sentinels.some((s) => s.port === n.port && s.host === n.host)).length
      : mastersOn(side).length;
  const [small, other] = weight(a) <= weight(b) ? [a, b] : [b, a];
  const cutOff = mastersOn(small).filter((m) =>
    m.replicas.some((rep) => other.some((n) => n.port === rep.port && n.host === rep.host)),
  );
  return { spec, sides: [a, b], cutOff, minority: small, how: describeCut(r, how, subject) };
}

/** "isolate Master[0] ... from the other 5 nodes, both ways", "black hole: Master[0] ..., every packet ...". Pure. */
function describeCut(r: PartitionRequest, how: string, subject: string): string {
  switch (r.mode) {
    case 'isolate':
      return `isolate ${how}, both ways`;
    case 'flaky':
      return `flaky link: ${how}, ${Math.round(r.loss * 100)}% of packets lost both ways`;
    case 'one-way':
      return `one-way cut: ${how}, ${r.direction === 'out' ? 'its packets to the others dropped (one way)' : "the others' packets to it dropped (one way)"}`;
    case 'blackhole':
      return `black hole: ${subject}, every packet to and from its ports dropped (clients too), its process running`;
  }
}

/** The chain of this cluster's rules (the same name every time, so heal and destroy find it). */
export function clusterChain(ctx: Pick<Deployment, 'stateDir' | 'name'>): string {
  return chainName(clusterDir(ctx.stateDir, ctx.name));
}

/** The hosts that run the cluster's nodes, with the node addresses each one holds. */
function hostsOf(ctx: Deployment): Map<Host, string[]> {
  const byHost = new Map<Host, string[]>();
  for (const n of [...ctx.nodes, ...ctx.sentinels]) {
    if (!n.redis) continue;
    const h = n.redis.spec.host;
    byHost.set(h, [...(byHost.get(h) ?? []), n.host]);
  }
  return byHost;
}

/**
 * Cuts the network as planned: on each host, the drops whose destination is
 * one of its nodes, in this cluster's chain. Checked first on every host
 * (iptables there, and the right to use it): nothing changes unless it can.
 */
export async function applyPartition(ctx: Deployment, p: PlannedPartition): Promise<PartitionRecord> {
  if (!ctx.managed || !ctx.state)
    throw new UsageError(
      'a partition needs a cluster redis-drill created (it changes the firewall of the hosts its nodes run on)',
      { hint: 'drop --seed and use --cluster NAME' },
    );
  const hosts = hostsOf(ctx);
  for (const h of hosts.keys()) await checkFirewall(h);
  const chain = clusterChain(ctx);
  // Client and bus ports of the data nodes (a Sentinel deployment has no bus), and the sentinels' ports.
  const ports = [
    ...ctx.nodes.flatMap((n) => (ctx.ops.kind === 'cluster' ? [n.port, n.port + 10000] : [n.port])),
    ...ctx.sentinels.map((n) => n.port),
  ];
  const all = drops(p.spec);
  const applied: Host[] = [];
  try {
    for (const [h, local] of hosts) {
      await applyChain(
        h,
        chain,
        ruleArgs(
          chain,
          // A drop to any address (a black hole's packets from its nodes) is on every host.
          all.filter((d) => d.to === null || local.includes(d.to)),
          ports,
        ),
      );
      applied.push(h);
    }
  } catch (e) {
    // All or nothing: a host that refused leaves no other host cut.
    await Promise.allSettled(applied.map((h) => removeChain(h, chain)));
    throw e;
  }
  const record: PartitionRecord = {
    chain,
    mode: p.spec.mode,
    direction: p.spec.direction,
    loss: p.spec.loss,
    sides: [p.sides[0].map(formatAddress), p.sides[1].map(formatAddress)],
    cutOff: p.cutOff.map((m) => ({ id: m.id, host: m.host, port: m.port })),
    startedAt: new Date().toISOString(),
  };
  ctx.state.partition = record;
  await writeState(ctx.stateDir, ctx.state);
  return record;
}

/** Removes this cluster's rules on every host (also a chain a crashed run left). Returns the partition that was in place, if any. */
export async function removePartition(ctx: Deployment): Promise<{ removed: boolean; record: PartitionRecord | null }> {
  if (!ctx.managed || !ctx.state)
    throw new UsageError('heal works on a cluster redis-drill created', { hint: 'drop --seed and use --cluster NAME' });
  const chain = clusterChain(ctx);
  let removed = false;
  for (const h of hostsOf(ctx).keys()) {
    // No iptables there, or (here) no right to use it: then no chain of ours can be there either,
    // unless the state file says one is, and then the user must be told.
    const usable = (await h.which(['iptables'])) !== null && (h.remote || (await mayChangeFirewall()));
    if (!usable) {
      if (ctx.state.partition) await checkFirewall(h);
      continue;
    }
    if (await removeChain(h, chain)) removed = true;
  }
  const record = ctx.state.partition;
  if (record) {
    ctx.state.partition = null;
    await writeState(ctx.stateDir, ctx.state);
  }
  return { removed: removed || record !== null, record };
}

/** Before a drill that partitions starts: the hosts' firewalls can be changed, and the deployment can be cut. */
export async function checkPartitionReady(ctx: Deployment): Promise<void> {
  if (!ctx.managed)
    throw new UsageError(
      'a partition needs a cluster redis-drill created (it changes the firewall of the hosts its nodes run on)',
      { hint: 'drop --seed and use --cluster NAME' },
    );
  checkPartitionable([...ctx.nodes, ...ctx.sentinels], ctx.ops.kind);
  for (const h of hostsOf(ctx).keys()) await checkFirewall(h);
}
