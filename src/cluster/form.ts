import type { Redis } from 'ioredis';
import { EnvironmentError } from '../errors.js';
import { type Address, callText, formatAddress } from '../nodes/client.js';
import type { NodePool } from '../nodes/pool.js';
import { type Clock } from '../util/clock.js';
import { waitUntil } from '../util/wait.js';
import { type ClusterNodeEntry, parseClusterNodes, parseInfo } from './nodes-parser.js';
import { type SlotRange, rangesEqual } from './slots.js';

export interface FormationPlan {
  /** Every node, in the order of `ids`. */
  nodes: Address[];
  /** Each master (index into nodes) with its slots and replicas. */
  masters: { node: number; slots: SlotRange[]; replicas: number[] }[];
}

export interface FormOptions {
  pool: NodePool;
  timeoutMs: number;
  /** Server version: ADDSLOTSRANGE exists from 7.0 on. */
  serverVersion: string;
  /** The cluster-node-timeout the nodes keep once formed. */
  nodeTimeoutMs: number;
  abortSignal?: AbortSignal;
  clock?: Clock;
  step: <T>(title: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * What keeps a node's CLUSTER NODES view from matching the plan, or null
 * when it matches: every node known (none still in handshake) and every
 * master owning exactly its planned slots.
 */
export function viewMismatch(
  view: readonly ClusterNodeEntry[],
  ids: readonly string[],
  slotsById: ReadonlyMap<string, SlotRange[]>,
): string | null {
  const pending = view.filter((n) => n.flags.includes('handshake') || n.flags.includes('noaddr'));
  if (pending.length > 0) return `${pending.length} node(s) still in handshake`;
  const known = new Set(view.map((n) => n.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) return `${missing.length} of ${ids.length} nodes not known yet`;
  for (const [id, slots] of slotsById) {
    const entry = view.find((n) => n.id === id);
    if (!entry || !rangesEqual(entry.slots, slots)) return `slots of ${id.slice(0, 8)} not agreed yet`;
  }
  return null;
}

/**
 * Why one node is not yet part of the planned, healthy cluster (null: it is):
 * its view differs from the plan, it is not cluster_state:ok, or it is a
 * replica whose link to its master is down.
 */
export function formationProblem(
  node: {
    view: readonly ClusterNodeEntry[];
    clusterInfo: ReadonlyMap<string, string>;
    replication: ReadonlyMap<string, string>;
  },
  ids: readonly string[],
  slotsById: ReadonlyMap<string, SlotRange[]>,
  myId: string,
): string | null {
  const mismatch = viewMismatch(node.view, ids, slotsById);
  if (mismatch) return mismatch;
  if (node.clusterInfo.get('cluster_state') !== 'ok')
    return `cluster_state:${node.clusterInfo.get('cluster_state') ?? '?'}`;
  const isReplica = !slotsById.has(myId);
  if (isReplica && node.replication.get('master_link_status') !== 'up') return 'replica link to its master not up yet';
  return null;
}

/**
 * The node timeout while a cluster of `nodes` forms, in ms. Each node pings
 * every peer about once per timeout/2, each ping carrying gossip about a
 * tenth of the nodes: the cluster's work grows as nodes^3 / timeout, so a
 * timeout growing as nodes^2 keeps it linear. 100 nodes: 1000 ms (create
 * median 3.07 s against 3.51 s at 2000 ms, the earlier 20 ms per node, six
 * interleaved runs); 200 nodes: 4000 ms (2000 ms never agreed on two cores,
 * 4000 took 8.4-9.2 s); never below 500 ms (100 nodes at 500 ms never
 * agreed either). Pure.
 */
export function formingNodeTimeout(nodes: number): number {
  return Math.max(500, Math.round(nodes ** 2 / 10));
}

async function addSlots(client: Redis, slots: readonly SlotRange[], serverVersion: string): Promise<void> {
  if (Number(serverVersion.split('.')[0]) >= 7) {
    await client.call('CLUSTER', 'ADDSLOTSRANGE', ...slots.flat());
    return;
  }
  const all: number[] = [];
  for (const [s, e] of slots) for (let i = s; i <= e; i++) all.push(i);
  await client.call('CLUSTER', 'ADDSLOTS', ...all);
}

/**
 * Forms a cluster out of empty, running cluster-mode nodes: slots, config
 * epochs, MEET, wait until every node agrees, REPLICATE, then wait until
 * every replica's link is up and every node says cluster_state:ok.
 * Returns the node ids in the order of plan.nodes.
 */
export async function formCluster(plan: FormationPlan, o: FormOptions): Promise<string[]> {
  const clients = await Promise.all(plan.nodes.map((a) => o.pool.get(a)));
  const waitOpts = (what: string) => ({
    what,
    timeoutMs: o.timeoutMs,
    intervalMs: 20,
    clock: o.clock,
    abortSignal: o.abortSignal,
  });

  const ids = await o.step('Checking nodes are empty', () =>
    Promise.all(
      clients.map(async (c, i) => {
        const [info, dbsize, id] = await Promise.all([
          callText(c, 'CLUSTER', 'INFO'),
          c.dbsize(),
          callText(c, 'CLUSTER', 'MYID'),
        ]);
        const known = Number(parseInfo(info).get('cluster_known_nodes'));
        if (known !== 1 || dbsize !== 0) {
          throw new EnvironmentError(
            `${formatAddress(plan.nodes[i]!)} is not empty (knows ${known} nodes, holds ${dbsize} keys)`,
            {
              hint: 'a cluster is formed only from empty nodes; remove old nodes.conf and data files, or use another --port',
            },
          );
        }
        return id;
      }),
    ),
  );

  await o.step('Assigning slots and config epochs', () =>
    Promise.all([
      ...plan.masters.map((m) => addSlots(clients[m.node]!, m.slots, o.serverVersion)),
      // Distinct epochs, as redis-cli sets them, so no collision has to be resolved later.
      ...clients.map((c, i) => c.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1)),
    ]),
  );

  // Masters' slots reach the other nodes only in PING/PONG headers, and a
  // node pings a peer about every node-timeout/2: with the default 5000 ms
  // agreement would take seconds. A short timeout while forming makes the
  // nodes ping each other every cron tick; the configured one is restored
  // at the end (and is what redis.conf says for any restart).
  const formingTimeout = Math.min(o.nodeTimeoutMs, formingNodeTimeout(plan.nodes.length));
  const setNodeTimeout = (ms: number) =>
    Promise.all(clients.map((c) => c.call('CONFIG', 'SET', 'cluster-node-timeout', String(ms))));
  await setNodeTimeout(formingTimeout);

  const slotsById = new Map(plan.masters.map((m) => [ids[m.node]!, m.slots]));
  await o.step('Joining nodes (CLUSTER MEET) and attaching replicas (CLUSTER REPLICATE)', async () => {
    // Every node meets the first (as redis-cli does) and gossip spreads the
    // rest; measured faster than a full mesh of MEETs, whose thousands of
    // simultaneous handshakes (100 nodes) swamp two cores. Each replica also
    // meets its own master so it can be attached without waiting for gossip.
    const first = plan.nodes[0]!;
    await Promise.all([
      ...clients.slice(1).map((c) => c.call('CLUSTER', 'MEET', first.host, first.port)),
      ...plan.masters.flatMap((m) =>
        m.replicas.map((r) =>
          m.node === 0 ? null : clients[r]!.call('CLUSTER', 'MEET', plan.nodes[m.node]!.host, plan.nodes[m.node]!.port),
        ),
      ),
    ]);
    // Each replica is attached as soon as it knows its master, while the
    // slot map is still spreading: the two overlap instead of adding up.
    await Promise.all(
      plan.masters.flatMap((m) =>
        m.replicas.map(async (r) => {
          const masterId = ids[m.node]!;
          await waitUntil(
            async () => {
              const view = parseClusterNodes(await callText(clients[r]!, 'CLUSTER', 'NODES'));
              const master = view.find((n) => n.id === masterId);
              return master && !master.flags.includes('handshake')
                ? { done: true, value: undefined }
                : { done: false, seen: 'master not known yet' };
            },
            waitOpts(`${formatAddress(plan.nodes[r]!)} learning its master ${masterId.slice(0, 8)}`),
          );
          await clients[r]!.call('CLUSTER', 'REPLICATE', masterId);
        }),
      ),
    );
  });

  await o.step('Waiting until every node agrees and reports cluster_state:ok', () =>
    waitUntil(async () => {
      const problems = await Promise.all(
        clients.map(async (c, i) => {
          const [nodes, info, repl] = await Promise.all([
            callText(c, 'CLUSTER', 'NODES'),
            callText(c, 'CLUSTER', 'INFO'),
            callText(c, 'INFO', 'replication'),
          ]);
          return formationProblem(
            { view: parseClusterNodes(nodes), clusterInfo: parseInfo(info), replication: parseInfo(repl) },
            ids,
            slotsById,
            ids[i]!,
          );
        }),
      );
      const bad = problems.map((p, i) => ({ p, i })).filter((x) => x.p !== null);
      if (bad.length === 0) return { done: true, value: undefined };
      return {
        done: false,
        seen: `${bad.length} node(s) not ready, e.g. ${formatAddress(plan.nodes[bad[0]!.i]!)}: ${bad[0]!.p}`,
      };
    }, waitOpts('every node agreeing on the slot map, replicas linked and cluster_state:ok')),
  );
  await setNodeTimeout(o.nodeTimeoutMs);
  return ids;
}
