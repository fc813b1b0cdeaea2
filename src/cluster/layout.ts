import { UsageError } from '../errors.js';
import type { SshTarget } from '../hosts/ssh.js';
import { sshHostName } from '../hosts/ssh.js';
import { plausibleHost } from '../nodes/address.js';

/**
 * Where a cluster's nodes go: one entry per machine, with the address its
 * nodes bind to and their ports. `ssh: null` is this machine.
 */
export interface HostEntry {
  ssh: SshTarget | null;
  bind: string;
  ports: number[];
  /** Server binary on that host (default: --redis-server, else found on PATH). */
  redisServer?: string;
  /** Base directory on that host; the cluster lives in <baseDir>/<cluster>. Default: ~/.redis-drill. */
  baseDir?: string;
}

export function hostName(e: Pick<HostEntry, 'ssh'>): string {
  return e.ssh ? sshHostName(e.ssh) : 'local';
}

export interface SshDefaults {
  port: number | null;
  identity: string | null;
  options: string[];
}

/** Parses `--hosts root@10.0.0.1,10.0.0.2,...` into SSH targets. */
export function parseHostList(text: string, d: SshDefaults): SshTarget[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new UsageError('--hosts is empty', { hint: 'for example --hosts root@10.0.0.1,root@10.0.0.2,root@10.0.0.3' });
  const targets = items.map((item) => {
    const m = /^(?:([A-Za-z0-9._-]+)@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])$/.exec(item);
    if (!m || !plausibleHost(m[2]!.replace(/^\[|\]$/g, '')))
      throw new UsageError(`bad host "${item}" in --hosts: expected [user@]address`, {
        hint: 'for example --hosts root@10.0.0.1,root@10.0.0.2',
      });
    return {
      address: m[2]!.replace(/^\[|\]$/g, ''),
      user: m[1] ?? null,
      port: d.port,
      identity: d.identity,
      options: d.options,
    };
  });
  const names = targets.map(sshHostName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new UsageError(`host ${twice} is listed twice in --hosts`, {
      hint: 'use --nodes-per-host N to run several nodes on one host',
    });
  return targets;
}

/**
 * Spreads `count` nodes over the hosts: `nodesPerHost` consecutive ports
 * from `port` on each (default: as few as fit). Fewer nodes than places
 * leaves the last places of the last hosts empty.
 */
export function layoutHosts(
  targets: readonly SshTarget[],
  o: { count: number; port: number; nodesPerHost?: number; redisServer?: string; baseDir?: string },
): HostEntry[] {
  const perHost = o.nodesPerHost ?? Math.ceil(o.count / targets.length);
  if (perHost * targets.length < o.count) {
    throw new UsageError(
      `${targets.length} hosts x ${perHost} nodes per host is ${perHost * targets.length} nodes, but the cluster needs ${o.count}`,
      {
        hint: `use --nodes-per-host ${Math.ceil(o.count / targets.length)}, more hosts, or fewer --masters/--replicas`,
      },
    );
  }
  return targets.map((ssh, h) => ({
    ssh,
    bind: ssh.address,
    // Host-major filling would put every node of the last hosts' ports on the first hosts; fill round robin instead.
    ports: Array.from({ length: perHost }, (_, k) => o.port + k).filter((_, k) => k * targets.length + h < o.count),
    redisServer: o.redisServer,
    baseDir: o.baseDir,
  }));
}

/** The nodes in the order that spreads them over hosts: first port of every host, then the second, ... */
export function nodeOrder(entries: readonly HostEntry[]): { entry: number; port: number }[] {
  const out: { entry: number; port: number }[] = [];
  const most = Math.max(0, ...entries.map((e) => e.ports.length));
  for (let k = 0; k < most; k++)
    entries.forEach((e, entry) => k < e.ports.length && out.push({ entry, port: e.ports[k]! }));
  return out;
}

/** Same host and port twice, or a bus port past 65535: usage errors, before anything starts. */
export function checkLayout(entries: readonly HostEntry[], count: number): void {
  const total = entries.reduce((n, e) => n + e.ports.length, 0);
  if (total !== count) {
    throw new UsageError(`the hosts have ${total} nodes, but the cluster needs ${count} (masters x (1 + replicas))`, {
      hint: 'give each host more or fewer ports, or change --masters/--replicas',
    });
  }
  const seen = new Set<string>();
  for (const e of entries) {
    for (const port of e.ports) {
      const key = `${e.bind}:${port}`;
      if (seen.has(key))
        throw new UsageError(`${key} is used by two nodes`, { hint: 'give every node its own address:port' });
      seen.add(key);
      if (port + 10000 > 65535)
        throw new UsageError(`port ${port} on ${hostName(e)}: its cluster bus port ${port + 10000} is past 65535`, {
          hint: 'use ports up to 55535',
        });
    }
  }
}
