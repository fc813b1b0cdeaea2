import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/netns-lab.sh', import.meta.url));

/** Hosts that really are separate: network namespaces on a bridge, each with its own sshd and firewall (scripts/netns-lab.sh). */
export interface Lab {
  tag: string;
  addresses: string[];
  namespaces: string[];
  /** `--hosts ... --ssh-identity ... --ssh-option ...` for `cluster create`, nodes under `remoteDir` from `port`. */
  placeFlags(remoteDir: string, port: number): string[];
  /** `iptables -S` inside one host's namespace. */
  firewall(namespace: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts a lab of `hosts` namespaces, tagged uniquely so test files running side by side never share one. */
export async function startLab(hosts = 3): Promise<Lab> {
  const dir = await mkdtemp(path.join(inject('testRoot'), 'lab-'));
  const tag = `t${randomBytes(2).toString('hex')}`;
  try {
    await run('bash', [SCRIPT, 'up', dir, String(hosts), tag]);
  } catch (e) {
    await run('bash', [SCRIPT, 'down', dir]).catch(() => undefined);
    throw e;
  }
  const env = await readFile(path.join(dir, 'lab.env'), 'utf8');
  const field = (name: string): string[] =>
    (new RegExp(`^${name}=(.*)$`, 'm').exec(env)?.[1] ?? '').replace(/\\ /g, ' ').trim().split(/\s+/);
  const addresses = field('LAB_ADDRESSES');
  const namespaces = field('LAB_NAMESPACES');
  return {
    tag,
    addresses,
    namespaces,
    placeFlags: (remoteDir, port) => [
      '--hosts',
      addresses.map((a) => `root@${a}`).join(','),
      '--ssh-identity',
      path.join(dir, 'client_key'),
      '--ssh-option',
      `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`,
      '--remote-dir',
      remoteDir,
      '--port',
      String(port),
    ],
    async firewall(namespace) {
      const { stdout } = await run('ip', ['netns', 'exec', namespace, 'iptables', '-S']);
      return stdout.split('\n').filter(Boolean);
    },
    stop: async () => void (await run('bash', [SCRIPT, 'down', dir])),
  };
}
