import { EnvironmentError } from '../errors.js';
import { type Address, type ConnectOptions, callText, formatAddress, withNode } from '../nodes/client.js';
import { parseClusterNodes, parseInfo } from './nodes-parser.js';

/**
 * Finds every node of a cluster redis-drill did not create, from one seed
 * node's CLUSTER NODES. Nodes still in handshake or without an address are
 * left out: nobody can reach them yet.
 */
export async function discoverFromSeed(seed: Address, options: ConnectOptions): Promise<Address[]> {
  return withNode(seed, options, async (client) => {
    const info = parseInfo(await callText(client, 'INFO', 'cluster'));
    if (info.get('cluster_enabled') !== '1') {
      throw new EnvironmentError(
        `${formatAddress(seed)} is not a cluster node: cluster_enabled:${info.get('cluster_enabled') ?? '?'}`,
        {
          hint: 'point --seed at a node started with cluster-enabled yes',
        },
      );
    }
    const view = parseClusterNodes(await callText(client, 'CLUSTER', 'NODES'));
    return view
      .filter((n) => !n.flags.includes('handshake') && !n.flags.includes('noaddr'))
      .map((n) => ({ host: n.myself || n.host === '' ? seed.host : n.host, port: n.port }))
      .sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
  });
}
