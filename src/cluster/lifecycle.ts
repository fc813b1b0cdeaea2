import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LocalHost } from '../hosts/local.js';
import { NodePool } from '../nodes/pool.js';
import { RedisNode } from '../nodes/redis-node.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { rollBack } from '../util/rollback.js';
import { allSettledOrThrow } from '../util/wait.js';
import { checkFirewall, removeChainEverywhere } from '../faults/iptables.js';
import { chainName } from '../faults/partition-plan.js';
import { waitClusterHealthy } from './health.js';
import { waitSentinelFormed } from '../sentinel/health.js';
import { closeThenCheckInterrupt, Hosts, hostsFor, nodeFor } from './runtime.js';
import {
  type DeploymentState,
  type NodeRecord,
  allNodes,
  checkKind,
  clusterDir,
  readState,
  writeState,
} from './state.js';

export interface LifecycleOptions {
  stateDir: string;
  cluster: string;
  /** The kind the command is for (`cluster stop` / `sentinel stop`): another kind is refused (exit 2). */
  expect?: 'cluster' | 'sentinel';
  abortSignal?: AbortSignal;
  reporter?: Reporter;
  clock?: Clock;
}

export interface StopResult {
  cluster: string;
  /** Nodes this call stopped. */
  stopped: string[];
  /** Nodes that were not running already. */
  notRunning: string[];
}

export interface DestroyResult extends StopResult {
  removed: boolean;
  dir: string;
  /** Hosts where a network partition of this cluster was still in place and was removed. */
  healed: string[];
}

/** The pid of a node's live process: the recorded one, else the pid file's; null when none is alive. */
export async function livePid(node: RedisNode, recorded: number | null): Promise<number | null> {
  for (const pid of [recorded, await node.readPid()]) {
    if (pid !== null && (await node.processState(pid)) !== 'gone') return pid;
  }
  return null;
}

async function stopNodes(
  nodes: RedisNode[],
  pids: (number | null)[],
  stepTimeoutMs: number,
): Promise<Omit<StopResult, 'cluster'>> {
  const outcomes = await allSettledOrThrow(nodes, async (n, i) =>
    n.stop(await livePid(n, pids[i] ?? null), { stepTimeoutMs }),
  );
  return {
    stopped: nodes.filter((_, i) => outcomes[i] === 'stopped').map((n) => n.label),
    notRunning: nodes.filter((_, i) => outcomes[i] === 'not running').map((n) => n.label),
  };
}

/**
 * When the state file is unreadable, the node directories (named
 * "<bind>-<port>") still say which processes to look for.
 */
async function recordsFromDirs(dir: string): Promise<(NodeRecord & { sentinel: boolean })[]> {
  const found = await Promise.all(
    ['nodes', 'sentinels'].map(async (sub) => {
      const names = await readdir(path.join(dir, sub)).catch((e: NodeJS.ErrnoException) => {
        // Only a missing directory means "none of these"; anything else is worth an error.
        if (e.code === 'ENOENT') return [] as string[];
        throw e;
      });
      return names.flatMap((name) => {
        const m = /^(.+)-(\d+)$/.exec(name);
        return m
          ? [
              {
                host: 'local',
                bind: m[1]!,
                port: Number(m[2]),
                busPort: null,
                dir: path.join(dir, sub, name),
                pid: null,
                sentinel: sub === 'sentinels',
              },
            ]
          : [];
      });
    }),
  );
  return found.flat();
}

/** Stops every process of the cluster (keeping its data) and records that in the state file. */
export async function stopDeployment(o: LifecycleOptions): Promise<StopResult> {
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, o.expect);
  const hosts = hostsFor(state);
  try {
    const records = allNodes(state);
    const nodes = records.map((r) => nodeFor(hosts, state, r));
    const result = await (o.reporter ?? silentReporter).step(`Stopping ${nodes.length} nodes`, () =>
      stopNodes(
        nodes,
        records.map((r) => r.pid),
        3000,
      ),
    );
    records.forEach((r) => (r.pid = null));
    await writeState(o.stateDir, state);
    return { cluster: o.cluster, ...result };
  } finally {
    await hosts.dispose();
  }
}

