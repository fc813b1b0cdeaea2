// A real OpenSSH server on loopback addresses, for the tests and bench:remote.
// Plain JavaScript so the benchmark scripts (which run without a TypeScript
// step) can use it too; sshd-server.d.mts gives the tests its types.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The loopback addresses that stand for three machines. */
export const SSH_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

const canListen = (host, port) =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });

const answers = (host, port) =>
  new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function freePort(addresses, band) {
  for (let i = 0; i < 50; i++) {
    const port = band + Math.floor(Math.random() * 100);
    if ((await Promise.all(addresses.map((h) => canListen(h, port)))).every(Boolean)) return port;
  }
  throw new Error('no free port for the test sshd');
}

/** A wrapper that runs `code`, then the command the client asked for (as a login shell would). */
function writeLoginShell(dir, code) {
  const file = path.join(dir, 'login-shell');
  writeFileSync(file, `#!/bin/sh\n${code}\nexec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n`, { mode: 0o755 });
  return file;
}

/**
 * Starts sshd in the foreground (our child, in its own process group) with a
 * generated host key, an accepted client key and one it refuses, all in `dir`.
 * `loginShell`: shell code run before every command, as a login shell's
 * start-up files are (e.g. 'sleep 0.5' for a .bashrc that sets up pyenv, or
 * 'sleep 3600' for a shell that hangs); sshd runs it through ForceCommand.
 */
export async function startSshd(dir, { addresses = SSH_HOSTS, band = 2200, loginShell = null } = {}) {
  const key = (name) => {
    const file = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `redis-drill-test-${name}`, '-f', file]);
    return file;
  };
  const hostKey = key('host_key');
  const identity = key('client_key');
  const wrongIdentity = key('other_key');
  execFileSync('cp', [`${identity}.pub`, path.join(dir, 'authorized_keys')]);
  // sshd's privilege separation directory; a fresh install may not have made it yet.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const port = await freePort(addresses, band);
  const sessionTmp = path.join(dir, 'tmp');
  mkdirSync(sessionTmp, { mode: 0o700 });
  const config = [
    `Port ${port}`,
    ...addresses.map((h) => `ListenAddress ${h}`),
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The key files live in a temporary directory that sshd's permission checks would reject.
    'StrictModes no',
    // No SetEnv SHLVL=1 or the like: bash reads the account's ~/.bashrc for every
    // command that comes over SSH, as it does on users' machines.
    ...(loginShell ? [`ForceCommand ${writeLoginShell(dir, loginShell)}`] : []),
    // Each test sshd's sessions keep their private directories apart, so a test can check they were removed.
    `SetEnv TMPDIR=${sessionTmp}`,
    'LogLevel ERROR',
  ];
  const configFile = path.join(dir, 'sshd_config');
  writeFileSync(configFile, config.join('\n') + '\n');
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await Promise.all(addresses.map((h) => answers(h, port)))).every(Boolean)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`test sshd did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const knownHosts = path.join(dir, 'known_hosts');
  const sshFlags = [
    '--ssh-port',
    String(port),
    '--ssh-identity',
    identity,
    '--ssh-option',
    `UserKnownHostsFile=${knownHosts}`,
  ];
  return {
    port,
    dir,
    identity,
    wrongIdentity,
    knownHosts,
    /** What the remote shell sessions left in their TMPDIR (each removes its own directory when it ends). */
    leftInTmp: () => readdirSync(sessionTmp),
    /** Live processes the sshd runs for its clients (sessions, shells, their commands): none once every client is gone. */
    remoteProcesses: () => liveDescendants(child.pid),
    /** The flags that put a new deployment's nodes on `hosts` (root@ each), under `remoteDir`, from `port` on. */
    placeFlags: (remoteDir, firstPort, hosts = addresses) => [
      '--hosts',
      hosts.map((h) => `root@${h}`).join(','),
      ...sshFlags,
      '--remote-dir',
      remoteDir,
      '--port',
      String(firstPort),
    ],
    /** `--ssh-*` flags for `cluster create --hosts`. */
    flags: () => [...sshFlags],
    async stop() {
      // The whole process group: the listener and any session it still serves.
      if (child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}

/** Live (not zombie) descendants of `pid`, as "pid args". Daemonized redis-servers are not among them (init adopts them). */
function liveDescendants(pid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), live: !m[3].startsWith('Z'), args: m[4] }));
  const found = [];
  for (let parents = new Set([pid]); parents.size;) {
    const children = rows.filter((r) => parents.has(r.ppid));
    found.push(...children);
    parents = new Set(children.map((r) => r.pid));
  }
  return found.filter((r) => r.live).map((r) => `${r.pid} ${r.args}`);
}
