import { expandBind } from '../cluster/bind.js';
import {
  hostsOf,
  localEntries,
  ownAddresses,
  prepareDeployment,
  recordsFor,
  remoteHostsOf,
  startProcesses,
} from '../cluster/deploy.js';
import { checkLayout, type HostEntry } from '../cluster/layout.js';
import { destroyDeployment } from '../cluster/lifecycle.js';
import { closeThenCheckInterrupt, nodeFor } from '../cluster/runtime.js';
import { type DeploymentState, clusterDir, ensureDir, writeState } from '../cluster/state.js';
import type { ServerBinary } from '../nodes/binary.js';
import { type ConfigEntry, renderNodeConfig } from '../nodes/config.js';
import { persistenceOf } from '../nodes/persistence.js';
import { NodePool } from '../nodes/pool.js';
import { UsageError } from '../errors.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { rollBack } from '../util/rollback.js';
import { renderSentinelConfig, sentinelId } from './config.js';
import { waitReplicasLinked, waitSentinelFormed } from './health.js';

export interface SentinelCreateOptions {
  cluster: string;
  stateDir: string;
  replicas: number;
  sentinels: number;
  quorum: number;
  /** First data port (the master), then the replicas; sentinels from sentinelPort. */
  port: number;
  sentinelPort: number;
  /** As `cluster create --bind`: one address, `A+` (one per node: data nodes, then sentinels) or a list. */
  bind: string;
  downAfterMs: number;
  failoverTimeoutMs: number;
  masterName: string;
  redisServer?: string;
  /** redis.conf lines for the data nodes. */
  config: ConfigEntry[];
  force: boolean;
  password: string | null;
  /** SSH hosts for the data nodes and the sentinels (sentinels one per host first). */
  hosts?: { data: HostEntry[]; sentinels: HostEntry[] };
  sshConnectTimeoutMs?: number;
  abortSignal?: AbortSignal;
  reporter?: Reporter;
  clock?: Clock;
}

export interface SentinelCreateResult {
  deployment: string;
  kind: 'sentinel';
  server: ServerBinary;
  masterName: string;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  passwordProtected: boolean;
  nodes: {
    host: string;
    port: number;
    machine: string;
    role: 'master' | 'replica';
    master: string | null;
    pid: number | null;
    dir: string;
  }[];
  sentinels: { host: string; port: number; machine: string; id: string; pid: number | null; dir: string }[];
  elapsedMs: number;
}

/** The numbers, checked before anything starts (exit 2). */
export function validateSentinelOptions(
  o: Pick<
    SentinelCreateOptions,
    'replicas' | 'sentinels' | 'quorum' | 'downAfterMs' | 'failoverTimeoutMs' | 'masterName' | 'port' | 'sentinelPort'
  >,
): void {
  if (!Number.isInteger(o.replicas) || o.replicas < 1)
    throw new UsageError(`--replicas must be at least 1 (got ${o.replicas})`, {
      hint: 'Sentinel promotes a replica when the master fails: without one there is nothing to fail over to',
    });
  if (!Number.isInteger(o.sentinels) || o.sentinels < 1)
    throw new UsageError(`--sentinels must be at least 1 (got ${o.sentinels})`, {
      hint: 'three is the usual number: a majority survives one failure',
    });
  if (!Number.isInteger(o.quorum) || o.quorum < 1 || o.quorum > o.sentinels) {
    throw new UsageError(
      `--quorum ${o.quorum} does not fit ${o.sentinels} sentinel(s): it must be from 1 to ${o.sentinels}`,
      { hint: `the sentinels that must agree the master is down; e.g. --quorum ${Math.floor(o.sentinels / 2) + 1}` },
    );
  }
  if (!Number.isInteger(o.downAfterMs) || o.downAfterMs < 100)
    throw new UsageError(`--down-after must be at least 100 ms (got ${o.downAfterMs})`);
  if (!Number.isInteger(o.failoverTimeoutMs) || o.failoverTimeoutMs < 1000)
    throw new UsageError(`--failover-timeout must be at least 1000 ms (got ${o.failoverTimeoutMs})`);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.masterName))
    throw new UsageError(`bad --master-name "${o.masterName}"`, {
      hint: 'letters, digits, ".", "-" or "_", e.g. mymaster',
    });
  const data = [o.port, o.port + o.replicas];
  const sentinels = [o.sentinelPort, o.sentinelPort + o.sentinels - 1];
  if (data[1]! > 65535 || sentinels[1]! > 65535)
    throw new UsageError(`the ports do not fit: data nodes ${data.join('-')}, sentinels ${sentinels.join('-')}`, {
      hint: 'choose lower --port / --sentinel-port',
    });
  if (data[0]! <= sentinels[1]! && sentinels[0]! <= data[1]!) {
    throw new UsageError(
      `--port ${o.port} and --sentinel-port ${o.sentinelPort} overlap: data nodes ${data.join('-')}, sentinels ${sentinels.join('-')}`,
      { hint: 'give the sentinels their own range, e.g. --sentinel-port 26379' },
    );
  }
}

