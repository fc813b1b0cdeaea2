import { errorMessage } from '../errors.js';
import type { NodeClient } from '../nodes/resp-client.js';
import {
  type Address,
  type ConnectOptions,
  closeClient,
  connectClient,
  createNodeClient,
  formatAddress,
} from '../nodes/client.js';
import { type ClusterNodeEntry, ClusterNodesCache, parseClusterNodes, parseInfo } from './nodes-parser.js';

/**
 * What a node is asked: a cluster node about the cluster; a data node of a
 * Sentinel deployment about its replication; a sentinel about the master
 * it watches (by name).
 */
export type ProbeKind =
  | { kind: 'cluster'; /** Also INFO server, for the pid of the process that answered. */ pid?: boolean }
  | { kind: 'data' }
  | { kind: 'sentinel'; masterName: string };

/** A sentinel's view of its master: SENTINEL GET-MASTER-ADDR-BY-NAME and SENTINEL MASTER. */
export interface SentinelView {
  master: Address | null;
  flags: string[];
  configEpoch: number;
  numReplicas: number;
  numOtherSentinels: number;
  quorum: number;
}

/** What one node says about itself and the cluster, or why it said nothing. */
export interface NodeProbe {
  address: Address;
  /** What kind of node answered (absent: a cluster node). */
  kind?: ProbeKind['kind'];
  up: boolean;
  error: string | null;
  /** Its CLUSTER NODES view (including its own "myself" line). */
  view: ClusterNodeEntry[] | null;
  clusterInfo: Map<string, string> | null;
  replication: Map<string, string> | null;
  dbsize: number | null;
  /** A sentinel's view (sentinels only). */
  sentinel?: SentinelView | null;
  /** process_id from INFO server (only when asked for: ProbeKind `pid`). */
  pid?: number | null;
}

export function myselfOf(p: NodeProbe): ClusterNodeEntry | null {
  return p.view?.find((n) => n.myself) ?? null;
}

/**
 * Asks one node for CLUSTER NODES, CLUSTER INFO, INFO replication and
 * DBSIZE in one round trip. The whole probe has one deadline: a dead or
 * frozen node yields `up: false` after at most `timeoutMs`, never a hang.
 */
export async function probeNode(
  address: Address,
  options: ConnectOptions,
  what: ProbeKind = { kind: 'cluster' },
): Promise<NodeProbe> {
  const client = createNodeClient(address, options);
  try {
    return await withDeadline(address, options.timeoutMs, what.kind, async () => {
      await connectClient(client, address, options);
      return ask(client, address, what);
    });
  } finally {
    // Also when the deadline won: nothing may keep the command waiting.
    closeClient(client);
  }
}

const down = (address: Address, kind: ProbeKind['kind'], error: string): NodeProbe => ({
  address,
  kind,
  up: false,
  error,
  view: null,
  clusterInfo: null,
  replication: null,
  dbsize: null,
  sentinel: null,
});

/** The questions, in one round trip. */
async function ask(
  client: NodeClient,
  address: Address,
  what: ProbeKind,
  views?: ClusterNodesCache,
): Promise<NodeProbe> {
  const base = { address, kind: what.kind, up: true, error: null, view: null, clusterInfo: null, sentinel: null };
  if (what.kind === 'sentinel') {
    const [master, addr] = await Promise.all([
      client.call('SENTINEL', 'MASTER', what.masterName),
      client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', what.masterName),
    ]);
    return { ...base, replication: null, dbsize: null, sentinel: sentinelView(master, addr) };
  }
  if (what.kind === 'data') {
    const [repl, dbsize] = await inOneWrite(client, [['INFO', 'replication'], ['DBSIZE']]);
    return { ...base, replication: parseInfo(text(repl)), dbsize: Number(dbsize) };
  }
  // CLUSTER NODES as bytes: a cache of this node's lines reads them without making a string of the reply.
  const withPid = what.pid === true;
  const [nodes, info, repl, dbsize, server] = await inOneWrite(
    client,
    [
      ['CLUSTER', 'NODES'],
      ['CLUSTER', 'INFO'],
      ['INFO', 'replication'],
      ['DBSIZE'],
      ...(withPid ? [['INFO', 'server'] as [string, string]] : []),
    ],
    views ? 0 : -1,
  );
  const pid = withPid ? Number(parseInfo(text(server)).get('process_id')) : NaN;
  return {
    ...base,
    view: views ? views.parse(nodes as Buffer) : parseClusterNodes(text(nodes)),
    clusterInfo: parseInfo(text(info)),
    replication: parseInfo(text(repl)),
    dbsize: Number(dbsize),
    ...(withPid ? { pid: Number.isInteger(pid) && pid > 0 ? pid : null } : {}),
  };
}

