import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { type ConfigEntry, parseConfigEntry } from '../nodes/config.js';
import { type Persistence, persistenceConfig } from '../nodes/persistence.js';
import type { Clock } from '../util/clock.js';
import type { Reporter } from '../util/reporter.js';
import { CREATE_DEFAULTS } from './create-defaults.js';
import { type CreateResult, createCluster } from './create.js';
import type { HostEntry } from './layout.js';

/** Where the nodes run when not on this machine: SSH hosts, as the user gave them (--hosts and its options, or --inventory). */
export interface RemoteRequest {
  /** `--hosts` text, or an inventory file (relative paths as given). */
  hosts?: string;
  inventory?: string;
  nodesPerHost?: number;
  sshPort?: number;
  sshIdentity?: string;
  sshOptions?: readonly string[];
  sshTimeoutMs?: number;
  remoteDir?: string;
}

/** What a command that starts processes runs with: its Ctrl-C, its progress lines, its clock. */
export interface RunContext {
  abortSignal?: AbortSignal;
  reporter?: Reporter;
  clock?: Clock;
}

/** A cluster to create, as a user asks for it: flags of `cluster create`, or a scenario's `cluster.create`. */
export interface CreateRequest extends RunContext {
  cluster: string;
  stateDir: string;
  masters?: number;
  replicas?: number;
  port?: number;
  bind?: string;
  nodeTimeoutMs?: number;
  redisServer?: string;
  /** `key=value` lines (from --config), or entries already parsed. */
  config?: readonly (string | ConfigEntry)[];
  /** What the nodes keep across a restart (default: aof); --config lines given with it win. */
  persistence?: Persistence;
  force?: boolean;
  /** auto, none, or not given (then: auto on SSH hosts, none locally). Never a literal password. */
  password?: string;
  /** SSH hosts (none: this machine). */
  remote?: RemoteRequest;
}

/** The password a new cluster gets: random by default on SSH hosts, none locally. Never from the command line. */
export function passwordFor(choice: string | undefined, remote: boolean, warn: (m: string) => void): string | null {
  if (choice !== undefined && choice !== 'auto' && choice !== 'none') {
    throw new UsageError(`--password for create takes "auto" or "none", not a password`, {
      hint: 'a password on the command line is visible to every user of the machine; with auto, redis-drill makes a random one and keeps it in the state file (mode 0600)',
    });
  }
  if (choice === 'auto' || (choice === undefined && remote)) return randomBytes(24).toString('base64url');
  if (remote) warn('--password none: the nodes accept commands from anyone who can reach their ports');
  return null;
}

const SSH_ONLY = {
  nodesPerHost: '--nodes-per-host',
  sshPort: '--ssh-port',
  sshIdentity: '--ssh-identity',
  remoteDir: '--remote-dir',
} as const;

/** Where `count` nodes go: SSH hosts from --hosts or an inventory, or undefined for this machine. */
export async function hostEntries(
  remote: RemoteRequest | undefined,
  redisServer: string | undefined,
  count: number,
  port: number,
): Promise<HostEntry[] | undefined> {
  const r = remote ?? {};
  if (r.hosts && r.inventory) throw new UsageError('give --hosts or --inventory, not both');
  if (!r.hosts && !r.inventory) {
    const sshOnly = (Object.keys(SSH_ONLY) as (keyof typeof SSH_ONLY)[]).find((k) => r[k] !== undefined);
    if (sshOnly)
      throw new UsageError(`${SSH_ONLY[sshOnly]} needs --hosts`, {
        hint: 'for example --hosts root@10.0.0.1,root@10.0.0.2,root@10.0.0.3',
      });
    return undefined;
  }
  if (r.inventory) {
    const { loadInventory } = await import('./inventory.js');
    return loadInventory(r.inventory, { port, nodesPerHost: r.nodesPerHost });
  }
  const { layoutHosts, parseHostList } = await import('./layout.js');
  const targets = parseHostList(r.hosts!, {
    port: r.sshPort ?? null,
    identity: r.sshIdentity ?? null,
    options: [...(r.sshOptions ?? [])],
  });
  return layoutHosts(targets, {
    count,
    port,
    nodesPerHost: r.nodesPerHost,
    redisServer,
    baseDir: r.remoteDir,
  });
}

/** The nodes' extra redis.conf lines: the persistence mode's, then the user's --config (which win). */
export function configOf(r: Pick<CreateRequest, 'config' | 'persistence'>): ConfigEntry[] {
  return [
    ...(r.persistence ? persistenceConfig(r.persistence) : []),
    ...(r.config ?? []).map((c) => (typeof c === 'string' ? parseConfigEntry(c) : c)),
  ];
}

/** Creates a cluster from a request: defaults, the password policy and the hosts applied in one place. */
export async function createFromRequest(r: CreateRequest): Promise<CreateResult> {
  const masters = r.masters ?? CREATE_DEFAULTS.masters;
  const replicas = r.replicas ?? CREATE_DEFAULTS.replicas;
  const port = r.port ?? CREATE_DEFAULTS.port;
  const hosts = await hostEntries(r.remote, r.redisServer, masters * (1 + replicas), port);
  const warn = (m: string): void => r.reporter?.warn(m);
  return createCluster({
    cluster: r.cluster,
    stateDir: r.stateDir,
    masters,
    replicas,
    port,
    bind: r.bind ?? CREATE_DEFAULTS.bind,
    nodeTimeoutMs: r.nodeTimeoutMs ?? CREATE_DEFAULTS.nodeTimeoutMs,
    redisServer: r.redisServer,
    config: configOf(r),
    force: Boolean(r.force),
    password: passwordFor(r.password, hosts !== undefined, warn),
    hosts,
    sshConnectTimeoutMs: r.remote?.sshTimeoutMs,
    abortSignal: r.abortSignal,
    reporter: r.reporter,
    clock: r.clock,
  });
}
