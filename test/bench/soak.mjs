// npm run bench:soak — what a soak costs beyond what Redis needs, and whether redis-drill grows.
//
// `redis-drill soak --create --node-timeout 1000 --loops BENCH_LOOPS (20)
// --faults kill --seed 1 --interval 1s` on 3 masters x 1 replica, BENCH_RUNS
// times (default 1). From each report: the wall time; per loop, the time
// Redis needs (promotion, from the fault to "Failover election won", and the
// rejoin, from the restart to the link up) against the loop's whole time less
// its planned pause: the difference is redis-drill's own overhead (starting
// the node again, waiting for every node to agree, polling cadence); and
// redis-drill's RSS at the end of each loop (flat is the target; < 200 MB).
// There is no other tool that runs such a loop, so the reference is Redis's
// own time. BENCH_BIG=1 adds one 10-loop soak on 50 x 1 (100 nodes): that it
// completes, its wall time and peak RSS. Both rows give the observer's poll
// interval (50 ms, 1 ms per node past 50 nodes), its gap between two answered
// polls of a node (median / p99), how long the nodes took to answer, and how
// late redis-drill's own event loop ran (p99): the gap is the sum of those.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BIN, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const LOOPS = Number(process.env.BENCH_LOOPS ?? 20);
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-soak-'));
const env = { REDIS_DRILL_HOME: root, NO_COLOR: '1' };

async function soak(masters, loops) {
  const base = await freeBase(masters * 2);
  const args = [
    '--json',
    '--cluster',
    `bench-${masters}`,
    'soak',
    '--create',
    '--masters',
    String(masters),
    '--port',
    String(base),
    '--node-timeout',
    '1000',
    '--loops',
    String(loops),
    '--faults',
    'kill',
    '--random-seed',
    '1',
    '--interval',
    '1s',
    '--format',
    'json',
    '--out',
    path.join(root, `r-${masters}-${Date.now()}`),
  ];
  const t0 = performance.now();
  const r = await execa(process.execPath, [BIN, ...args], { env, reject: false, stdin: 'ignore' });
  const wall = performance.now() - t0;
  await execa(process.execPath, [BIN, '--cluster', `bench-${masters}`, 'cluster', 'destroy', '-q'], {
    env,
    reject: false,
  });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`soak failed (${r.exitCode}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const plan = JSON.parse(
    (
      await execa(
        process.execPath,
        [
          BIN,
          '--json',
          'soak',
          ...args.slice(args.indexOf('--loops'), args.indexOf('--format')),
          '--masters',
          String(masters),
          '--create',
          '--plan',
        ],
        { env },
      )
    ).stdout,
  );
  return { wall, report, plan, exitCode: r.exitCode };
}

const observerCells = (o) => [
  `${o.intervalMs} ms`,
  `${o.medianGapMs} / ${o.p99GapMs} ms`,
  `${o.medianAnswerMs} / ${o.p99AnswerMs} ms`,
  `${o.eventLoopDelayP99Ms} ms`,
];

const { stdout: version } = await execa('redis-server', ['--version']);
console.log(
  `bench:soak — ${version.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, ${LOOPS} loops of kill, node timeout 1000 ms, ${RUNS} run(s)\n`,
);
const rows = [
  [
    'cluster',
    'loops passed',
    'wall',
    'Redis per loop (median: promotion + rejoin)',
    'redis-drill overhead per loop (median / p90)',
    'overhead share',
    'RSS first loop',
    'RSS last loop',
    'heap kept first -> last loop',
    'peak RSS',
    'poll interval',
    'poll gap median / p99',
    'node answer median / p99',
    'event loop delay p99',
  ],
];
try {
  for (let i = 0; i < RUNS; i++) {
    const { wall, report, plan } = await soak(3, LOOPS);
    const loops = report.soak.rows.filter((r) => r.outcome !== 'not run');
    const redis = loops.map((r) => (r.promotionMs ?? 0) + (r.rejoinMs ?? 0));
    const overhead = loops.map((r, k) => r.endMs - r.startMs - plan.schedule[k].pauseMs - redis[k]);
    const sorted = [...overhead].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)];
    process.stderr.write(
      `  run ${i + 1}: ${loops.length} loops, wall ${fmtMs(wall)}, overhead per loop ${overhead.map((x) => Math.round(x)).join(' ')} ms\n`,
    );
    const mem = report.soak.resources;
    rows.push([
      '3x1',
      `${report.soak.rows.filter((r) => r.outcome === 'passed').length}/${LOOPS}`,
      fmtMs(wall),
      fmtMs(median(redis)),
      `${fmtMs(median(overhead))} / ${fmtMs(p90)}`,
      `${Math.round((100 * median(overhead)) / (median(overhead) + median(redis)))}%`,
      `${mem.firstLoopRssMb} MB`,
      `${mem.lastLoopRssMb} MB`,
      `${mem.firstLoopHeapMb} -> ${mem.lastLoopHeapMb} MB`,
      `${mem.peakRssMb} MB`,
      ...observerCells(mem.observer),
    ]);
  }
  if (process.env.BENCH_BIG === '1') {
    const { wall, report } = await soak(50, 10);
    const mem = report.soak.resources;
    rows.push([
      '50x1',
      `${report.soak.rows.filter((r) => r.outcome === 'passed').length}/10`,
      fmtMs(wall),
      fmtMs(median(report.soak.rows.map((r) => (r.promotionMs ?? 0) + (r.rejoinMs ?? 0)))),
      '-',
      '-',
      `${mem.firstLoopRssMb} MB`,
      `${mem.lastLoopRssMb} MB`,
      `${mem.firstLoopHeapMb} -> ${mem.lastLoopHeapMb} MB`,
      `${mem.peakRssMb} MB`,
      ...observerCells(mem.observer),
    ]);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
console.log('');
printTable(rows);
