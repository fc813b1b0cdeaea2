import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Host } from '../hosts/host.js';
import { LocalHost } from '../hosts/local.js';
import { SshHost, type SshTarget } from '../hosts/ssh.js';
import type { NodePool } from '../nodes/pool.js';
import { RedisNode } from '../nodes/redis-node.js';
import { throwIfAborted } from '../util/clock.js';
import { DEFAULT_SSH_CONNECT_TIMEOUT_MS, SHELL_START_FACTOR } from './create-defaults.js';
import type { DeploymentState, NodeRecord } from './state.js';

/**
 * The hosts a command talks to, made once per command and disposed at its
 * end. "local" is this machine; any other name is an SSH host described in
 * `targets`. All SSH hosts share one private directory for their
 * connection-sharing sockets, removed on dispose.
 */
export class Hosts {
  private readonly hosts = new Map<string, Host>();
  private controlDir: Promise<string> | null = null;

  constructor(
    private readonly targets: Readonly<Record<string, SshTarget>> = {},
    private readonly connectTimeoutMs = DEFAULT_SSH_CONNECT_TIMEOUT_MS,
  ) {}

  get(name: string): Host {
    let host = this.hosts.get(name);
    if (!host) {
      host = name === 'local' ? new LocalHost() : this.ssh(name);
      this.hosts.set(name, host);
    }
    return host;
  }

  private ssh(name: string): SshHost {
    const target = this.targets[name];
    if (!target) throw new Error(`unknown host "${name}"`);
    // Short: a Unix socket path must fit in about 100 bytes.
    const dir = (): Promise<string> => (this.controlDir ??= mkdtemp(path.join(os.tmpdir(), 'rd-ssh-')));
    return new SshHost(target, dir, this.connectTimeoutMs, SHELL_START_FACTOR * this.connectTimeoutMs);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.dispose()));
    this.hosts.clear();
    if (this.controlDir) {
      const dir = await this.controlDir.catch(() => null);
      this.controlDir = null;
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The hosts of a cluster from its state file. */
export function hostsFor(state: Pick<DeploymentState, 'hosts'>): Hosts {
  return new Hosts(Object.fromEntries(Object.entries(state.hosts).map(([name, h]) => [name, h.ssh])));
}

export function nodeFor(
  hosts: Hosts,
  state: Pick<DeploymentState, 'server' | 'password' | 'hosts' | 'sentinel'>,
  record: NodeRecord,
): RedisNode {
  return new RedisNode({
    sentinel: state.sentinel?.nodes.some((s) => s.port === record.port && s.bind === record.bind) ?? false,
    host: hosts.get(record.host),
    bind: record.bind,
    port: record.port,
    dir: record.dir,
    serverPath: state.hosts[record.host]?.redisServer ?? state.server.path,
    password: state.password,
  });
}

/**
 * The end of a create or start, inside its roll-back: closes its
 * connections, then checks for an interrupt. Closing SSH connections waits
 * on I/O, so the check comes after it: an interrupt taken at any moment
 * before the result still stops everything the command started, as exit
 * 130 says. The roll-back may then need the hosts again: Hosts opens fresh
 * ones after a dispose.
 */
export async function closeThenCheckInterrupt(pool: NodePool, hosts: Hosts, abortSignal?: AbortSignal): Promise<void> {
  await pool.close();
  await hosts.dispose();
  throwIfAborted(abortSignal);
}
