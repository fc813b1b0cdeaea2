import { livePid } from '../cluster/lifecycle.js';
import { hostsFor, nodeFor } from '../cluster/runtime.js';
import { type DeploymentState, type NodeRecord, readState } from '../cluster/state.js';
import type { ProcessState } from '../hosts/host.js';
import { formatAddress } from '../nodes/address.js';
import { type PartitionLeft, partitionLeft } from '../faults/partition-left.js';
import { probeSentinelDeployment } from './health.js';
import { sentinelsMaster } from './topology.js';

export interface SentinelStatusNode {
  host: string;
  port: number;
  machine: string;
  up: boolean;
  error: string | null;
  /** As INFO replication says: master or replica. */
  role: 'master' | 'replica' | null;
  /** A replica's master (host:port). */
  master: string | null;
  linkUp: boolean | null;
  /** The master's replication offset minus this replica's (bytes). */
  lagBytes: number | null;
  dbsize: number | null;
  pid: number | null;
  process: ProcessState | null;
}

export interface SentinelStatusSentinel {
  host: string;
  port: number;
  machine: string;
  up: boolean;
  error: string | null;
  /** GET-MASTER-ADDR-BY-NAME: the master it names. */
  master: string | null;
  /** SENTINEL MASTER flags for the master: s_down, o_down, failover_in_progress, ... */
  flags: string[];
  configEpoch: number | null;
  replicas: number | null;
  otherSentinels: number | null;
  quorum: number | null;
  pid: number | null;
  process: ProcessState | null;
}

export interface SentinelStatusResult {
  deployment: string;
  masterName: string;
  /** The master most sentinels name, and whether they all agree. */
  master: string | null;
  agreed: boolean;
  nodes: SentinelStatusNode[];
  sentinels: SentinelStatusSentinel[];
  /** A network partition still in place (state file or firewall), with the command that removes it; null when none. */
  partition: PartitionLeft | null;
}

/** A live view of a Sentinel deployment: each data node's role and link, each sentinel's view of the master. */
export async function sentinelStatus(o: {
  stateDir: string;
  cluster: string;
  timeoutMs: number;
  state?: DeploymentState;
}): Promise<SentinelStatusResult> {
  const state = o.state ?? (await readState(o.stateDir, o.cluster));
  const s = state.sentinel!;
  const hosts = hostsFor(state);
  try {
    const proc = async (r: NodeRecord): Promise<{ pid: number | null; process: ProcessState }> => {
      const n = nodeFor(hosts, state, r);
      const pid = await livePid(n, r.pid);
      return { pid, process: await n.processState(pid) };
    };
    const addr = (r: NodeRecord): { host: string; port: number } => ({ host: r.bind, port: r.port });
    const [probes, procs, partition] = await Promise.all([
      probeSentinelDeployment(state.nodes.map(addr), s.nodes.map(addr), s.masterName, {
        timeoutMs: o.timeoutMs,
        password: state.password,
      }),
      Promise.all([...state.nodes, ...s.nodes].map(proc)),
      partitionLeft(state, hosts, o.stateDir),
    ]);
    const { master, agreed } = sentinelsMaster(probes);
    const mp = probes.find(
      (p) => p.kind === 'data' && master && p.address.port === master.port && p.address.host === master.host,
    );
    const masterOffset = Number(mp?.replication?.get('master_repl_offset'));
    const nodes = state.nodes.map((r, i): SentinelStatusNode => {
      const p = probes[i]!;
      const role = p.replication?.get('role');
      const offset = Number(p.replication?.get('slave_repl_offset'));
      return {
        host: r.bind,
        port: r.port,
        machine: r.host,
        up: p.up,
        error: p.error,
        role: role === 'master' ? 'master' : role === 'slave' ? 'replica' : null,
        master: role === 'slave' ? `${p.replication?.get('master_host')}:${p.replication?.get('master_port')}` : null,
        linkUp: role === 'slave' ? p.replication?.get('master_link_status') === 'up' : null,
        lagBytes:
          role === 'slave' && Number.isFinite(masterOffset) && Number.isFinite(offset)
            ? Math.max(0, masterOffset - offset)
            : null,
        dbsize: p.dbsize,
        ...procs[i]!,
      };
    });
    const sentinels = s.nodes.map((r, i): SentinelStatusSentinel => {
      const p = probes[state.nodes.length + i]!;
      const v = p.sentinel ?? null;
      return {
        host: r.bind,
        port: r.port,
        machine: r.host,
        up: p.up,
        error: p.error,
        master: v?.master ? formatAddress(v.master) : null,
        flags: v?.flags ?? [],
        configEpoch: v ? v.configEpoch : null,
        replicas: v ? v.numReplicas : null,
        otherSentinels: v ? v.numOtherSentinels : null,
        quorum: v ? v.quorum : null,
        ...procs[state.nodes.length + i]!,
      };
    });
    return {
      deployment: state.name,
      masterName: s.masterName,
      master: master ? formatAddress(master) : null,
      agreed,
      nodes,
      sentinels,
      partition,
    };
  } finally {
    await hosts.dispose();
  }
}
