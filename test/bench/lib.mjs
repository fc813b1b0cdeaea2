// Shared helpers for the benchmark scripts: run a command, poll a cluster,
// summarise timings. Benchmarks print figures; they never assert.
import { execa } from 'execa';
import { Redis } from 'ioredis';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/redis-drill.js', import.meta.url));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

export function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A base port with `count` free ports and free bus ports (+10000), from `from` (low, so bus ports stay below the ephemeral range, 32768+). */
export async function freeBase(count, from = 12000) {
  for (let base = from; base + count + 10000 < 65535; base += count + 7) {
    const ok = await Promise.all(
      Array.from({ length: count }, (_, i) => Promise.all([portFree(base + i), portFree(base + i + 10000)])),
    );
    if (ok.every(([a, b]) => a && b)) return base;
  }
  throw new Error('no free ports');
}

export async function drill(args, env = {}) {
  const t0 = performance.now();
  const r = await execa(process.execPath, [BIN, ...args], {
    env: { NO_COLOR: '1', ...env },
    reject: false,
    stdin: 'ignore',
  });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`redis-drill ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** Polls every 20 ms until every node says cluster_state:ok and every replica's link is up. */
export async function waitFormed(ports, timeoutMs = 120_000) {
  const clients = ports.map((port) => {
    const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    return c;
  });
  await Promise.all(clients.map((c) => c.connect()));
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      const states = await Promise.all(
        clients.map(async (c) => {
          const [info, repl] = await Promise.all([c.call('CLUSTER', 'INFO'), c.call('INFO', 'replication')]);
          const ok = /cluster_state:ok/.test(info);
          const replica = /role:slave/.test(repl);
          return ok && (!replica || /master_link_status:up/.test(repl));
        }),
      );
      if (states.every(Boolean)) return;
      if (performance.now() > deadline) throw new Error('cluster did not form in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    clients.forEach((c) => c.disconnect());
  }
}

export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
}