const text = (reply: unknown): string => (Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));

/**
 * Commands as one pipeline: one write and one round trip (an observer of a
 * hundred nodes sends thousands a second; four writes each cost a syscall
 * apiece). The reply of command `asBytes` stays a Buffer. The first error
 * is thrown, as Promise.all would.
 */
async function inOneWrite(client: NodeClient, commands: [string, ...string[]][], asBytes = -1): Promise<unknown[]> {
  const pipeline = client.pipeline();
  commands.forEach((c, i) => void (i === asBytes ? pipeline.callBuffer(...c) : pipeline.call(...c)));
  const replies = await pipeline.exec();
  const failed = replies.find(([e]) => e);
  if (failed) throw failed[0]!;
  return replies.map(([, v]) => v);
}

/** A Sentinel reply of field-value pairs (SENTINEL MASTER, one entry of SENTINEL REPLICAS) as a map. */
export function sentinelFields(reply: unknown): Map<string, string> {
  const flat = Array.isArray(reply) ? reply.map(String) : [];
  const field = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) field.set(flat[i]!, flat[i + 1]!);
  return field;
}

/** SENTINEL MASTER (a flat list of names and values) and GET-MASTER-ADDR-BY-NAME ([ip, port] or nil). */
export function sentinelView(master: unknown, addr: unknown): SentinelView {
  const field = sentinelFields(master);
  const a = Array.isArray(addr) && addr.length === 2 ? { host: String(addr[0]), port: Number(addr[1]) } : null;
  return {
    master: a,
    flags: (field.get('flags') ?? '').split(',').filter(Boolean),
    configEpoch: Number(field.get('config-epoch') ?? 0),
    numReplicas: Number(field.get('num-slaves') ?? 0),
    numOtherSentinels: Number(field.get('num-other-sentinels') ?? 0),
    quorum: Number(field.get('quorum') ?? 0),
  };
}

/** Runs a probe with one deadline; a failure or the deadline is `up: false` with the reason. */
async function withDeadline(
  address: Address,
  timeoutMs: number,
  kind: ProbeKind['kind'],
  work: () => Promise<NodeProbe>,
): Promise<NodeProbe> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<NodeProbe>((resolve) => {
    timer = setTimeout(() => resolve(down(address, kind, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const attempt = work().catch((e: unknown) =>
    down(address, kind, errorMessage(e).replace(`${formatAddress(address)} is unreachable: `, '')),
  );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The same probe on one connection kept for as long as the node answers on
 * it: an observer polling every 50 ms costs the node one connection, not
 * twenty a second. A closed or failed connection is opened again on the next
 * probe. A frozen node keeps its connection: the polls that time out wait in
 * its socket and are answered (and dropped) once it resumes.
 */
export class ProbeConnection {
  private client: NodeClient | null = null;
  /** This node's CLUSTER NODES lines from its last answer: most lines repeat from poll to poll. */
  private readonly views = new ClusterNodesCache();

  constructor(
    readonly address: Address,
    private readonly options: ConnectOptions & { name?: string },
    private readonly what: ProbeKind = { kind: 'cluster' },
  ) {}

  probe(): Promise<NodeProbe> {
    return withDeadline(this.address, this.options.timeoutMs, this.what.kind, async () => {
      const client = await this.connected();
      try {
        return await ask(client, this.address, this.what, this.views);
      } catch (e) {
        // A closed connection is opened again next time; a timed-out one is kept (see above).
        if (client.status === 'end') this.drop(client);
        throw e;
      }
    });
  }

  close(): void {
    if (this.client) this.drop(this.client);
  }

  private async connected(): Promise<NodeClient> {
    if (this.client && this.client.status !== 'end') return this.client;
    if (this.client) this.drop(this.client);
    const client = createNodeClient(this.address, { ...this.options });
    this.client = client;
    try {
      await connectClient(client, this.address, this.options);
      if (this.options.name) await client.call('CLIENT', 'SETNAME', this.options.name);
      return client;
    } catch (e) {
      this.drop(client);
      throw e;
    }
  }

  private drop(client: NodeClient): void {
    closeClient(client);
    if (this.client === client) this.client = null;
  }
}

export function probeAll(
  addresses: readonly Address[],
  options: ConnectOptions,
  what: ProbeKind = { kind: 'cluster' },
): Promise<NodeProbe[]> {
  return Promise.all(addresses.map((a) => probeNode(a, options, what)));
}