/**
 * Stops everything and removes the cluster's directory (unless keepData).
 * Idempotent: a missing cluster, an unreadable state file or processes that
 * are already gone are not errors.
 */
export async function destroyDeployment(
  o: LifecycleOptions & { keepData?: boolean; fast?: boolean },
): Promise<DestroyResult> {
  const dir = clusterDir(o.stateDir, o.cluster);
  const present = await stat(dir).then(
    () => true,
    () => false,
  );
  if (!present) return { cluster: o.cluster, stopped: [], notRunning: [], removed: false, dir, healed: [] };
  let state: DeploymentState | null = null;
  try {
    state = await readState(o.stateDir, o.cluster);
  } catch {
    state = null; // a damaged state file: the node directories below still say what to stop
  }
  if (state) checkKind(state, o.expect);
  const hosts = state ? hostsFor(state) : new Hosts();
  try {
    const records = state ? allNodes(state) : await recordsFromDirs(dir);
    const nodes = records.map((r) =>
      state
        ? nodeFor(hosts, state, r)
        : new RedisNode({
            host: new LocalHost(),
            bind: r.bind,
            port: r.port,
            dir: r.dir,
            serverPath: 'redis-server',
            password: null,
            sentinel: 'sentinel' in r && r.sentinel === true,
          }),
    );
    const machines = [...new Set(nodes.map((n) => n.spec.host))];
    // A partition still in place can only be removed with the right to change the firewall: without it,
    // nothing is destroyed (the state file is what would let a later heal or destroy find the rules).
    if (state?.partition) for (const h of machines) await checkFirewall(h);
    const result = await (o.reporter ?? silentReporter).step(`Stopping ${nodes.length} nodes`, () =>
      stopNodes(
        nodes,
        records.map((r) => r.pid),
        o.fast ? 1000 : 3000,
      ),
    );
    // A partition left in place (or by a crashed run) must not outlive its cluster.
    const healed = await removeChainEverywhere(machines, chainName(dir));
    if (!o.keepData) {
      // Each SSH host has its own directory for the cluster; the state file's is last, so a failure here can be retried.
      await allSettledOrThrow(Object.entries(state?.hosts ?? {}), ([name, h]) => hosts.get(name).remove(h.clusterDir));
      await hosts.get('local').remove(dir);
    } else if (state) {
      allNodes(state).forEach((r) => (r.pid = null));
      await writeState(o.stateDir, state);
    }
    return { cluster: o.cluster, ...result, removed: !o.keepData, dir, healed };
  } finally {
    await hosts.dispose();
  }
}

/**
 * The stopped nodes in the order they start, each wave once the one before
 * answers. A cluster's nodes start all at once (its 2 s writable delay is
 * longer than any wait below). A Sentinel deployment starts its master, then
 * the replicas, then the sentinels: a replica that finds its master not yet
 * listening tries again a second later (its replication cron), and so does
 * a sentinel that finds a node down (once per ping period). From the shell,
 * 11 of 15 starts all at once took 1.3-1.5 s; in waves 4 of 15 did (a
 * replica's first replication cron that still missed), the rest 0.3-0.45 s.
 */
async function startWaves(state: DeploymentState, nodes: RedisNode[], toStart: number[]): Promise<number[][]> {
  if (!state.sentinel) return [toStart];
  const dataCount = state.nodes.length;
  const roles = await Promise.all(
    toStart.map(async (i) =>
      i >= dataCount ? 'sentinel' : dataRole(await nodes[i]!.spec.host.readFile(nodes[i]!.confPath)),
    ),
  );
  return startOrder(roles).map((wave) => wave.map((k) => toStart[k]!));
}

export type StartRole = 'master' | 'replica' | 'sentinel';

/** A data node's role as its redis.conf says (Sentinel rewrites it at every failover); an unreadable file starts first. */
export function dataRole(conf: string | null): 'master' | 'replica' {
  return conf !== null && /^\s*(replicaof|slaveof)\s/im.test(conf) ? 'replica' : 'master';
}

