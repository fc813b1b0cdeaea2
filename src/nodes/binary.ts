import { BinaryNotFoundError, EnvironmentError } from '../errors.js';
import type { Host } from '../hosts/host.js';

export interface ServerBinary {
  path: string;
  /** "redis" or "valkey": both speak the same cluster protocol. */
  flavor: 'redis' | 'valkey';
  version: string;
}

/** Parses `redis-server --version` ("Redis server v=7.0.15 sha=..." or "Valkey server v=8.0.1 ..."). */
export function parseServerVersion(text: string): { flavor: 'redis' | 'valkey'; version: string } | null {
  const m = /^(Redis|Valkey) server v=(\S+)/m.exec(text);
  if (!m) return null;
  return { flavor: m[1] === 'Valkey' ? 'valkey' : 'redis', version: m[2]! };
}

/** Compares dotted versions numerically: versionAtLeast("7.0.15", "7.0") is true. */
export function versionAtLeast(version: string, wanted: string): boolean {
  const a = version.split('.').map(Number);
  const b = wanted.split('.').map(Number);
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The names searched: the explicit path if given, else redis-server, then valkey-server, on PATH. */
export function serverCandidates(explicit?: string): string[] {
  return explicit ? [explicit] : ['redis-server', 'valkey-server'];
}

/**
 * Judges what a search found: `found` is the binary's path (null: none) and
 * `versionOutput`/`exitCode` what its --version printed.
 */
export function checkServerBinary(
  found: string | null,
  versionOutput: string,
  exitCode: number,
  explicit?: string,
): ServerBinary {
  const searched = serverCandidates(explicit);
  if (!found) throw new BinaryNotFoundError(explicit ? searched : searched.map((s) => `${s} on PATH`));
  const parsed = parseServerVersion(versionOutput);
  if (exitCode !== 0 || !parsed) {
    throw new EnvironmentError(
      `${found} does not look like redis-server (its --version printed: ${versionOutput.trim().slice(0, 80) || 'nothing'})`,
      {
        hint: 'point --redis-server at a redis-server or valkey-server binary',
      },
    );
  }
  if (!versionAtLeast(parsed.version, '5.0')) {
    throw new EnvironmentError(`${found} is version ${parsed.version}; redis-drill needs 5.0 or newer`, {
      hint: 'install a newer Redis (7.x recommended)',
    });
  }
  return { path: found, ...parsed };
}

/** Finds and checks the server binary on a host (see serverCandidates). */
export async function findServerBinary(host: Host, explicit?: string): Promise<ServerBinary> {
  const found = await host.which(serverCandidates(explicit));
  const r = found
    ? await host.exec(found, ['--version'], { timeoutMs: 5000 })
    : { stdout: '', stderr: '', exitCode: 1 };
  return checkServerBinary(found, r.stdout + r.stderr, r.exitCode, explicit);
}
