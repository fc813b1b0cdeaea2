import type { NodeClient } from '../nodes/resp-client.js';
import { EnvironmentError } from '../errors.js';
import { type Address, callText, formatAddress } from '../nodes/client.js';
import type { NodePool } from '../nodes/pool.js';
import { type Clock, systemClock } from '../util/clock.js';
import { waitUntil } from '../util/wait.js';
import { type FormingState, formingStep } from './forming-care.js';
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
  /** A line for the user when the forming has to be helped along (timeout raised, a node met again). */
  info?: (line: string) => void;
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
 * The node timeout while a cluster of `nodes` forms, in ms: 20 ms per node,
 * at least 500. Shorter makes the nodes ping each other more often, so the
 * slot map spreads sooner, until the machine cannot keep up: then pongs come
 * late, nodes flag each other as failing and the cluster never agrees. A
 * square law (n^2/10, 1000 ms for 100 nodes) was 0.45 s faster on an idle
 * host but never agreed on one twice as slow (the classic path took 16 s
 * there, against 8.5 s), where 20 ms per node took 7.0-7.3 s. 200 nodes:
 * 4000 ms (2000 never agreed). forming-care.ts raises it further when the
 * nodes still flag each other. Pure.
 */
export function formingNodeTimeout(nodes: number): number {
  return Math.max(500, 20 * nodes);
}

async function addSlots(client: NodeClient, slots: readonly SlotRange[], serverVersion: string): Promise<void> {
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
          c.call('DBSIZE') as Promise<number>,
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
  // at the end (and is what redis.conf says for any restart). While forming,
  // no replica may fail over: a late pong on a busy machine must not hand a
  // master's slots to its replica before the cluster even exists
  // (forming-care.ts has what was seen).
  const clock = o.clock ?? systemClock;
  // Not capped by the configured timeout: a shorter one is the user's to run with, not to form with.
  const formingTimeout = formingNodeTimeout(plan.nodes.length);
  const setNodeTimeout = (ms: number) =>
    Promise.all(clients.map((c) => c.call('CONFIG', 'SET', 'cluster-node-timeout', String(ms))));
  const noFailover = await Promise.all(
    clients.map(async (c) => {
      const [, value] = (await c.call('CONFIG', 'GET', 'cluster-replica-no-failover')) as string[];
      await c.call('CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');
      return value ?? 'no';
    }),
  );
  await setNodeTimeout(formingTimeout);
  let care: FormingState = { timeoutMs: formingTimeout, setAt: clock.now(), unknownSince: new Map() };

  const slotsById = new Map(plan.masters.map((m) => [ids[m.node]!, m.slots]));
  /** Raises the forming timeout or meets a forgotten node again, as formingStep decides from the views. */
  const helpForming = async (views: (ClusterNodeEntry[] | null)[]): Promise<void> => {
    const { state, actions } = formingStep(care, views, ids, clock.now());
    care = state;
    if (actions.raiseTo !== null) {
      o.info?.(`  nodes flag each other as failing: node timeout while forming raised to ${actions.raiseTo} ms`);
      await setNodeTimeout(actions.raiseTo);
    }
    if (actions.meet.length > 0)
      o.info?.(`  ${actions.meet.length} node(s) still unknown to others: meeting them again (CLUSTER MEET)`);
    // A refused MEET is only a missed nudge; the next look tries again.
    await Promise.all(
      actions.meet.map(({ from, to }) =>
        clients[from]!.call('CLUSTER', 'MEET', plan.nodes[to]!.host, plan.nodes[to]!.port).catch(() => undefined),
      ),
    );
  };
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
              const view = await callText(clients[r]!, 'CLUSTER', 'NODES').then(parseClusterNodes, () => []);
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
      // A node too busy to answer in time is not ready yet, not a failed create: the deadline decides.
      const answers = await Promise.all(
        clients.map((c) =>
          Promise.all([
            callText(c, 'CLUSTER', 'NODES'),
            callText(c, 'CLUSTER', 'INFO'),
            callText(c, 'INFO', 'replication'),
          ])
            .then(([nodes, info, repl]) => ({
              view: parseClusterNodes(nodes),
              clusterInfo: parseInfo(info),
              replication: parseInfo(repl),
            }))
            .catch((e: unknown) => new Error(`no answer (${(e as Error).message})`)),
        ),
      );
      const problems = answers.map((a, i) =>
        a instanceof Error ? a.message : formationProblem(a, ids, slotsById, ids[i]!),
      );
      const bad = problems.map((p, i) => ({ p, i })).filter((x) => x.p !== null);
      if (bad.length === 0) return { done: true, value: undefined };
      await helpForming(answers.map((a) => (a instanceof Error ? null : a.view)));
      return {
        done: false,
        seen: `${bad.length} node(s) not ready, e.g. ${formatAddress(plan.nodes[bad[0]!.i]!)}: ${bad[0]!.p}`,
      };
    }, waitOpts('every node agreeing on the slot map, replicas linked and cluster_state:ok')),
  );
  await setNodeTimeout(o.nodeTimeoutMs);
  await Promise.all(clients.map((c, i) => c.call('CONFIG', 'SET', 'cluster-replica-no-failover', noFailover[i]!)));
  return ids;
}
