import { UsageError } from '../errors.js';
import { type ConfigEntry, renderNodeConfig } from '../nodes/config.js';
import { persistenceOf } from '../nodes/persistence.js';
import { NodePool } from '../nodes/pool.js';
import type { RedisNode } from '../nodes/redis-node.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { rollBack } from '../util/rollback.js';
import { formCluster } from './form.js';
import { destroyDeployment } from './lifecycle.js';
import { expandBind } from './bind.js';
import {
  hostsOf,
  localEntries,
  ownAddresses,
  prepareDeployment,
  recordsFor,
  remoteHostsOf,
  startProcesses,
} from './deploy.js';
import { checkLayout, type HostEntry } from './layout.js';
import { planPlacement, planSlots } from './plan.js';
import { closeThenCheckInterrupt, type Hosts, nodeFor } from './runtime.js';
import type { SlotRange } from './slots.js';
import { type DeploymentState, clusterDir, ensureDir, writeState } from './state.js';

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
  /** Machines to run on (SSH); default: this machine, `bind`, consecutive ports from `port`. */
  hosts?: HostEntry[];
  sshConnectTimeoutMs?: number;
  abortSignal?: AbortSignal;
  reporter?: Reporter;
  clock?: Clock;
}

export interface NodeSummary {
  id: string;
  host: string;
  port: number;
  /** Where it runs: "local" or the SSH host ("user@address"). */
  machine: string;
  role: 'master' | 'replica';
  masterId: string | null;
  slots: SlotRange[];
  pid: number | null;
  dir: string;
}

export interface CreateResult {
  cluster: string;
  server: DeploymentState['server'];
  nodeTimeoutMs: number;
  /** Whether the nodes require a password (it is never printed; it is in the state file). */
  passwordProtected: boolean;
  nodes: NodeSummary[];
  elapsedMs: number;
}

export const MIN_MASTERS = 3;

/**
 * Checks the numbers before anything starts; every problem is a usage error
 * (exit 2). `port` is the base of consecutive local ports; SSH hosts bring
 * their own ports, which checkLayout judges.
 */
export function validateCreateOptions(
  o: Pick<CreateOptions, 'masters' | 'replicas' | 'nodeTimeoutMs'> & { port?: number },
): void {
  if (!Number.isInteger(o.masters) || o.masters < MIN_MASTERS) {
    throw new UsageError(`--masters must be at least ${MIN_MASTERS} (got ${o.masters})`, {
      hint: 'Redis Cluster needs a majority of masters to agree that a master failed, so fewer than 3 cannot fail over',
    });
  }
  if (!Number.isInteger(o.replicas) || o.replicas < 0)
    throw new UsageError(`--replicas must be 0 or more (got ${o.replicas})`);
  const count = o.masters * (1 + o.replicas);
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port + count - 1 + 10000 > 65535)) {
    throw new UsageError(
      `--port ${o.port} does not fit ${count} nodes: ports ${o.port}-${o.port + count - 1} and their cluster bus ports (+10000) must lie in 1-65535`,
      {
        hint: `choose a base port between 1 and ${65535 - 10000 - count + 1}`,
      },
    );
  }
  if (!Number.isInteger(o.nodeTimeoutMs) || o.nodeTimeoutMs < 100) {
    throw new UsageError(`--node-timeout must be at least 100 ms (got ${o.nodeTimeoutMs})`);
  }
}

/**
 * Creates a cluster: starts `masters x (1 + replicas)` daemonized
 * redis-server processes (on this machine, or over SSH on the given hosts)
 * and forms them into a cluster. If anything fails or the user interrupts,
 * every process started is stopped and the cluster's directories removed
 * before the error is rethrown.
 */
export async function createCluster(o: CreateOptions): Promise<CreateResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const started = clock.now();
  validateCreateOptions({ ...o, port: o.hosts ? undefined : o.port });
  const count = o.masters * (1 + o.replicas);
  const entries: HostEntry[] =
    o.hosts ??
    localEntries(
      expandBind(o.bind, count),
      Array.from({ length: count }, (_, i) => o.port + i),
    );
  checkLayout(entries, count);
  const hosts = hostsOf(entries, o);
  try {
    const d = { ...o, reporter };
    const { prepared, server } = await prepareDeployment(entries, hosts, d, true);
    const state: DeploymentState = {
      schemaVersion: 1,
      kind: 'cluster',
      name: o.cluster,
      createdAt: new Date().toISOString(),
      server,
      nodeTimeoutMs: o.nodeTimeoutMs,
      persistence: persistenceOf(o.config),
      masters: o.masters,
      replicas: o.replicas,
      password: o.password,
      hosts: remoteHostsOf(prepared),
      nodes: recordsFor(prepared, o, 'nodes', true),
      partition: null,
      sentinel: null,
    };
    return await startAndForm(state, hosts, o, { clock, reporter, started });
  } finally {
    await hosts.dispose();
  }
}

