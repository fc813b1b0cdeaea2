import type { Host } from '../hosts/host.js';
import { LocalHost } from '../hosts/local.js';
import { RedisNode } from '../nodes/redis-node.js';
import type { ClusterState, NodeRecord } from './state.js';

/** The hosts a command talks to, made once per command and disposed at its end. */
export class Hosts {
  private readonly hosts = new Map<string, Host>();

  get(name: string): Host {
    let host = this.hosts.get(name);
    if (!host) {
      if (name !== 'local') throw new Error(`unknown host "${name}"`);
      host = new LocalHost();
      this.hosts.set(name, host);
    }
    return host;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.dispose()));
    this.hosts.clear();
  }
}

export function nodeFor(hosts: Hosts, state: Pick<ClusterState, 'server' | 'password'>, record: NodeRecord): RedisNode {
  return new RedisNode({
    host: hosts.get(record.host),
    bind: record.bind,
    port: record.port,
    dir: record.dir,
    serverPath: state.server.path,
    password: state.password,
  });
}
