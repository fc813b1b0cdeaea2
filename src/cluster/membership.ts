import { PortInUseError, UsageError } from '../errors.js';
import { LocalHost } from '../hosts/local.js';
import { selectNode } from '../faults/target.js';
import { type Address, type ConnectOptions, formatAddress, withNode } from '../nodes/client.js';
import { renderNodeConfig } from '../nodes/config.js';
import { extraConfig, knows, nextBind } from './new-node.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { waitUntil } from '../util/wait.js';
import { ownAddresses, startProcesses } from './deploy.js';
import { livePid } from './lifecycle.js';
import { type NodeProbe, myselfOf, probeAll } from './probe.js';
import { selectMasterNode } from './reshard.js';
import { type Hosts, hostsFor, nodeFor } from './runtime.js';
import { buildSlotMap } from './slotmap.js';
import { type DeploymentState, type NodeRecord, checkKind, nodeDir, readState, writeState } from './state.js';

export interface MembershipOptions {
  stateDir: string;
  cluster: string;
  timeoutMs: number;
  abortSignal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
}

export interface AddNodeResult {
  cluster: string;
  node: {
    id: string;
    host: string;
    port: number;
    role: 'master' | 'replica';
    master: string | null;
    pid: number | null;
    dir: string;
  };
  elapsedMs: number;
}

export interface RemoveNodeResult {
  cluster: string;
  node: { id: string; host: string; port: number; role: 'master' | 'replica' };
  forgottenBy: number;
  elapsedMs: number;
}

/**
 * `cluster add-node`: a new node with the cluster's config on the next
 * port (and address), CLUSTER MEET, wait until every node knows it; with
 * `replicaOf`, CLUSTER REPLICATE and wait for its link. It is recorded in the
 * state file before it starts, so `cluster destroy` always finds it.
 */
export async function addNode(
  o: MembershipOptions & { replicaOf?: string; port?: number; bind?: string },
): Promise<AddNodeResult> {
  return withMembership(o, async ({ clock, reporter, t0, state, connect, hosts, addresses, probes }) => {
    const map = buildSlotMap(probes);
    const master = o.replicaOf !== undefined ? selectMasterNode(map, o.replicaOf, '--replica-of') : null;
    const first = state.nodes[0]!;
    const bind = o.bind ?? nextBind(state.nodes);
    const port = o.port ?? Math.max(...state.nodes.map((r) => r.port)) + 1;
    if (state.nodes.some((r) => r.bind === bind && r.port === port))
      throw new UsageError(`${bind}:${port} is already a node of "${state.name}"`, { hint: 'choose another --port' });
    const host = hosts.get(first.host);
    if (host instanceof LocalHost) {
      if (!(await host.portFree(bind, port))) throw new PortInUseError(bind, port, 'client');
      if (!(await host.portFree(bind, port + 10000))) throw new PortInUseError(bind, port + 10000, 'cluster bus');
    }
    const remote = state.hosts[first.host];
    const record: NodeRecord = {
      host: first.host,
      bind,
      port,
      busPort: port + 10000,
      dir: remote ? `${remote.clusterDir}/nodes/${bind}-${port}` : nodeDir(o.stateDir, o.cluster, bind, port),
      pid: null,
    };
    const extra = extraConfig(await host.readFile(`${first.dir}/redis.conf`));
    const network = ownAddresses([...state.nodes, record], state.server.version, state.password);
    const node = nodeFor(hosts, state, record);
    state.nodes.push(record);
    await writeState(o.stateDir, state);
    const config = renderNodeConfig({
      bind,
      port,
      dir: record.dir,
      nodeTimeoutMs: state.nodeTimeoutMs,
      password: state.password,
      extra,
      ...network,
    });
    await reporter.step(`Starting ${bind}:${port}`, () =>
      startProcesses(state, [node], [record], [config], { stateDir: o.stateDir, abortSignal: o.abortSignal, clock }),
    );
    const address = { host: bind, port };
    // A MEET to every node, not to one: each learns of it from its own handshake instead of waiting for gossip.
    const id = await withNode(address, connect, async (c) => {
      for (const r of state.nodes.slice(0, -1)) await c.call('CLUSTER', 'MEET', r.bind, r.port);
      return String(await c.call('CLUSTER', 'MYID'));
    });
    const everyone = [...addresses, address];
    await reporter.step('Waiting until every node knows it (CLUSTER MEET)', () =>
      waitFor(
        everyone,
        connect,
        (p) => (knows(p, id) ? null : 'not yet'),
        'every node knowing the new node',
        clock,
        o.abortSignal,
      ),
    );
    // A new master answers CLUSTERDOWN (and refuses the keys of a reshard) until its own state is ok: Redis waits up to the node timeout after a start.
    await reporter.step('Waiting for its cluster_state:ok', () =>
      waitFor(
        [address],
        connect,
        (p) =>
          p.clusterInfo?.get('cluster_state') === 'ok'
            ? null
            : `cluster_state:${p.clusterInfo?.get('cluster_state') ?? '?'}`,
        'the new node reporting cluster_state:ok',
        clock,
        o.abortSignal,
      ),
    );
    if (master) {
      await withNode(address, connect, (c) => c.call('CLUSTER', 'REPLICATE', master.id));
      await reporter.step(`Waiting for its link to Master[${master.index}] ${formatAddress(master)}`, () =>
        waitFor(
          [address],
          connect,
          (p) =>
            p.replication?.get('master_link_status') === 'up'
              ? null
              : `master_link_status:${p.replication?.get('master_link_status') ?? '?'}`,
          'the new replica linked to its master',
          clock,
          o.abortSignal,
        ),
      );
      // Every other node must see it as a replica too before a failover can count on it.
      await waitFor(
        everyone,
        connect,
        (p) => (p.view?.find((n) => n.id === id)?.masterId === master.id ? null : 'not yet a replica here'),
        'every node seeing the new replica',
        clock,
        o.abortSignal,
      );
    }
    return {
      cluster: state.name,
      node: {
        id,
        host: bind,
        port,
        role: master ? 'replica' : 'master',
        master: master ? formatAddress(master) : null,
        pid: record.pid,
        dir: record.dir,
      },
      elapsedMs: Math.round(clock.now() - t0),
    };
  });
}

