import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { inject } from 'vitest';

/** The loopback addresses that stand for three machines. */
export const SSH_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;

export const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  dir: string;
  /** Private key the sshd accepts. */
  identity: string;
  /** A key it does not accept. */
  wrongIdentity: string;
  knownHosts: string;
  /** `--ssh-*` flags for `cluster create --hosts`. */
  flags(): string[];
  stop(): Promise<void>;
}

const canListen = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });

const answers = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function freeSshPort(): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  for (let i = 0; i < 50; i++) {
    const port = 2200 + (worker % 8) * 100 + Math.floor(Math.random() * 100);
    if ((await Promise.all(SSH_HOSTS.map((h) => canListen(h, port)))).every(Boolean)) return port;
  }
  throw new Error('no free port for the test sshd');
}

/**
 * A real OpenSSH server for the suite: its own host key, client keys and
 * config in a temporary directory, listening on 127.0.0.2-4 (three
 * "machines"), run in the foreground as our child so stop() ends it.
 */
export async function startSshd(): Promise<TestSshd> {
  const dir = await mkdtemp(path.join(inject('testRoot'), 'sshd-'));
  const key = (name: string): string => {
    const file = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `redis-drill-test-${name}`, '-f', file]);
    return file;
  };
  const hostKey = key('host_key');
  const identity = key('client_key');
  const wrongIdentity = key('other_key');
  execFileSync('cp', [`${identity}.pub`, path.join(dir, 'authorized_keys')]);
  // sshd's privilege separation directory; the Debian package makes it at boot, a fresh install may not have it yet.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const port = await freeSshPort();
  const config = [
    `Port ${port}`,
    ...SSH_HOSTS.map((h) => `ListenAddress ${h}`),
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The key files live in a temporary directory that sshd's permission checks would reject.
    'StrictModes no',
    // bash reads ~/.bashrc for commands that come over SSH unless SHLVL says it is
    // nested; a heavy .bashrc (pyenv here) would add ~100 ms to every remote call.
    'SetEnv SHLVL=1',
    'LogLevel ERROR',
  ];
  const configFile = path.join(dir, 'sshd_config');
  writeFileSync(configFile, config.join('\n') + '\n');
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await Promise.all(SSH_HOSTS.map((h) => answers(h, port)))).every(Boolean)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`test sshd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const knownHosts = path.join(dir, 'known_hosts');
  return {
    port,
    dir,
    identity,
    wrongIdentity,
    knownHosts,
    flags: () => ['--ssh-port', String(port), '--ssh-identity', identity, '--ssh-option', `UserKnownHostsFile=${knownHosts}`],
    async stop() {
      // The whole process group: the listener and any session it still serves.
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      }
    },
  };
}

/** Live ssh client processes still holding a shared connection to the test sshd (a leak if any). */
export function sshMastersFor(port: number): string[] {
  const out = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => !l.trim().startsWith('Z') && /\bssh\b/.test(l) && l.includes('ControlMaster=yes') && l.includes(`-p ${port}`));
}
