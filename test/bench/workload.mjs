// npm run bench:workload — client throughput against redis-benchmark.
//
// On one 3x1 cluster, alternately: `redis-drill workload --clients 50 --mix
// set=50,get=50` and `redis-benchmark --cluster -c 50 -t set,get` (no
// pipelining; its SET and GET rates combined as the harmonic mean, i.e. the
// rate of a 50/50 mix). Medians and the ratio. Then the same workload with
// ioredis auto-pipelining, and the CLI's peak RSS (VmHWM) over a long run.
//
// Env: BENCH_RUNS (default 3), BENCH_SECONDS (default 10), BENCH_RSS_SECONDS (default 60).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, drill, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 60);
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-workload-'));
const env = { REDIS_DRILL_HOME: root };

async function workload(extra = []) {
  const r = await drill(
    ['workload', '--duration', `${SECONDS}s`, '--clients', '50', '--mix', 'set=50,get=50', '--json', '-q', ...extra],
    env,
  );
  return JSON.parse(r.stdout).opsPerSec;
}

async function benchmark(port) {
  const n = 80_000 * SECONDS;
  const b = await execa('redis-benchmark', [
    '--cluster',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    '50',
    '-t',
    'set,get',
    '-n',
    String(n),
    '-r',
    '100000',
    '-q',
  ]);
  const rate = (op) =>
    Number(new RegExp(`${op}: ([\\d.]+) requests per second`).exec(b.stdout.replace(/\r/g, '\n'))[1]);
  const s = rate('SET');
  const g = rate('GET');
  return 2 / (1 / s + 1 / g);
}

/** Peak RSS of a whole CLI run, read from /proc/<pid>/status (VmHWM) while it runs. */
async function peakRss() {
  const child = execa(
    process.execPath,
    [
      BIN,
      'workload',
      '--duration',
      `${RSS_SECONDS}s`,
      '--clients',
      '50',
      '--check',
      '--mix',
      'set=45,get=45,incr=10',
      '-q',
      '--json',
    ],
    { env: { ...env, NO_COLOR: '1' } },
  );
  let peak = 0;
  const timer = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb);
  }, 250);
  await child;
  clearInterval(timer);
  return peak / 1024;
}

try {
  const base = await freeBase(6, 14000);
  await drill(['cluster', 'create', '--port', String(base), '-q'], env);
  const d = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    d.push(await workload());
    b.push(await benchmark(base));
    process.stderr.write(`  run ${i + 1}: redis-drill ${d[i]} ops/s, redis-benchmark ${Math.round(b[i])} ops/s\n`);
  }
  const auto = [];
  for (let i = 0; i < RUNS; i++) auto.push(await workload(['--auto-pipelining']));
  const rss = await peakRss();
  console.log(
    `\nbench:workload — 3 masters x 1 replica, 50 clients, SET/GET 50/50, ${SECONDS} s runs, ${RUNS} alternating runs, medians\n`,
  );
  const k = (x) => `${Math.round(x / 100) / 10}k ops/s`;
  printTable([
    ['tool', 'median', 'ratio to redis-benchmark', 'runs'],
    ['redis-benchmark -c 50 (no pipelining)', k(median(b)), '1.00x', b.map(Math.round).join(', ')],
    ['redis-drill workload', k(median(d)), `${(median(d) / median(b)).toFixed(2)}x`, d.join(', ')],
    [
      'redis-drill workload --auto-pipelining',
      k(median(auto)),
      `${(median(auto) / median(b)).toFixed(2)}x`,
      auto.join(', '),
    ],
  ]);
  console.log(`\npeak RSS of redis-drill over a ${RSS_SECONDS} s workload (--check on): ${rss.toFixed(0)} MB (VmHWM)`);
} finally {
  await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
  await rm(root, { recursive: true, force: true });
}
