// npm run bench:populate — bulk writes and slotmap speed.
//
// 1. On one 3x1 cluster, alternately: `redis-drill populate --keys 1000000`
//    and `redis-benchmark --cluster -t set -n 1000000 -P 16 -r 1000000`,
//    with FLUSHALL before each run; medians of the SET rates and their ratio.
//    redis-drill's rate is shown both from the CLI's wall time (Node start-up
//    and the DBSIZE read-back included) and from its own write phase.
// 2. `redis-drill slotmap` on a 100-node cluster (50 masters x 1 replica).
//
// Env: BENCH_RUNS (default 5), BENCH_KEYS (default 1000000), BENCH_SLOTMAP_MASTERS (default 50).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { drill, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const BIG = Number(process.env.BENCH_SLOTMAP_MASTERS ?? 50);
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-populate-'));
const env = { REDIS_DRILL_HOME: root };
const created = [];

async function flushAll(ports) {
  await Promise.all(
    ports.map(async (port) => {
      const r = new Redis({ port, lazyConnect: true });
      await r.connect();
      const role = await r.call('ROLE');
      if (role[0] === 'master') await r.flushall();
      r.disconnect();
    }),
  );
}

async function cleanup() {
  for (const name of created) await drill(['cluster', 'destroy', '--cluster', name, '-q'], env).catch(() => {});
  await rm(root, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  const base = await freeBase(6, 13000);
  created.push('pop');
  const c = JSON.parse(
    (await drill(['cluster', 'create', '--cluster', 'pop', '--port', String(base), '--json', '-q'], env)).stdout,
  );
  const ports = c.nodes.map((n) => n.port);
  const drillWall = [];
  const drillOwn = [];
  const bench = [];
  for (let i = 0; i < RUNS; i++) {
    await flushAll(ports);
    const r = await drill(['populate', '--cluster', 'pop', '--keys', String(KEYS), '--json', '-q'], env);
    const j = JSON.parse(r.stdout);
    if (j.written !== KEYS) throw new Error(`populate wrote ${j.written} of ${KEYS}`);
    drillWall.push(KEYS / (r.ms / 1000));
    drillOwn.push(j.opsPerSec);
    await flushAll(ports);
    const b = await execa('redis-benchmark', [
      '--cluster',
      '-h',
      '127.0.0.1',
      '-p',
      String(base),
      '-t',
      'set',
      '-n',
      String(KEYS),
      '-P',
      '16',
      '-r',
      String(KEYS),
      '-q',
    ]);
    const m =
      /SET: ([\d.]+) requests per second/.exec(b.stdout.split('\r').pop() ?? '') ??
      /SET: ([\d.]+) requests per second/.exec(b.stdout);
    bench.push(Number(m[1]));
    process.stderr.write(
      `  run ${i + 1}: redis-drill ${Math.round(drillWall[i])}/s wall (${drillOwn[i]}/s writing), redis-benchmark ${Math.round(bench[i])}/s\n`,
    );
  }
  const k = (x) => `${Math.round(x / 1000)}k SET/s`;
  console.log(`\nbench:populate — ${KEYS} keys, 3 masters x 1 replica, ${RUNS} alternating runs, medians\n`);
  printTable([
    ['tool', 'median rate', 'ratio to redis-benchmark'],
    ['redis-benchmark -P 16', k(median(bench)), '1.00x'],
    ['redis-drill populate (wall)', k(median(drillWall)), `${(median(drillWall) / median(bench)).toFixed(2)}x`],
    ['redis-drill populate (writing)', k(median(drillOwn)), `${(median(drillOwn) / median(bench)).toFixed(2)}x`],
  ]);
  await drill(['cluster', 'destroy', '--cluster', 'pop', '-q'], env);
  created.pop();

  const bigBase = await freeBase(BIG * 2, 13000);
  created.push('big');
  await drill(
    ['cluster', 'create', '--cluster', 'big', '--masters', String(BIG), '--port', String(bigBase), '-q'],
    env,
  );
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await drill(['slotmap', '--cluster', 'big', '--json'], env);
    if (JSON.parse(r.stdout).masters.length !== BIG) throw new Error('slotmap missed masters');
    times.push(r.ms);
  }
  console.log(
    `\nslotmap on ${BIG * 2} nodes: median ${fmtMs(median(times))} (runs: ${times.map(Math.round).join(', ')} ms; whole CLI process)`,
  );
} finally {
  await cleanup();
}