/** Pure: the waves, as indexes into `roles`: masters, then replicas, then sentinels; an empty wave is left out. */
export function startOrder(roles: readonly StartRole[]): number[][] {
  const order: StartRole[] = ['master', 'replica', 'sentinel'];
  return order.map((role) => roles.flatMap((r, k) => (r === role ? [k] : []))).filter((wave) => wave.length > 0);
}

export interface StartResult {
  cluster: string;
  started: string[];
  alreadyRunning: string[];
  elapsedMs: number;
}

/**
 * Starts the cluster's stopped nodes again from their own config and
 * nodes.conf, then waits until every node reports cluster_state:ok and every
 * replica's link is up. Nodes this call started are stopped again if it fails.
 */
export async function startDeployment(o: LifecycleOptions & { timeoutMs?: number }): Promise<StartResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const t0 = clock.now();
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, o.expect);
  const hosts = hostsFor(state);
  const pool = new NodePool({ timeoutMs: 2000, password: state.password });
  const records = allNodes(state);
  const nodes = records.map((r) => nodeFor(hosts, state, r));
  const startedHere: number[] = [];
  try {
    const pids = await Promise.all(nodes.map((n, i) => livePid(n, records[i]!.pid)));
    const toStart = nodes.map((_, i) => i).filter((i) => pids[i] === null);
    const waves = await startWaves(state, nodes, toStart);
    await reporter.step(`Starting ${toStart.length} of ${nodes.length} nodes`, async () => {
      for (const wave of waves) {
        const results = await Promise.allSettled(
          wave.map((i) => nodes[i]!.start({ timeoutMs: 10_000, abortSignal: o.abortSignal, clock })),
        );
        results.forEach((r, k) => {
          const i = wave[k]!;
          if (r.status === 'fulfilled') {
            pids[i] = r.value;
            startedHere.push(i);
          }
        });
        records.forEach((r, i) => (r.pid = pids[i] ?? null));
        await writeState(o.stateDir, state);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
    });
    const wait = { timeoutMs: o.timeoutMs ?? 20_000 + 4 * state.nodeTimeoutMs, clock, abortSignal: o.abortSignal };
    const s = state.sentinel;
    if (s) {
      await reporter.step('Waiting until every sentinel agrees on the master and every replica link is up', () =>
        waitSentinelFormed(
          {
            data: state.nodes.map((r) => ({ host: r.bind, port: r.port })),
            sentinels: s.nodes.map((r) => ({ host: r.bind, port: r.port })),
            masterName: s.masterName,
            connect: { timeoutMs: 2000, password: state.password },
            pool,
          },
          wait,
        ),
      );
    } else {
      await reporter.step('Waiting for cluster_state:ok and replica links', () =>
        waitClusterHealthy(
          nodes.map((n) => n.address),
          pool,
          wait,
        ),
      );
    }
    await closeThenCheckInterrupt(pool, hosts, o.abortSignal);
    return {
      cluster: o.cluster,
      started: startedHere.map((i) => nodes[i]!.label),
      alreadyRunning: nodes.filter((_, i) => !startedHere.includes(i)).map((n) => n.label),
      elapsedMs: Math.round(clock.now() - t0),
    };
  } catch (e) {
    await pool.close();
    // What this start began is stopped again, and the state file says so; a part that fails is said, not swallowed.
    const kind = state.kind === 'sentinel' ? 'sentinel' : 'cluster';
    await rollBack(
      async () => {
        const stopped = await Promise.allSettled(
          // Made again from the hosts: after a late interrupt they were disposed, and open fresh connections.
          startedHere.map((i) => nodeFor(hosts, state, records[i]!).stop(records[i]!.pid, { stepTimeoutMs: 1000 })),
        );
        const left = startedHere.filter((_, k) => stopped[k]!.status === 'rejected');
        records.forEach((r, i) => startedHere.includes(i) && !left.includes(i) && (r.pid = null));
        await writeState(o.stateDir, state);
        if (left.length) throw new Error(`${left.map((i) => nodes[i]!.label).join(', ')} did not stop`);
      },
      {
        left: `nodes this start began, and the state file's record of them`,
        remove: `redis-drill ${kind} stop --cluster ${o.cluster}`,
        warn: (m) => reporter.warn(m),
      },
    );
    throw e;
  } finally {
    await pool.close();
    await hosts.dispose();
  }
}
