// npm run bench:drill — what a kill drill costs the machine it watches.
//
// On a 3x1 cluster and on a 50x1 cluster (100 nodes), node timeout 1000 ms:
// `redis-drill failover-report --fault kill` (warm-up 2 s, settle 1 s, 20
// clients). For each run: wall time, the CLI's own CPU time (user + system)
// and peak RSS (process.resourceUsage at exit, through --import
// rusage-hook.mjs), and the connections the nodes accepted while it ran
// (INFO stats total_connections_received, summed over every node that was
// not restarted, before and after): per second of the drill, and per node
// over the whole drill. Medians of
// BENCH_RUNS runs (default 3; BENCH_RUNS_BIG for 50x1, default 1).
//
// Env: BENCH_RUNS, BENCH_RUNS_BIG, BENCH_SIZES (default "3,50").
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { BIN, drill, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RUNS_BIG = Number(process.env.BENCH_RUNS_BIG ?? 1);
const SIZES = (process.env.BENCH_SIZES ?? '3,50').split(',').map(Number);
const HOOK = fileURLToPath(new URL('./rusage-hook.mjs', import.meta.url));

async function connectionsReceived(ports) {
  return Promise.all(
    ports.map(async (port) => {
      const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {});
      try {
        await c.connect();
        return Number(/total_connections_received:(\d+)/.exec(await c.info('stats'))[1]);
      } catch {
        return null;
      } finally {
        c.disconnect();
      }
    }),
  );
}

async function oneRun(root, ports) {
  const env = { REDIS_DRILL_HOME: root, NO_COLOR: '1', BENCH_RUSAGE_FILE: path.join(root, 'rusage.json') };
  const before = await connectionsReceived(ports);
  const t0 = performance.now();
  const r = await execa(
    process.execPath,
    [
      '--import',
      HOOK,
      BIN,
      'failover-report',
      '--fault',
      'kill',
      '--warmup',
      '2s',
      '--settle',
      '1s',
      '--clients',
      '20',
      '--format',
      'json',
      '--out',
      path.join(root, 'report'),
      '--json',
      '-q',
    ],
    { env, reject: false, stdin: 'ignore' },
  );
  const wallMs = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`failover-report failed (${r.exitCode}): ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const after = await connectionsReceived(ports);
  const victim = report.fault.victim.port;
  // The restarted victim's counter starts again from 0: it is left out (its connections are counted by nobody).
  const opened = ports.reduce(
    (n, p, i) => (p === victim || before[i] === null || after[i] === null ? n : n + after[i] - before[i]),
    0,
  );
  const usage = JSON.parse(await readFile(env.BENCH_RUSAGE_FILE, 'utf8'));
  return {
    wallMs,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    rssMb: usage.maxRSS / 1024,
    connPerSec: opened / (wallMs / 1000),
    connPerNode: opened / (ports.length - 1),
    nodesCounted: ports.length - 1,
  };
}

const rows = [
  [
    'cluster',
    'runs',
    'wall',
    'CLI CPU',
    'CLI peak RSS',
    'connections opened/s (all nodes but the victim)',
    'per node, whole drill',
  ],
];
for (const masters of SIZES) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'bench-drill-'));
  const count = masters * 2;
  const base = await freeBase(count);
  const ports = Array.from({ length: count }, (_, i) => base + i);
  try {
    await drill(
      [
        'cluster',
        'create',
        '--masters',
        String(masters),
        '--replicas',
        '1',
        '--port',
        String(base),
        '--node-timeout',
        '1000',
        '-q',
      ],
      { REDIS_DRILL_HOME: root },
    );
    const runs = [];
    const n = masters > 10 ? RUNS_BIG : RUNS;
    for (let i = 0; i < n; i++) {
      runs.push(await oneRun(root, ports));
      console.error(`${masters}x1 run ${i + 1}/${n}: ${JSON.stringify(runs.at(-1))}`);
    }
    const m = (k) => median(runs.map((x) => x[k]));
    rows.push([
      `${masters}x1 (${count} nodes)`,
      n,
      `${(m('wallMs') / 1000).toFixed(1)} s`,
      `${(m('cpuMs') / 1000).toFixed(2)} s`,
      `${m('rssMb').toFixed(0)} MB`,
      m('connPerSec').toFixed(1),
      m('connPerNode').toFixed(1),
    ]);
  } finally {
    await execa(process.execPath, [BIN, 'cluster', 'destroy', '-q'], {
      env: { REDIS_DRILL_HOME: root },
      reject: false,
    });
    await rm(root, { recursive: true, force: true });
  }
}
printTable(rows);
