#!/usr/bin/env node
// npm run demo — the newcomer's first command: the classic failover lab on a
// throw-away local cluster (create, 1000 keys, slot map, then failover-report:
// load, kill Master[0], promotion, restart, rejoin, report), then the cluster
// is removed; the report stays in ./reports/.
// Installs redis-server when it can (root + apt-get), else says how (exit 3).
import { spawnSync } from 'node:child_process';
import { REDIS, ensurePackages } from './system-deps.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', 'bin', 'redis-drill.js');

ensurePackages([REDIS], 'npm run demo');

function free(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
let port = 17000;
for (;;) {
  const ok = await Promise.all(
    Array.from({ length: 6 }, (_, i) => Promise.all([free(port + i), free(port + i + 10000)])),
  );
  if (ok.every(([a, b]) => a && b)) break;
  port += 10;
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'redis-drill-demo-'));
const run = (...args) => {
  console.log(`\n$ redis-drill ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], {
    stdio: 'inherit',
    env: { ...process.env, REDIS_DRILL_HOME: stateDir },
  });
  if (r.status !== 0) throw new Error(`redis-drill ${args.slice(0, 2).join(' ')} exited with ${r.status}`);
};
const out = path.resolve(
  'reports',
  `demo-${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`,
);
let code = 0;
try {
  run('cluster', 'create', '--port', String(port), '--node-timeout', '1000');
  run('populate', '--keys', '1000');
  run('slotmap', '--key', 'key1');
  // The drill itself: load, kill Master[0], promotion, restart, rejoin, checks, report.
  run('failover-report', '--fault', 'kill', '--warmup', '3s', '--settle', '2s', '--out', out);
  run('slotmap');
  console.log(`\nThe full report (Markdown, JSON, and HTML with a chart): ${out}/report.html`);
} catch (e) {
  console.error(e.message);
  code = 1;
} finally {
  run('cluster', 'destroy');
  rmSync(stateDir, { recursive: true, force: true });
}
process.exit(code);
