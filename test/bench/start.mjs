// npm run bench:start — how long the CLI takes to start, against a bare Node.
//
// Runs, BENCH_RUNS times each (default 15), alternating so machine noise hits
// all alike, each a whole process from spawn to exit:
// - `node -e 0`: what any Node program pays before its first line;
// - `redis-drill --version`: the CLI's own start-up (its modules loaded and
//   the command line parsed), no work;
// - `redis-drill keyslot foo`: a command that needs no cluster (it looks for
//   the state file, finds none, and computes the slot).
// Prints each median and min, and the difference to `node -e 0`.
// Goals (issue 24): --version within 60 ms of node -e 0, keyslot within 80 ms.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, fmtMs, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
// An empty state directory: keyslot finds no cluster, as on a fresh machine.
const home = mkdtempSync(path.join(os.tmpdir(), 'bench-start-'));
const env = { ...process.env, REDIS_DRILL_HOME: home, NO_COLOR: '1' };

const paths = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'redis-drill --version', args: [BIN, '--version'] },
  { name: 'redis-drill keyslot foo', args: [BIN, 'keyslot', 'foo'] },
];

function once(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

try {
  console.log(`bench:start — ${RUNS} runs per path, alternating, ${os.cpus().length} cores, Node ${process.version}\n`);
  // One warm-up each: the first spawn pays for the file cache.
  for (const p of paths) once(p.args);
  const times = paths.map(() => []);
  for (let i = 0; i < RUNS; i++) paths.forEach((p, j) => times[j].push(once(p.args)));
  const base = median(times[0]);
  printTable([
    ['path', 'median', 'min', 'median - node -e 0'],
    ...paths.map((p, j) => [
      p.name,
      fmtMs(median(times[j])),
      fmtMs(Math.min(...times[j])),
      j === 0 ? '-' : `+${fmtMs(median(times[j]) - base)}`,
    ]),
  ]);
  console.log('\nGoals: --version within 60 ms of node -e 0, keyslot foo within 80 ms.');
} finally {
  rmSync(home, { recursive: true, force: true });
}
