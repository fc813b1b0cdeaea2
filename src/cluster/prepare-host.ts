import { DrillError, EnvironmentError, PortInUseError, UsageError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { LocalHost } from '../hosts/local.js';
import { listenerBlocks, shellQuote } from '../hosts/shell.js';
import { type ServerBinary, checkServerBinary, findServerBinary, serverCandidates } from '../nodes/binary.js';
import { allSettledOrThrow } from '../util/wait.js';
import type { HostEntry } from './layout.js';

/** What was found on one host before anything starts there. */
export interface PreparedHost {
  entry: HostEntry;
  name: string;
  server: ServerBinary;
  /** The cluster's directory on that host (SSH hosts only). */
  remoteDir: string | null;
}

export interface PrepareOptions {
  cluster: string;
  redisServer?: string;
  /** Replace a leftover cluster directory on an SSH host. */
  force: boolean;
  /** Binaries already found, by host and choice: several entries on one host (one address per node) look once. */
  binaries?: Map<string, Promise<ServerBinary>>;
  /** Check the cluster bus ports (port + 10000) too: not for a Sentinel deployment, which has none. */
  busPorts?: boolean;
}

/** Runs a step on a host; an SSH host's name is put in front of any error that does not name it yet. */
export async function onHost<T>(host: Host, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!host.remote || !(e instanceof DrillError) || e.message.startsWith(host.name)) throw e;
    const Kind = e.exitCode === 2 ? UsageError : EnvironmentError;
    throw new Kind(`${host.name}: ${e.message}`, { hint: e.hint, details: e.details, cause: e });
  }
}

/** Throws for the first port of `entry` (or its bus port) that `busy` says is taken. */
function checkPorts(entry: HostEntry, busy: (port: number) => boolean, busPorts: boolean): void {
  for (const port of entry.ports) {
    if (busy(port)) throw new PortInUseError(entry.bind, port, 'client');
    if (busPorts && busy(port + 10000)) throw new PortInUseError(entry.bind, port + 10000, 'cluster bus');
  }
}

/** Checks one host: the server binary and its version, the ports, and (SSH) the cluster's directory. */
export function prepareHost(host: Host, entry: HostEntry, o: PrepareOptions): Promise<PreparedHost> {
  return onHost(host, () => (host instanceof LocalHost ? prepareLocal(host, entry, o) : prepareRemote(host, entry, o)));
}

async function prepareLocal(host: LocalHost, entry: HostEntry, o: PrepareOptions): Promise<PreparedHost> {
  const explicit = entry.redisServer ?? o.redisServer;
  const key = `${host.name} ${explicit ?? ''}`;
  let found = o.binaries?.get(key);
  if (!found) {
    found = findServerBinary(host, explicit);
    o.binaries?.set(key, found);
  }
  const server = await found;
  await allSettledOrThrow(entry.ports, async (port) => {
    if (!(await host.portFree(entry.bind, port))) throw new PortInUseError(entry.bind, port, 'client');
    if (o.busPorts !== false && !(await host.portFree(entry.bind, port + 10000)))
      throw new PortInUseError(entry.bind, port + 10000, 'cluster bus');
  });
  return { entry, name: host.name, server, remoteDir: null };
}

/**
 * The same checks in one round trip: over SSH every call costs a channel
 * and a remote shell, so the binary, its version, the directory and every
 * listening port are asked for in a single script.
 */
async function prepareRemote(host: Host, entry: HostEntry, o: PrepareOptions): Promise<PreparedHost> {
  const explicit = entry.redisServer ?? o.redisServer;
  const script = [
    'found=',
    `for c in ${serverCandidates(explicit).map(shellQuote).join(' ')}; do`,
    '  case "$c" in */*) [ -x "$c" ] && { found=$c; break; } ;; *) p=$(command -v "$c") && { found=$p; break; } ;; esac',
    'done',
    'echo "found=$found"',
    'if [ -n "$found" ]; then v=$("$found" --version 2>&1); echo "status=$?"; echo "version=$(echo "$v" | head -n 1)"; fi',
    `b=${shellQuote(entry.baseDir ?? '.redis-drill')}`,
    'case "$b" in /*) d=$b ;; *) d=$HOME/$b ;; esac',
    `d=\${d%/}/${shellQuote(o.cluster)}`,
    'echo "dir=$d"',
    '[ -e "$d" ] && echo "exists=1"',
    'command -v ss >/dev/null 2>&1 && ss -Hltn | sed "s/^/listen=/"',
    'exit 0',
  ].join('\n');
  const r = await host.exec('sh', ['-c', script], { timeoutMs: 15_000 });
  const lines = r.stdout.split('\n');
  const value = (key: string): string | undefined => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const server = checkServerBinary(
    value('found') || null,
    value('version') ?? '',
    Number(value('status') ?? 1),
    explicit,
  );
  const remoteDir = value('dir')!;
  if (value('exists')) {
    if (!o.force)
      throw new UsageError(`a cluster directory ${remoteDir} already exists there`, {
        hint: 'destroy that cluster first, or use --force to replace it',
      });
    await host.remove(remoteDir);
  }
  // Without ss the check is skipped: a taken port still shows up when the node fails to start.
  const listening = lines
    .filter((l) => l.startsWith('listen='))
    .map((l) => l.slice('listen='.length))
    .join('\n');
  checkPorts(entry, (port) => listenerBlocks(listening, entry.bind, port), o.busPorts !== false);
  return { entry, name: host.name, server, remoteDir };
}
