import { stat } from 'node:fs/promises';
import { DeploymentExistsError } from '../errors.js';
import { type ServerBinary, versionAtLeast } from '../nodes/binary.js';
import type { RedisNode } from '../nodes/redis-node.js';
import type { Clock } from '../util/clock.js';
import type { Reporter } from '../util/reporter.js';
import { allSettledOrThrow } from '../util/wait.js';
import { isLoopback } from './bind.js';
import { destroyDeployment } from './lifecycle.js';
import { type HostEntry, hostName, nodeOrder } from './layout.js';
import { type PreparedHost, prepareHost } from './prepare-host.js';
import { Hosts } from './runtime.js';
import { type DeploymentState, type NodeRecord, clusterDir, nodeDir, writeState } from './state.js';

/**
 * The steps every deployment's create shares (a cluster's and a Sentinel
 * deployment's): the hosts, the check for an existing one (--force), the
 * per-host preparation (binary, ports, remote directory), the node records,
 * and starting the processes with their pids recorded at once.
 */

export interface DeployOptions {
  cluster: string;
  stateDir: string;
  force: boolean;
  redisServer?: string;
  sshConnectTimeoutMs?: number;
  reporter: Reporter;
}

/** This machine's nodes: one entry for a shared address, or one per node when each has its own. */
export function localEntries(binds: readonly string[], ports: readonly number[]): HostEntry[] {
  if (new Set(binds).size === 1) return [{ ssh: null, bind: binds[0]!, ports: [...ports] }];
  return binds.map((bind, i) => ({ ssh: null, bind, ports: [ports[i]!] }));
}

export function hostsOf(entries: readonly HostEntry[], o: Pick<DeployOptions, 'sshConnectTimeoutMs'>): Hosts {
  const remote = entries.filter((e) => e.ssh !== null);
  return new Hosts(Object.fromEntries(remote.map((e) => [hostName(e), e.ssh!])), o.sshConnectTimeoutMs);
}

/** Replaces an existing deployment of the same name (--force) or refuses; then checks every host. */
export async function prepareDeployment(
  entries: readonly HostEntry[],
  hosts: Hosts,
  o: DeployOptions,
  busPorts: boolean,
): Promise<{ prepared: PreparedHost[]; server: ServerBinary }> {
  const dir = clusterDir(o.stateDir, o.cluster);
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  ) {
    if (!o.force) throw new DeploymentExistsError(o.cluster, dir);
    await o.reporter.step(`Destroying the existing deployment "${o.cluster}" (--force)`, () =>
      destroyDeployment({ stateDir: o.stateDir, cluster: o.cluster }),
    );
  }
  const remote = entries.filter((e) => e.ssh !== null).length;
  const ports = entries.flatMap((e) => e.ports);
  const prepared = await o.reporter.step(
    remote > 0
      ? `Connecting to ${remote} host${remote === 1 ? '' : 's'} over SSH: redis-server, directories, ports`
      : `Checking ports ${portList(ports)}${busPorts ? ' and their bus ports' : ''} are free`,
    () => {
      // One look for the binary per host, however many addresses its nodes bind to.
      const binaries = new Map<string, Promise<ServerBinary>>();
      // The first host that fails ends the step (nothing has started yet): a mistyped address is reported at
      // once, not after every other host's login shell has started. The clean-up ends their sessions.
      return Promise.all(
        entries.map((e) =>
          prepareHost(hosts.get(hostName(e)), e, {
            cluster: o.cluster,
            redisServer: o.redisServer,
            force: o.force,
            binaries,
            busPorts,
          }),
        ),
      );
    },
  );
  const server = prepared[0]!.server;
  for (const p of prepared.filter((x) => x.server.version !== server.version)) {
    o.reporter.warn(
      `${p.name} has ${p.server.flavor}-server ${p.server.version}, ${prepared[0]!.name} has ${server.version}`,
    );
  }
  return { prepared, server };
}

/** The records of the nodes of prepared entries (in the order that spreads them over hosts), their directories under `sub`. */
export function recordsFor(
  prepared: readonly PreparedHost[],
  o: Pick<DeployOptions, 'stateDir' | 'cluster'>,
  sub: 'nodes' | 'sentinels',
  busPorts: boolean,
): NodeRecord[] {
  return nodeOrder(prepared.map((p) => p.entry)).map(({ entry, port }) => {
    const p = prepared[entry]!;
    const bind = p.entry.bind;
    const dir = p.remoteDir
      ? `${p.remoteDir}/${sub}/${bind}-${port}`
      : sub === 'nodes'
        ? nodeDir(o.stateDir, o.cluster, bind, port)
        : `${clusterDir(o.stateDir, o.cluster)}/sentinels/${bind}-${port}`;
    return { host: p.name, bind, port, busPort: busPorts ? port + 10000 : null, dir, pid: null };
  });
}

/** The SSH hosts of a deployment, for its state file. */
export function remoteHostsOf(prepared: readonly PreparedHost[]): DeploymentState['hosts'] {
  return Object.fromEntries(
    prepared
      .filter((p) => p.remoteDir !== null)
      .map((p) => [p.name, { ssh: p.entry.ssh!, redisServer: p.server.path, clusterDir: p.remoteDir! }]),
  );
}

/**
 * When every node has its own address (what a network fault needs): each
 * binds its outgoing bus and replication connections to it too (Redis 7.0+
 * `bind-source-addr`; without it they all come from 127.0.0.1, so rules
 * between node addresses would not match node-to-node traffic and a
 * partition would cut nothing), and, on loopback without a password, protected mode
 * is off: Redis 7.0 counts only 127.0.0.1 and ::1 as local, so nodes on
 * 127.0.1.x would refuse each other (replicas never sync), and nothing
 * outside this machine can reach a loopback address anyway.
 */
export function ownAddresses(
  records: readonly NodeRecord[],
  version: string,
  password: string | null,
): { sourceAddr: boolean; protectedModeOff: boolean } {
  const binds = new Set(records.map((n) => n.bind));
  const own = binds.size === records.length && records.length > 1;
  return {
    sourceAddr: own && versionAtLeast(version, '7.0.0'),
    protectedModeOff: own && password === null && [...binds].every(isLoopback),
  };
}

/**
 * Writes each node's config and starts them all; every pid that started is
 * recorded in the state file at once, even when another node failed, so the
 * cleanup finds it.
 */
export async function startProcesses(
  state: DeploymentState,
  nodes: readonly RedisNode[],
  records: readonly NodeRecord[],
  configs: readonly string[],
  o: { stateDir: string; abortSignal?: AbortSignal; clock: Clock },
): Promise<void> {
  await allSettledOrThrow(nodes, (n, i) => n.writeConfig(configs[i]!));
  const pids = await Promise.allSettled(
    nodes.map((n) => n.start({ timeoutMs: 10_000, abortSignal: o.abortSignal, clock: o.clock })),
  );
  pids.forEach((p, i) => (records[i]!.pid = p.status === 'fulfilled' ? p.value : null));
  await writeState(o.stateDir, state);
  const failed = pids.find((p): p is PromiseRejectedResult => p.status === 'rejected');
  if (failed) throw failed.reason;
}

export type { HostEntry };

/** "7000-7005" or, for ports in several runs (data nodes and sentinels), "7000-7002, 26379-26381". */
function portList(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const p of sorted) {
    const last = runs.at(-1);
    if (last && p === last[1] + 1) last[1] = p;
    else runs.push([p, p]);
  }
  return runs.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ');
}
