import { stat } from 'node:fs/promises';
import { ClusterExistsError, UsageError } from '../errors.js';
import { LocalHost } from '../hosts/local.js';
import { findServerBinary } from '../nodes/binary.js';
import { type ConfigEntry, renderNodeConfig } from '../nodes/config.js';
import { NodePool } from '../nodes/pool.js';
import type { RedisNode } from '../nodes/redis-node.js';
import { PortInUseError } from '../errors.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { allSettledOrThrow } from '../util/wait.js';
import { formCluster } from './form.js';
import { destroyCluster } from './lifecycle.js';
import { planPlacement, planSlots } from './plan.js';
import { Hosts, nodeFor } from './runtime.js';
import type { SlotRange } from './slots.js';
import { type ClusterState, clusterDir, ensureDir, nodeDir, writeState } from './state.js';

export interface CreateOptions {
  cluster: string;
  stateDir: string;
  masters: number;
  replicas: number;
  port: number;
  bind: string;
  nodeTimeoutMs: number;
  redisServer?: string;
  config: ConfigEntry[];
  force: boolean;
  password: string | null;
  signal?: AbortSignal;
  reporter?: Reporter;
  clock?: Clock;
}

export interface NodeSummary {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  slots: SlotRange[];
  pid: number | null;
  dir: string;
}

export interface CreateResult {
  cluster: string;
  server: ClusterState['server'];
  nodeTimeoutMs: number;
  nodes: NodeSummary[];
  elapsedMs: number;
}

export const MIN_MASTERS = 3;

