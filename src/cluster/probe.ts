import { errorMessage } from '../errors.js';
import type { Redis } from 'ioredis';
import { type Address, type ConnectOptions, callText, closeClient, connectClient, createNodeClient, formatAddress } from '../nodes/client.js';
import { type ClusterNodeEntry, parseClusterNodes, parseInfo } from './nodes-parser.js';

/** What one node says about itself and the cluster, or why it said nothing. */
export interface NodeProbe {
  address: Address;
  up: boolean;
  error: string | null;
  /** Its CLUSTER NODES view (including its own "myself" line). */
  view: ClusterNodeEntry[] | null;
  clusterInfo: Map<string, string> | null;
  replication: Map<string, string> | null;
  dbsize: number | null;
}

export function myselfOf(p: NodeProbe): ClusterNodeEntry | null {
  return p.view?.find((n) => n.myself) ?? null;
}

/**
 * Asks one node for CLUSTER NODES, CLUSTER INFO, INFO replication and
 * DBSIZE in one round trip. The whole probe has one deadline: a dead or
 * frozen node yields `up: false` after at most `timeoutMs`, never a hang.
 */
export async function probeNode(address: Address, options: ConnectOptions): Promise<NodeProbe> {
  const client = createNodeClient(address, options);
  try {
    return await withDeadline(address, options.timeoutMs, async () => {
      await connectClient(client, address, options);
      return ask(client, address);
    });
  } finally {
    // Also when the deadline won: nothing may keep the command waiting.
    closeClient(client);
  }
}

const down = (address: Address, error: string): NodeProbe => ({ address, up: false, error, view: null, clusterInfo: null, replication: null, dbsize: null });

/** The four questions, in one round trip. */
async function ask(client: Redis, address: Address): Promise<NodeProbe> {
  const [nodes, info, repl, dbsize] = await Promise.all([callText(client, 'CLUSTER', 'NODES'), callText(client, 'CLUSTER', 'INFO'), callText(client, 'INFO', 'replication'), client.dbsize()]);
  return { address, up: true, error: null, view: parseClusterNodes(nodes), clusterInfo: parseInfo(info), replication: parseInfo(repl), dbsize };
}

/** Runs a probe with one deadline; a failure or the deadline is `up: false` with the reason. */
async function withDeadline(address: Address, timeoutMs: number, work: () => Promise<NodeProbe>): Promise<NodeProbe> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<NodeProbe>((resolve) => {
    timer = setTimeout(() => resolve(down(address, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const attempt = work().catch((e: unknown) => down(address, errorMessage(e).replace(`${formatAddress(address)} is unreachable: `, '')));
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
  private client: Redis | null = null;

  constructor(
    readonly address: Address,
    private readonly options: ConnectOptions & { name?: string },
  ) {}

  probe(): Promise<NodeProbe> {
    return withDeadline(this.address, this.options.timeoutMs, async () => {
      const client = await this.connected();
      try {
        return await ask(client, this.address);
      } catch (e) {
        // A closed connection is opened again next time; a timed-out one is kept (see above).
        if (client.status === 'end' || client.status === 'close') this.drop(client);
        throw e;
      }
    });
  }

  close(): void {
    if (this.client) this.drop(this.client);
  }

  private async connected(): Promise<Redis> {
    if (this.client && this.client.status !== 'end' && this.client.status !== 'close') return this.client;
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

  private drop(client: Redis): void {
    closeClient(client);
    if (this.client === client) this.client = null;
  }
}

export function probeAll(addresses: readonly Address[], options: ConnectOptions): Promise<NodeProbe[]> {
  return Promise.all(addresses.map((a) => probeNode(a, options)));
}
