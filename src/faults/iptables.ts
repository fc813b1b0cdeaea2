import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../errors.js';
import type { Host } from '../hosts/host.js';

/**
 * The one place that runs iptables. A partition is one chain of
 * redis-drill's own, jumped to from position 1 of INPUT (so an existing
 * "ESTABLISHED,RELATED -j ACCEPT" rule cannot keep old connections alive);
 * healing removes that jump and that chain, and nothing else. The machine's
 * other rules are never read, changed or flushed.
 */

const CAP_NET_ADMIN = 12;

/** Whether this process may change the firewall: root, or CAP_NET_ADMIN in its effective set. */
export async function mayChangeFirewall(): Promise<boolean> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!eff) return process.getuid?.() === 0;
  return (BigInt(`0x${eff}`) & (1n << BigInt(CAP_NET_ADMIN))) !== 0n;
}

/** Checks, before anything changes, that this host can run the rules: iptables there and the right to use it. */
export async function checkFirewall(host: Host): Promise<void> {
  for (const tool of ['iptables', 'iptables-restore']) {
    if (!(await host.which([tool]))) {
      throw new EnvironmentError(
        `${tool} is not installed${host.remote ? ` on ${host.name}` : ''}: network faults need it`,
        { hint: 'install it (Debian/Ubuntu: sudo apt-get install iptables) and run again' },
      );
    }
  }
  if (!host.remote && !(await mayChangeFirewall())) {
    throw new EnvironmentError(
      'network faults change the firewall (iptables), which needs root (CAP_NET_ADMIN); this process has neither',
      {
        hint: 'run it as root (sudo redis-drill ...); nothing was changed',
      },
    );
  }
}

async function iptables(host: Host, args: string[], what: string): Promise<{ ok: boolean; stderr: string }> {
  // -w: wait for the xtables lock rather than fail when another iptables runs at the same moment.
  const r = await host.exec('iptables', ['-w', '5', ...args], { timeoutMs: 10_000 });
  if (r.exitCode !== 0 && /Permission denied|must be root|Operation not permitted/i.test(r.stderr)) {
    throw new EnvironmentError(`iptables on ${host.name} refused to ${what}: ${r.stderr.trim().split('\n')[0]}`, {
      hint: 'network faults need root (CAP_NET_ADMIN)',
    });
  }
  return { ok: r.exitCode === 0, stderr: r.stderr.trim() };
}

export async function chainExists(host: Host, chain: string): Promise<boolean> {
  return (await iptables(host, ['-S', chain], 'list its chain')).ok;
}

/**
 * Puts the rules in place, atomically (iptables-restore --noflush: the
 * chain and its jump appear together or not at all). Any chain of the same
 * name from before (a crashed run) is removed first.
 */
export async function applyChain(host: Host, chain: string, rules: readonly string[][]): Promise<void> {
  await removeChain(host, chain);
  const text = [
    '*filter',
    `:${chain} - [0:0]`,
    ...rules.map((r) => r.join(' ')),
    `-I INPUT 1 -j ${chain}`,
    'COMMIT',
    '',
  ].join('\n');
  const r = await host.exec('iptables-restore', ['-w', '5', '--noflush'], { timeoutMs: 10_000, input: text });
  if (r.exitCode !== 0) {
    await removeChain(host, chain);
    throw new EnvironmentError(
      `iptables-restore on ${host.name} refused the partition's rules: ${r.stderr.trim().split('\n')[0] || `exit code ${r.exitCode}`}`,
      { hint: 'is the iptables kernel support (nf_tables or x_tables) there? Nothing was left in place' },
    );
  }
}

/** Removes the jump(s) to the chain and the chain. True when there was something to remove. Safe to repeat. */
export async function removeChain(host: Host, chain: string): Promise<boolean> {
  if (!(await chainExists(host, chain))) return false;
  // A crashed run may have left more than one jump.
  for (let i = 0; i < 100 && (await iptables(host, ['-D', 'INPUT', '-j', chain], 'remove its jump')).ok; i++);
  await iptables(host, ['-F', chain], 'flush its chain');
  const gone = await iptables(host, ['-X', chain], 'delete its chain');
  if (!gone.ok && (await chainExists(host, chain)))
    throw new EnvironmentError(`could not delete iptables chain ${chain} on ${host.name}: ${gone.stderr}`, {
      hint: `remove it by hand: iptables -D INPUT -j ${chain}; iptables -F ${chain}; iptables -X ${chain}`,
    });
  return true;
}

/**
 * Removes the chain on every host where one of ours could be (destroy): a
 * host without iptables, or where this process may not change the firewall,
 * cannot hold one. Returns the hosts it was removed from.
 */
export async function removeChainEverywhere(hosts: readonly Host[], chain: string): Promise<string[]> {
  const removed: string[] = [];
  for (const h of hosts) {
    if (!(await h.which(['iptables'])) || (!h.remote && !(await mayChangeFirewall()))) continue;
    if (await removeChain(h, chain)) removed.push(h.name);
  }
  return removed;
}
