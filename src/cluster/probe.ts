import { errorMessage } from '../errors.js';
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
  const down = (error: string): NodeProbe => ({ address, up: false, error, view: null, clusterInfo: null, replication: null, dbsize: null });
  const client = createNodeClient(address, options);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<NodeProbe>((resolve) => {
    timer = setTimeout(() => resolve(down(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  });
  const work = (async (): Promise<NodeProbe> => {
    try {
      await connectClient(client, address, options);
      const [nodes, info, repl, dbsize] = await Promise.all([
        callText(client, 'CLUSTER', 'NODES'),
        callText(client, 'CLUSTER', 'INFO'),
        callText(client, 'INFO', 'replication'),
        client.dbsize(),
      ]);
      return { address, up: true, error: null, view: parseClusterNodes(nodes), clusterInfo: parseInfo(info), replication: parseInfo(repl), dbsize };
    } catch (e) {
      return down(errorMessage(e).replace(`${formatAddress(address)} is unreachable: `, ''));
    }
  })();
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    // Also when the deadline won: nothing may keep the command waiting.
    closeClient(client);
  }
}

export function probeAll(addresses: readonly Address[], options: ConnectOptions): Promise<NodeProbe[]> {
  return Promise.all(addresses.map((a) => probeNode(a, options)));
}
