import { execFile } from 'node:child_process';

/** Every line of `iptables-save` that names a redis-drill chain (RDRILL-...): chains, rules, jumps. */
export function drillChains(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('iptables-save', [], (error, stdout) => {
      // No iptables (or no right to read it): nothing the suite could have left either.
      if (error) return resolve([]);
      resolve(String(stdout).split('\n').filter((l) => l.includes('RDRILL-')));
    });
  });
}
