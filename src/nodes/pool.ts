import type { NodeClient } from './resp-client.js';
import { type Address, type ConnectOptions, closeClient, connectNode, formatAddress } from './client.js';

/**
 * One connection per node, opened on first use and closed together. The
 * orchestration code sends many commands to the same nodes; this keeps it to
 * one handshake each.
 */
export class NodePool {
  private readonly clients = new Map<string, Promise<NodeClient>>();

  constructor(private readonly options: ConnectOptions) {}

  get(addr: Address): Promise<NodeClient> {
    const key = formatAddress(addr);
    let client = this.clients.get(key);
    if (!client) {
      client = connectNode(addr, this.options);
      // A failed connect is not cached: the next call tries again.
      client.catch(() => this.clients.delete(key));
      this.clients.set(key, client);
    }
    return client;
  }

  /** One command to one node, on its pooled connection. */
  async call(addr: Address, command: string, ...args: string[]): Promise<unknown> {
    return (await this.get(addr)).call(command, ...args);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then(closeClient, () => undefined)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
