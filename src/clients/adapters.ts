import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The client adapters redis-drill ships (clients/ in the package): one
 * small program per library, run with its defaults or with the settings its
 * documentation gives for failover. Each speaks the line protocol of
 * docs/clients.md.
 */
export interface Adapter {
  /** Its row in the matrix: "ioredis", "ioredis-failover", ... */
  name: string;
  /** The library as its users know it (what --libraries selects). */
  library: string;
  language: 'Node.js' | 'Python' | 'Ruby' | 'PHP';
  config: 'default' | 'failover';
  /** What runs it: the first of these that exists (Debian's python3 before one on PATH that may lack python3-redis). */
  runtimes: readonly string[];
  /** The program, under clients/. */
  script: string;
  /** Where the library comes from, said when it is missing. */
  install: string;
  /** Whether it can talk to a Sentinel deployment. */
  sentinel: boolean;
}

interface Library {
  library: string;
  language: Adapter['language'];
  runtimes: readonly string[];
  script: string;
  install: string;
  sentinel: boolean;
}

const NODE = [process.execPath];
const LIBRARIES: readonly Library[] = [
  {
    library: 'ioredis',
    language: 'Node.js',
    runtimes: NODE,
    script: 'node/ioredis.mjs',
    install: 'npm',
    sentinel: true,
  },
  {
    library: 'node-redis',
    language: 'Node.js',
    runtimes: NODE,
    script: 'node/node-redis.mjs',
    install: 'npm install redis',
    sentinel: true,
  },
  {
    library: 'iovalkey',
    language: 'Node.js',
    runtimes: NODE,
    script: 'node/iovalkey.mjs',
    install: 'npm install iovalkey',
    sentinel: true,
  },
  {
    library: 'valkey-glide',
    language: 'Node.js',
    runtimes: NODE,
    script: 'node/valkey-glide.mjs',
    install: 'npm install @valkey/valkey-glide',
    sentinel: false,
  },
  {
    library: 'redis-py',
    language: 'Python',
    runtimes: ['/usr/bin/python3', 'python3'],
    script: 'python/redis_py.py',
    install: 'apt-get install python3-redis',
    sentinel: true,
  },
  {
    library: 'redis-rb',
    language: 'Ruby',
    runtimes: ['ruby'],
    script: 'ruby/redis_rb.rb',
    install: 'apt-get install ruby-redis',
    sentinel: true,
  },
  {
    library: 'phpredis',
    language: 'PHP',
    runtimes: ['php'],
    script: 'php/phpredis.php',
    install: 'apt-get install php-cli php-redis',
    sentinel: true,
  },
];

/** Every shipped adapter: each library with its defaults, then with its failover settings. */
export const ADAPTERS: readonly Adapter[] = LIBRARIES.flatMap((l) =>
  (['default', 'failover'] as const).map((config) => ({
    ...l,
    name: config === 'default' ? l.library : `${l.library}-failover`,
    config,
  })),
);

/** clients/ beside dist/ (the bundle, the per-file build) and src/ (tests): two levels up from each. */
export function clientsDir(): string {
  return fileURLToPath(new URL('../../clients/', import.meta.url));
}

/** An adapter on this machine: whether its runtime and library are there, and the library's version. */
export interface AdapterStatus {
  adapter: Adapter;
  installed: boolean;
  version: string | null;
  /** The command line that runs it (sh -c), when installed. */
  cmd: string | null;
  /** Why it is not installed, in one line. */
  reason: string | null;
}

/** A client in the matrix: a shipped adapter, or the user's own program (--client NAME=CMD). */
export interface MatrixClient {
  name: string;
  cmd: string;
  library: string | null;
  language: string | null;
  config: string | null;
  version: string | null;
  shipped: boolean;
}

export const fromAdapter = (s: AdapterStatus): MatrixClient => ({
  name: s.adapter.name,
  cmd: s.cmd!,
  library: s.adapter.library,
  language: s.adapter.language,
  config: s.adapter.config,
  version: s.version,
  shipped: true,
});

const VERSION_TIMEOUT_MS = 15_000;

/** Asks the adapter for its library's version (`--version`): the one way to know the runtime and the library both load. */
export async function adapterStatus(a: Adapter): Promise<AdapterStatus> {
  const script = `${clientsDir()}${a.script}`;
  let last = `no ${a.runtimes.join(' or ')} on this machine`;
  for (const runtime of a.runtimes) {
    if (runtime.startsWith('/') && !existsSync(runtime)) continue;
    const r = await run(runtime, [script, '--version']);
    if (r.code === 0 && r.out.trim())
      return {
        adapter: a,
        installed: true,
        version: r.out.trim(),
        cmd: `${quote(runtime)} ${quote(script)} ${a.config}`,
        reason: null,
      };
    last =
      r.code === null
        ? `${runtime}: ${r.err || 'could not be started'}`
        : r.err.trim().split('\n')[0] || `${runtime} exited ${r.code}`;
  }
  return { adapter: a, installed: false, version: null, cmd: null, reason: `${last} (${a.install})` };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  // A --version that does not answer in time is killed (code null): said as such, not as a missing runtime.
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: VERSION_TIMEOUT_MS });
    let out = '';
    let err = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.once('error', (e) => resolve({ code: null, out, err: e.message }));
    c.once('close', (code, signal) =>
      resolve({
        code: code ?? -1,
        out,
        err: signal ? `${cmd} ${args[0]} --version did not answer within ${VERSION_TIMEOUT_MS / 1000} s` : err,
      }),
    );
  });
}

/** For sh -c: single quotes, so a path with spaces stays one word. */
const quote = (s: string): string => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
