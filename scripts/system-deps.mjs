// The Debian packages redis-drill's scripts need: installed with apt-get when
// this runs as root on Debian/Ubuntu, otherwise the exact command is printed
// and the process exits 3 (environment), as the CLI does.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function has(cmd) {
  return cmd.startsWith('/')
    ? existsSync(cmd)
    : spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** needs: [{ what, present: () => boolean, packages: [...] }]; `then` is what to run again. */
export function ensurePackages(needs, then) {
  const missing = needs.filter((n) => !n.present());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((n) => n.packages))];
  const what = missing.map((n) => n.what).join(', ');
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.error(`${what} missing: installing ${packages.join(' ')} with apt-get ...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
    return;
  }
  console.error(`${what} missing. Install, then run ${then} again:`);
  console.error(`  Debian/Ubuntu: sudo apt-get install -y ${packages.join(' ')}`);
  process.exit(3);
}

export const REDIS = {
  what: 'redis-server',
  present: () => has('redis-server') || has('valkey-server'),
  packages: ['redis-server', 'redis-tools'],
};

/** Whether a program runs and exits 0 (a runtime with its library loaded). */
export function runs(cmd, args) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** The client libraries redis-drill clients runs from Debian's packages (the npm ones come with npm ci). */
export const CLIENT_LIBRARIES = [
  {
    what: 'redis-py',
    present: () => runs('/usr/bin/python3', ['-c', 'import redis']),
    packages: ['python3', 'python3-redis'],
  },
  { what: 'redis-rb', present: () => runs('ruby', ['-e', 'require "redis"']), packages: ['ruby', 'ruby-redis'] },
  {
    what: 'phpredis',
    present: () => runs('php', ['-r', 'exit(extension_loaded("redis") ? 0 : 1);']),
    packages: ['php-cli', 'php-redis'],
  },
];