/**
 * A Sentinel deployment: one master, its replicas (replicaof in their
 * config), and sentinels that know the master, every replica and each other
 * (with ids) from their first second, so nothing waits for hello messages.
 * Done when every sentinel lists every replica and every other sentinel,
 * CKQUORUM is OK everywhere, and every replica's link is up. A failure or
 * Ctrl-C stops everything started and removes the deployment's directories.
 */
export async function createSentinel(o: SentinelCreateOptions): Promise<SentinelCreateResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const t0 = clock.now();
  validateSentinelOptions(o);
  const dataCount = 1 + o.replicas;
  let dataEntries: HostEntry[];
  let sentinelEntries: HostEntry[];
  if (o.hosts) {
    dataEntries = o.hosts.data;
    sentinelEntries = o.hosts.sentinels;
  } else {
    const binds = expandBind(o.bind, dataCount + o.sentinels);
    dataEntries = localEntries(
      binds.slice(0, dataCount),
      Array.from({ length: dataCount }, (_, i) => o.port + i),
    );
    sentinelEntries = localEntries(
      binds.slice(dataCount),
      Array.from({ length: o.sentinels }, (_, i) => o.sentinelPort + i),
    );
  }
  checkLayout(dataEntries, dataCount);
  const all = [...dataEntries, ...sentinelEntries];
  const hosts = hostsOf(all, o);
  try {
    const { prepared, server } = await prepareDeployment(all, hosts, { ...o, reporter }, false);
    const state: DeploymentState = {
      schemaVersion: 1,
      kind: 'sentinel',
      name: o.cluster,
      createdAt: new Date().toISOString(),
      server,
      // The deadlines of faults and waits scale with it, as with a cluster's node timeout.
      nodeTimeoutMs: o.downAfterMs,
      persistence: persistenceOf(o.config),
      masters: 1,
      replicas: o.replicas,
      password: o.password,
      hosts: remoteHostsOf(prepared),
      nodes: recordsFor(prepared.slice(0, dataEntries.length), o, 'nodes', false),
      partition: null,
      sentinel: {
        masterName: o.masterName,
        quorum: o.quorum,
        downAfterMs: o.downAfterMs,
        failoverTimeoutMs: o.failoverTimeoutMs,
        nodes: recordsFor(prepared.slice(dataEntries.length), o, 'sentinels', false),
      },
    };
    return await start(state, hosts, o, { clock, reporter, t0 });
  } finally {
    await hosts.dispose();
  }
}

