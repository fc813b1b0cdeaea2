// The loop every shipped Node.js adapter runs: one SET at a time on a new
// key, one JSON line per operation on stdout (docs/clients.md), errors
// caught and reported as an application would, never retried by hand: what
// happens in a failover is the library's own doing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** host:port pairs from REDIS_DRILL_NODES (or REDIS_DRILL_SENTINELS). */
export function addresses(name = 'REDIS_DRILL_NODES') {
  const raw = process.env[name] ?? '';
  if (!raw) fail(`${name} is not set: run this adapter with redis-drill clients`);
  return raw.split(',').map((a) => {
    const i = a.lastIndexOf(':');
    return { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
  });
}

/** The configuration asked for on the command line: default or failover. */
export function config() {
  const c = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'default';
  if (c !== 'default' && c !== 'failover') fail(`unknown configuration "${c}": default or failover`);
  return c;
}

export const kind = () => process.env.REDIS_DRILL_KIND ?? 'cluster';
export const password = () => process.env.REDIS_DRILL_PASSWORD || undefined;

function fail(msg) {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
}

/** --version: the library's version from its package.json, or exit 3 when it is not installed. */
export function versionOf(pkg) {
  const require = createRequire(import.meta.url);
  let dir;
  try {
    dir = dirname(require.resolve(pkg));
  } catch {
    process.stderr.write(`${pkg} is not installed (npm install ${pkg})\n`);
    process.exit(3);
  }
  // Some packages do not export their package.json: walk up from the entry point to it.
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (p.name === pkg) return p.version;
    } catch {
      // Not here: one level up.
    }
  }
  return 'unknown';
}

/**
 * Runs until stopped: connect() gives an object with set(key, value) and
 * close(). A connect that throws is reported as a failed operation and
 * tried again, as an application's start-up would.
 */
export async function run(pkg, connect) {
  if (process.argv.includes('--version')) {
    process.stdout.write(`${versionOf(pkg)}\n`);
    return;
  }
  versionOf(pkg);
  const prefix = process.env.REDIS_DRILL_KEY_PREFIX ?? `drill:clients:${pkg}:`;
  const interval = Number(process.env.REDIS_DRILL_INTERVAL_MS ?? 10);
  let stopping = false;
  let client = null;
  const stop = async () => {
    stopping = true;
    try {
      await client?.close();
    } catch {
      // Already closed: nothing to do.
    }
    process.exit(0);
  };
  // The reader went away (redis-drill stopped, or `| head`): nothing more to say.
  process.stdout.on('error', () => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let seq = 0; !stopping; seq++) {
    const key = `${prefix}${seq}`;
    const t0 = Date.now();
    let error = null;
    try {
      client ??= await connect();
      await client.set(key, String(seq));
    } catch (e) {
      error = String(e?.message ?? e).split('\n')[0];
    }
    const t = Date.now();
    const line = { t, op: 'set', key, value: String(seq), ok: error === null, ms: t - t0 };
    if (error !== null) line.error = error;
    process.stdout.write(`${JSON.stringify(line)}\n`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