/**
 * `cluster remove-node`: refused for a master that still owns slots (move
 * them first) or still has replicas; otherwise CLUSTER FORGET on every other
 * node at once (inside the 60 s in which a forgotten node may not come back
 * by gossip), then the node is stopped and its directory removed.
 */
export async function removeNode(o: MembershipOptions & { node: string }): Promise<RemoveNodeResult> {
  return withMembership(o, async ({ clock, reporter, t0, state, connect, hosts, probes }) => {
    const map = buildSlotMap(probes);
    // A node's id is its own word (myself), when it answers.
    const known = state.nodes.map((r, i) => ({
      host: r.bind,
      port: r.port,
      id: probes[i]!.up ? (myselfOf(probes[i]!)?.id ?? null) : null,
      record: r,
    }));
    const target = selectNode(known, o.node);
    const master = map.masters.find((m) => m.id === target.id);
    if (master && master.slotCount > 0) {
      const to = map.masters.find((m) => m.id !== master.id && m.up);
      throw new UsageError(`Master[${master.index}] ${formatAddress(master)} still owns ${master.slotCount} slots`, {
        hint: `move them first: redis-drill cluster reshard --slots ${master.slotCount} --from ${formatAddress(master)} --to ${to ? formatAddress(to) : 'ANOTHER-MASTER'}`,
      });
    }
    if (master && master.replicas.length > 0)
      throw new UsageError(
        `${formatAddress(master)} still has replicas (${master.replicas.map((r) => formatAddress(r)).join(', ')})`,
        { hint: 'remove them first (cluster remove-node), or make them replicas of another master' },
      );
    if (!target.id)
      throw new UsageError(`${formatAddress(target)} does not answer, so its node id is unknown`, {
        hint: 'start it again (cluster start) and remove it then',
      });
    const others = known.filter((k) => k.record !== target.record);
    const forgot = await reporter.step(
      `CLUSTER FORGET ${target.id.slice(0, 8)} on the ${others.length} other nodes`,
      () =>
        Promise.all(
          others.map((k) =>
            withNode(k, connect, (c) => c.call('CLUSTER', 'FORGET', target.id!)).then(
              () => 1,
              () => 0,
            ),
          ),
        ),
    );
    const node = nodeFor(hosts, state, target.record);
    await reporter.step(`Stopping ${formatAddress(target)} and removing its directory`, async () => {
      await node.stop(await livePid(node, target.record.pid), { stepTimeoutMs: 2000 });
      await node.spec.host.remove(target.record.dir);
    });
    state.nodes = state.nodes.filter((r) => r !== target.record);
    await writeState(o.stateDir, state);
    await reporter.step('Waiting until no node lists it', () =>
      waitFor(
        others,
        connect,
        (p) => (p.view?.some((n) => n.id === target.id) ? 'still listed' : null),
        'no node listing the removed node',
        clock,
        o.abortSignal,
      ),
    );
    return {
      cluster: state.name,
      node: { id: target.id, host: target.host, port: target.port, role: master ? 'master' : 'replica' },
      forgottenBy: forgot.reduce((n, x) => n + x, 0),
      elapsedMs: Math.round(clock.now() - t0),
    };
  });
}

/** What add-node and remove-node both start from: the cluster's state, its hosts (disposed after), and every node probed once. */
async function withMembership<T>(
  o: MembershipOptions,
  fn: (m: {
    clock: Clock;
    reporter: Reporter;
    t0: number;
    state: DeploymentState;
    connect: ConnectOptions;
    hosts: Hosts;
    addresses: Address[];
    probes: NodeProbe[];
  }) => Promise<T>,
): Promise<T> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const t0 = clock.now();
  const state = await readState(o.stateDir, o.cluster);
  checkKind(state, 'cluster');
  const connect: ConnectOptions = { timeoutMs: o.timeoutMs, password: state.password };
  const hosts = hostsFor(state);
  try {
    const addresses = state.nodes.map((r) => ({ host: r.bind, port: r.port }));
    return await fn({
      clock,
      reporter,
      t0,
      state,
      connect,
      hosts,
      addresses,
      probes: await probeAll(addresses, connect),
    });
  } finally {
    await hosts.dispose();
  }
}

/** Polls the nodes until `problem` is null on every one (each answer counts; a node that does not answer is a problem). */
function waitFor(
  nodes: readonly Address[],
  connect: ConnectOptions,
  problem: (p: NodeProbe) => string | null,
  what: string,
  clock: Clock,
  abortSignal?: AbortSignal,
): Promise<null> {
  return waitUntil(
    async () => {
      const probes = await probeAll(nodes, connect);
      const bad = probes
        .map((p) => (p.up ? problem(p) : 'not answering'))
        .map((m, i) => (m ? `${formatAddress(probes[i]!.address)}: ${m}` : null))
        .filter((m) => m !== null);
      return bad.length ? { done: false, seen: bad.slice(0, 3).join('; ') } : { done: true, value: null };
    },
    { what, timeoutMs: 30_000, intervalMs: 50, clock, abortSignal },
  );
}