/** Checks the numbers before anything starts; every problem is a usage error (exit 2). */
export function validateCreateOptions(o: Pick<CreateOptions, 'masters' | 'replicas' | 'port' | 'nodeTimeoutMs'>): void {
  if (!Number.isInteger(o.masters) || o.masters < MIN_MASTERS) {
    throw new UsageError(`--masters must be at least ${MIN_MASTERS} (got ${o.masters})`, {
      hint: 'Redis Cluster needs a majority of masters to agree that a master failed, so fewer than 3 cannot fail over',
    });
  }
  if (!Number.isInteger(o.replicas) || o.replicas < 0) throw new UsageError(`--replicas must be 0 or more (got ${o.replicas})`);
  const count = o.masters * (1 + o.replicas);
  const lastBus = o.port + count - 1 + 10000;
  if (!Number.isInteger(o.port) || o.port < 1 || lastBus > 65535) {
    throw new UsageError(`--port ${o.port} does not fit ${count} nodes: ports ${o.port}-${o.port + count - 1} and their cluster bus ports (+10000) must lie in 1-65535`, {
      hint: `choose a base port between 1 and ${65535 - 10000 - count + 1}`,
    });
  }
  if (!Number.isInteger(o.nodeTimeoutMs) || o.nodeTimeoutMs < 100) {
    throw new UsageError(`--node-timeout must be at least 100 ms (got ${o.nodeTimeoutMs})`);
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Creates a local cluster: starts `masters x (1 + replicas)` daemonized
 * redis-server processes on consecutive ports and forms them into a cluster.
 * If anything fails or the user interrupts, every process started is stopped
 * and the cluster's directory removed before the error is rethrown.
 */
export async function createCluster(o: CreateOptions): Promise<CreateResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const started = clock.now();
  validateCreateOptions(o);
  const dir = clusterDir(o.stateDir, o.cluster);
  const local = new LocalHost();
  const server = await findServerBinary(local, o.redisServer);

  if (await exists(dir)) {
    if (!o.force) throw new ClusterExistsError(o.cluster, dir);
    await reporter.step(`Destroying the existing cluster "${o.cluster}" (--force)`, () => destroyCluster({ stateDir: o.stateDir, cluster: o.cluster }));
  }

  const count = o.masters * (1 + o.replicas);
  const ports = Array.from({ length: count }, (_, i) => o.port + i);
  await reporter.step(`Checking ports ${ports[0]}-${ports[ports.length - 1]} and their bus ports are free`, () =>
    allSettledOrThrow(ports, async (port) => {
      if (!(await local.portFree(o.bind, port))) throw new PortInUseError(o.bind, port, 'client');
      if (!(await local.portFree(o.bind, port + 10000))) throw new PortInUseError(o.bind, port + 10000, 'cluster bus');
    }),
  );

  const state: ClusterState = {
    schemaVersion: 1,
    name: o.cluster,
    createdAt: new Date().toISOString(),
    server,
    nodeTimeoutMs: o.nodeTimeoutMs,
    masters: o.masters,
    replicas: o.replicas,
    password: o.password,
    nodes: ports.map((port) => ({ host: 'local', bind: o.bind, port, busPort: port + 10000, dir: nodeDir(o.stateDir, o.cluster, o.bind, port), pid: null })),
  };

  const hosts = new Hosts();
  const pool = new NodePool({ timeoutMs: 5000, password: o.password });
  let nodes: RedisNode[] = [];
  try {
    await ensureDir(dir);
    // Written before any process starts, so `cluster destroy` can always clean up.
    await writeState(o.stateDir, state);
    nodes = state.nodes.map((r) => nodeFor(hosts, state, r));
    const placement = planPlacement(state.nodes.map((n) => ({ host: n.host })), o.masters, o.replicas);
    await reporter.step(`Starting ${count} redis-server ${server.version} processes`, async () => {
      await allSettledOrThrow(nodes, (n) =>
        n.writeConfig(renderNodeConfig({ bind: o.bind, port: n.spec.port, dir: n.spec.dir, nodeTimeoutMs: o.nodeTimeoutMs, password: o.password, extra: o.config })),
      );
      const pids = await Promise.allSettled(nodes.map((n) => n.start({ timeoutMs: 10_000, signal: o.signal, clock })));
      // Record every pid that started, even if another node failed, so cleanup finds it.
      pids.forEach((p, i) => (state.nodes[i]!.pid = p.status === 'fulfilled' ? p.value : null));
      await writeState(o.stateDir, state);
      const failed = pids.find((p): p is PromiseRejectedResult => p.status === 'rejected');
      if (failed) throw failed.reason;
    });

    const slots = planSlots(o.masters);
    const plan = {
      nodes: nodes.map((n) => n.address),
      masters: placement.masters.map((node, i) => ({ node, slots: [slots[i]!], replicas: placement.replicasOf[i]! })),
    };
    const ids = await formCluster(plan, {
      pool,
      timeoutMs: 20_000 + 200 * count,
      serverVersion: server.version,
      nodeTimeoutMs: o.nodeTimeoutMs,
      signal: o.signal,
      clock,
      step: (title, fn) => reporter.step(title, fn),
    });

    const masterOf = new Map<number, number>();
    plan.masters.forEach((m) => m.replicas.forEach((r) => masterOf.set(r, m.node)));
    const summaries: NodeSummary[] = state.nodes.map((r, i) => {
      const m = plan.masters.find((x) => x.node === i);
      const master = masterOf.get(i);
      return {
        id: ids[i]!,
        host: r.bind,
        port: r.port,
        role: m ? 'master' : 'replica',
        masterId: master === undefined ? null : ids[master]!,
        slots: m ? m.slots : [],
        pid: r.pid,
        dir: r.dir,
      };
    });
    return { cluster: o.cluster, server, nodeTimeoutMs: o.nodeTimeoutMs, nodes: summaries, elapsedMs: Math.round(clock.now() - started) };
  } catch (e) {
    await pool.close();
    await destroyCluster({ stateDir: o.stateDir, cluster: o.cluster, fast: true }).catch(() => undefined);
    throw e;
  } finally {
    await pool.close();
    await hosts.dispose();
  }
}