async function start(
  state: DeploymentState,
  hosts: ReturnType<typeof hostsOf>,
  o: SentinelCreateOptions,
  t: { clock: Clock; reporter: Reporter; t0: number },
): Promise<SentinelCreateResult> {
  const s = state.sentinel!;
  const pool = new NodePool({ timeoutMs: 2000, password: o.password });
  try {
    await ensureDir(clusterDir(o.stateDir, o.cluster));
    // Written before any process starts, so `destroy` can always clean up.
    await writeState(o.stateDir, state);
    const master = { host: state.nodes[0]!.bind, port: state.nodes[0]!.port };
    const records = [...state.nodes, ...s.nodes];
    const network = ownAddresses(records, state.server.version, o.password);
    const seats = s.nodes.map((r) => ({ bind: r.bind, port: r.port, id: sentinelId() }));
    const data = state.nodes.map((r) => nodeFor(hosts, state, r));
    const sentinels = s.nodes.map((r) => nodeFor(hosts, state, r));
    const dataConfigs = data.map((n, i) =>
      renderNodeConfig({
        bind: n.spec.bind,
        port: n.spec.port,
        dir: n.spec.dir,
        nodeTimeoutMs: o.downAfterMs,
        password: o.password,
        extra: o.config,
        ...network,
        replication: { replicaOf: i === 0 ? null : master },
      }),
    );
    const replicas = state.nodes.slice(1).map((r) => ({ host: r.bind, port: r.port }));
    const sentinelConfigs = sentinels.map((n, i) =>
      renderSentinelConfig({
        me: seats[i]!,
        dir: n.spec.dir,
        masterName: o.masterName,
        master,
        replicas,
        sentinels: seats,
        quorum: o.quorum,
        downAfterMs: o.downAfterMs,
        failoverTimeoutMs: o.failoverTimeoutMs,
        password: o.password,
        extra: network.sourceAddr ? [{ key: 'bind-source-addr', value: n.spec.bind }] : [],
      }),
    );
    const version = `${state.server.flavor}-server ${state.server.version}`;
    const starting = { stateDir: o.stateDir, abortSignal: o.abortSignal, clock: t.clock };
    await t.reporter.step(
      `Starting ${data.length} ${version} data nodes and ${sentinels.length} sentinels`,
      async () => {
        // The master first: a replica that finds no master listening retries only
        // once a second (replicationCron), which would add a second to the wait.
        await startProcesses(state, data.slice(0, 1), records.slice(0, 1), dataConfigs.slice(0, 1), starting);
        await startProcesses(state, data.slice(1), records.slice(1, data.length), dataConfigs.slice(1), starting);
        // The sentinels once every replica is in sync: a sentinel that finds a
        // replica not listening tries again a second later, and one whose
        // first INFO of a replica shows its link down cannot promote it
        // (-NOGOODSLAVE) until its next INFO, ten seconds later.
        await waitReplicasLinked(replicas, { timeoutMs: 1000, password: o.password }, o.abortSignal, t.clock);
        await startProcesses(state, sentinels, records.slice(data.length), sentinelConfigs, starting);
      },
    );
    await t.reporter.step(
      'Waiting until every sentinel knows the master, every replica and every other sentinel (CKQUORUM), every replica is in sync and every sentinel has seen it so',
      () =>
        waitSentinelFormed(
          {
            data: data.map((n) => n.address),
            sentinels: sentinels.map((n) => n.address),
            masterName: o.masterName,
            connect: { timeoutMs: 1000, password: o.password },
            pool,
          },
          { timeoutMs: 20_000 + 2 * o.downAfterMs, clock: t.clock, abortSignal: o.abortSignal },
        ),
    );
    await closeThenCheckInterrupt(pool, hosts, o.abortSignal);
    return {
      deployment: o.cluster,
      kind: 'sentinel',
      server: state.server,
      masterName: o.masterName,
      quorum: o.quorum,
      downAfterMs: o.downAfterMs,
      failoverTimeoutMs: o.failoverTimeoutMs,
      passwordProtected: o.password !== null,
      nodes: state.nodes.map((r, i) => ({
        host: r.bind,
        port: r.port,
        machine: r.host,
        role: i === 0 ? 'master' : 'replica',
        master: i === 0 ? null : `${master.host}:${master.port}`,
        pid: r.pid,
        dir: r.dir,
      })),
      sentinels: s.nodes.map((r, i) => ({
        host: r.bind,
        port: r.port,
        machine: r.host,
        id: seats[i]!.id,
        pid: r.pid,
        dir: r.dir,
      })),
      elapsedMs: Math.round(t.clock.now() - t.t0),
    };
  } catch (e) {
    await pool.close();
    await rollBack(() => destroyDeployment({ stateDir: o.stateDir, cluster: o.cluster, fast: true }), {
      left: `the processes started so far and ${clusterDir(o.stateDir, o.cluster)}`,
      remove: `redis-drill sentinel destroy --cluster ${o.cluster}`,
      warn: (m) => t.reporter.warn(m),
    });
    throw e;
  } finally {
    await pool.close();
  }
}
