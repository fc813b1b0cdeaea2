// npm run bench:sentinel — a fully formed Sentinel deployment, redis-drill against the classic path.
//
// "Fully formed" is the same for both: every sentinel lists the master's 2
// replicas and 2 other sentinels, answers CKQUORUM with OK, and every
// replica's link is up.
// Classic path: start three data nodes, REPLICAOF on the two replicas, start
// three sentinels whose config has only the `sentinel monitor` line (they
// find the replicas from the master's INFO and each other from hello
// messages, every 2 s), poll every 20 ms until formed.
// redis-drill: `sentinel create`, timed from the CLI's start to its exit
// (it seeds known-replica/known-sentinel/myid lines and waits for the same
// conditions itself). Runs alternate so machine noise hits both alike.
//
// Env: BENCH_RUNS (default 5).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { drill, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DOWN_AFTER = 5000;
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-sentinel-'));
/** pid files of the classic path's servers, so an interrupted run still stops them (only those). */
const pidFiles = new Set();

function dataConf(dir, port) {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    'daemonize yes',
    `pidfile ${dir}/redis.pid`,
    `logfile ${dir}/redis.log`,
    'save ""',
    'appendonly no',
    '',
  ].join('\n');
}

function sentinelConf(dir, port, masterPort) {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    'daemonize yes',
    `pidfile ${dir}/redis.pid`,
    `logfile ${dir}/redis.log`,
    `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds mymaster ${DOWN_AFTER}`,
    '',
  ].join('\n');
}

const client = (port) => {
  const c = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => 20 });
  c.on('error', () => {});
  return c;
};

/** Polls every 20 ms until every sentinel sees 2 replicas and 2 other sentinels with CKQUORUM OK, and both replicas are linked. */
async function waitFormed(dataPorts, sentinelPorts, timeoutMs = 60_000) {
  const sentinels = sentinelPorts.map(client);
  const replicas = dataPorts.slice(1).map(client);
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      const seen = await Promise.all([
        ...sentinels.map(async (s) => {
          const flat = await s.call('SENTINEL', 'MASTER', 'mymaster').catch(() => []);
          const m = new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
          if (m.get('num-slaves') !== '2' || m.get('num-other-sentinels') !== '2') return false;
          return /^OK/.test(String(await s.call('SENTINEL', 'CKQUORUM', 'mymaster').catch(() => '')));
        }),
        ...replicas.map(async (r) => /master_link_status:up/.test(await r.info('replication').catch(() => ''))),
      ]);
      if (seen.every(Boolean)) return;
      if (performance.now() > deadline) throw new Error('the classic deployment did not form in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    [...sentinels, ...replicas].forEach((c) => c.disconnect());
  }
}

async function stopAll(files) {
  for (const f of files) {
    const pid = Number(await readFile(f, 'utf8').catch(() => ''));
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    pidFiles.delete(f);
  }
}

async function classic(base, sentinelBase) {
  const dir = await mkdtemp(path.join(root, 'classic-'));
  const dataPorts = [base, base + 1, base + 2];
  const sentinelPorts = [sentinelBase, sentinelBase + 1, sentinelBase + 2];
  const t0 = performance.now();
  const mine = [];
  const start = async (port, conf, extra) => {
    const d = path.join(dir, String(port));
    await mkdir(d);
    await writeFile(path.join(d, 'redis.conf'), conf(d, port));
    pidFiles.add(path.join(d, 'redis.pid'));
    mine.push(path.join(d, 'redis.pid'));
    await execa('redis-server', [path.join(d, 'redis.conf'), ...extra]);
  };
  try {
    await Promise.all(dataPorts.map((p) => start(p, dataConf, [])));
    // A daemonized server listens before its parent exits, so REPLICAOF reaches it.
    for (const p of dataPorts.slice(1))
      await execa('redis-cli', ['-p', String(p), 'REPLICAOF', '127.0.0.1', String(base)]);
    await Promise.all(sentinelPorts.map((p) => start(p, (d, port) => sentinelConf(d, port, base), ['--sentinel'])));
    await waitFormed(dataPorts, sentinelPorts);
    return performance.now() - t0;
  } finally {
    await stopAll(mine);
    await rm(dir, { recursive: true, force: true });
  }
}

async function redisDrill(base, sentinelBase) {
  const stateDir = await mkdtemp(path.join(root, 'drill-'));
  const env = { REDIS_DRILL_HOME: stateDir };
  try {
    const r = await drill(
      [
        'sentinel',
        'create',
        '--port',
        String(base),
        '--sentinel-port',
        String(sentinelBase),
        '--down-after',
        String(DOWN_AFTER),
        '--json',
        '-q',
      ],
      env,
    );
    return { wall: r.ms, own: JSON.parse(r.stdout).elapsedMs };
  } finally {
    await drill(['sentinel', 'destroy', '-q'], env).catch(() => {});
  }
}

async function cleanup() {
  await stopAll([...pidFiles]);
  await rm(root, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

const { stdout: version } = await execa('redis-server', ['--version']);
console.log(
  `bench:sentinel — ${version.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, 1 master + 2 replicas + 3 sentinels (quorum 2), ${RUNS} runs per path, alternating\n`,
);
const d = [];
const c = [];
try {
  for (let i = 0; i < RUNS; i++) {
    // Fresh ports each run: a killed server's port may linger a moment.
    const base = await freeBase(3, 13000 + i * 40);
    const sentinelBase = await freeBase(3, base + 20);
    d.push(await redisDrill(base, sentinelBase));
    c.push(await classic(base, sentinelBase));
    process.stderr.write(`  run ${i + 1}: drill ${fmtMs(d[i].wall)}, classic ${fmtMs(c[i])}\n`);
  }
} finally {
  await cleanup();
}
const dw = median(d.map((x) => x.wall));
const cm = median(c);
console.log('');
printTable([
  [
    'deployment',
    'redis-drill (wall, CLI start to exit)',
    'redis-drill (own)',
    'classic path',
    'speed-up',
    'runs (drill wall / classic), ms',
  ],
  [
    '3 data + 3 sentinels',
    fmtMs(dw),
    fmtMs(median(d.map((x) => x.own))),
    fmtMs(cm),
    `${(cm / dw).toFixed(1)}x`,
    `${d.map((x) => Math.round(x.wall)).join(',')} / ${c.map(Math.round).join(',')}`,
  ],
]);
