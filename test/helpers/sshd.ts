import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { freePortRange } from './ports.js';
import { SSH_HOSTS, type TestSshd, startSshd as start } from './sshd-server.mjs';

export { SSH_HOSTS, type TestSshd };

/** A real sshd on 127.0.0.2-4 for one test file, its keys under the suite's root; each vitest worker has its own port band. */
export async function startSshd(options: { loginShell?: string } = {}): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(inject('testRoot'), 'sshd-'));
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  return start(dir, { band: 2200 + (worker % 8) * 100, ...options });
}

/** Live ssh client processes still holding a shared connection to the test sshd (a leak if any), as "pid args". */
export function sshMastersFor(port: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, stat, ...args]) => {
      const line = args.join(' ');
      return (
        !stat?.startsWith('Z') &&
        /\bssh\b/.test(line) &&
        line.includes('ControlMaster=yes') &&
        line.includes(`-p ${port}`)
      );
    })
    .map(([pid, , ...args]) => `${pid} ${args.join(' ')}`);
}

/** A fresh state directory, remote base directory and free port pair for one SSH test. */
export async function remotePlace(): Promise<{ state: string; remote: string; port: number }> {
  const state = await mkdtemp(path.join(inject('testRoot'), 'state-'));
  const remote = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
  return { state, remote, port: await freePortRange(2) };
}
