import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';

/** Every line of `iptables-save` that names a redis-drill chain (RDRILL-...): chains, rules, jumps. */
export function drillChains(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('iptables-save', [], (error, stdout) => {
      // No iptables (or no right to read it): nothing the suite could have left either.
      if (error) return resolve([]);
      resolve(
        String(stdout)
          .split('\n')
          .filter((l) => l.includes('RDRILL-')),
      );
    });
  });
}

/**
 * The lines of `iptables-save` that belong to one cluster's chain: its name
 * worked out here as redis-drill documents it (RDRILL- and the first 10 hex
 * digits of the SHA-1 of the cluster's directory), so tests running side by
 * side only look at their own.
 */
export async function chainOf(stateDir: string, cluster = 'default'): Promise<string[]> {
  const chain = `RDRILL-${createHash('sha1').update(path.resolve(stateDir, cluster)).digest('hex').slice(0, 10)}`;
  return (await drillChains()).filter((l) => l.includes(chain));
}