async function startAndForm(
  state: DeploymentState,
  hosts: Hosts,
  o: CreateOptions,
  t: { clock: Clock; reporter: Reporter; started: number },
): Promise<CreateResult> {
  const { clock, reporter } = t;
  const count = state.nodes.length;
  const pool = new NodePool({ timeoutMs: 5000, password: o.password });
  let nodes: RedisNode[] = [];
  try {
    await ensureDir(clusterDir(o.stateDir, o.cluster));
    // Written before any process starts, so `cluster destroy` can always clean up.
    await writeState(o.stateDir, state);
    nodes = state.nodes.map((r) => nodeFor(hosts, state, r));
    const placement = planPlacement(
      state.nodes.map((n) => ({ host: n.host })),
      o.masters,
      o.replicas,
    );
    if (Object.keys(state.hosts).length > 0) {
      for (const pair of placement.sameHostPairs) {
        reporter.warn(
          `replica ${nodes[pair.replica]!.label} is on the same host as its master ${nodes[pair.master]!.label}: there are not enough hosts to keep them apart`,
        );
      }
    }
    const network = ownAddresses(state.nodes, state.server.version, o.password);
    const configs = nodes.map((n) =>
      renderNodeConfig({
        bind: n.spec.bind,
        port: n.spec.port,
        dir: n.spec.dir,
        nodeTimeoutMs: o.nodeTimeoutMs,
        password: o.password,
        extra: o.config,
        ...network,
      }),
    );
    // The masters first, the replicas once they answer: a master reports
    // cluster_state:ok no sooner than 2 s after it starts (CLUSTER_WRITABLE_DELAY),
    // a replica has no such wait, so the replicas start while those 2 s run.
    const replicas = nodes.map((_, i) => i).filter((i) => !placement.masters.includes(i));
    await reporter.step(
      `Starting ${count} ${state.server.flavor}-server ${state.server.version} processes`,
      async () => {
        for (const wave of [placement.masters, replicas]) {
          const pick = <T>(all: readonly T[]): T[] => wave.map((i) => all[i]!);
          await startProcesses(state, pick(nodes), pick(state.nodes), pick(configs), {
            stateDir: o.stateDir,
            abortSignal: o.abortSignal,
            clock,
          });
        }
      },
    );

    const slots = planSlots(o.masters);
    const plan = {
      nodes: nodes.map((n) => n.address),
      masters: placement.masters.map((node, i) => ({ node, slots: [slots[i]!], replicas: placement.replicasOf[i]! })),
    };
    const ids = await formCluster(plan, {
      pool,
      timeoutMs: 20_000 + 200 * count,
      serverVersion: state.server.version,
      nodeTimeoutMs: o.nodeTimeoutMs,
      abortSignal: o.abortSignal,
      clock,
      step: (title, fn) => reporter.step(title, fn),
      info: (line) => reporter.info(line),
    });

    await closeThenCheckInterrupt(pool, hosts, o.abortSignal);
    const masterOf = new Map<number, number>();
    plan.masters.forEach((m) => m.replicas.forEach((r) => masterOf.set(r, m.node)));
    const summaries: NodeSummary[] = state.nodes.map((r, i) => {
      const m = plan.masters.find((x) => x.node === i);
      const master = masterOf.get(i);
      return {
        id: ids[i]!,
        host: r.bind,
        port: r.port,
        machine: r.host,
        role: m ? 'master' : 'replica',
        masterId: master === undefined ? null : ids[master]!,
        slots: m ? m.slots : [],
        pid: r.pid,
        dir: r.dir,
      };
    });
    return {
      cluster: o.cluster,
      server: state.server,
      nodeTimeoutMs: o.nodeTimeoutMs,
      passwordProtected: o.password !== null,
      nodes: summaries,
      elapsedMs: Math.round(clock.now() - t.started),
    };
  } catch (e) {
    await pool.close();
    await rollBack(() => destroyDeployment({ stateDir: o.stateDir, cluster: o.cluster, fast: true }), {
      left: `the processes started so far and ${clusterDir(o.stateDir, o.cluster)}`,
      remove: `redis-drill cluster destroy --cluster ${o.cluster}`,
      warn: (m) => reporter.warn(m),
    });
    throw e;
  } finally {
    await pool.close();
  }
}
