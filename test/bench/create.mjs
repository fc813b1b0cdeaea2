// npm run bench:create — cluster creation, redis-drill against the classic path.
//
// Both paths start the same redis-server processes (same redis.conf) and end
// when every node reports cluster_state:ok and every replica's link is up.
// Classic path: start the servers, wait for PING, `redis-cli --cluster create
// ... --cluster-replicas 1 --cluster-yes`, then poll until formed.
// Runs alternate (drill, classic, drill, ...) so machine noise hits both alike.
//
// Env: BENCH_RUNS (default 5), BENCH_SIZES (default "3,50": masters, 1 replica each).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { renderNodeConfig } from '../../dist/nodes/config.js';
import { RedisNode } from '../../dist/nodes/redis-node.js';
import { LocalHost } from '../../dist/hosts/local.js';
import { drill, fmtMs, freeBase, median, printTable, waitFormed } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '3,50').split(',').map(Number);
const NODE_TIMEOUT = 5000;
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-create-'));
const started = new Set();

async function classic(masters, base) {
  const count = masters * 2;
  const host = new LocalHost();
  const dir = await mkdtemp(path.join(root, 'classic-'));
  const nodes = Array.from(
    { length: count },
    (_, i) =>
      new RedisNode({
        host,
        bind: '127.0.0.1',
        port: base + i,
        dir: path.join(dir, String(base + i)),
        serverPath: 'redis-server',
        password: null,
      }),
  );
  const t0 = performance.now();
  await Promise.all(
    nodes.map((n) =>
      n.writeConfig(
        renderNodeConfig({
          bind: '127.0.0.1',
          port: n.spec.port,
          dir: n.spec.dir,
          nodeTimeoutMs: NODE_TIMEOUT,
          password: null,
          extra: [],
        }),
      ),
    ),
  );
  const pids = await Promise.all(nodes.map((n) => n.start({ timeoutMs: 30_000 })));
  pids.forEach((pid, i) => started.add([nodes[i], pid]));
  const cli = await execa(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.spec.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ],
    { reject: false },
  );
  if (cli.exitCode !== 0) throw new Error(`redis-cli --cluster create failed: ${cli.stdout}\n${cli.stderr}`);
  await waitFormed(nodes.map((n) => n.spec.port));
  const ms = performance.now() - t0;
  await Promise.all(nodes.map((n, i) => n.stop(pids[i], { stepTimeoutMs: 2000 })));
  for (const entry of started) if (entry[0].spec.dir.startsWith(dir)) started.delete(entry);
  await rm(dir, { recursive: true, force: true });
  return ms;
}

async function redisDrill(masters, base) {
  const stateDir = await mkdtemp(path.join(root, 'drill-'));
  const env = { REDIS_DRILL_HOME: stateDir };
  const r = await drill(
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
      String(NODE_TIMEOUT),
      '--json',
      '-q',
    ],
    env,
  );
  const own = JSON.parse(r.stdout).elapsedMs;
  await drill(['cluster', 'destroy', '-q'], env);
  return { wall: r.ms, own };
}

async function cleanup() {
  await Promise.all([...started].map(([n, pid]) => n.stop(pid, { stepTimeoutMs: 1000 }).catch(() => {})));
  await rm(root, { recursive: true, force: true });
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

const { stdout: version } = await execa('redis-server', ['--version']);
console.log(
  `bench:create — ${version.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, node timeout ${NODE_TIMEOUT} ms, ${RUNS} runs per path, alternating\n`,
);
const rows = [
  ['nodes', 'redis-drill (wall)', 'redis-drill (own)', 'classic path', 'speed-up', 'runs (drill wall / classic), ms'],
];
try {
  for (const masters of SIZES) {
    const base = await freeBase(masters * 2);
    const d = [];
    const c = [];
    for (let i = 0; i < RUNS; i++) {
      d.push(await redisDrill(masters, base));
      c.push(await classic(masters, base));
      process.stderr.write(`  ${masters * 2} nodes run ${i + 1}: drill ${fmtMs(d[i].wall)}, classic ${fmtMs(c[i])}\n`);
    }
    const dw = median(d.map((x) => x.wall));
    const cm = median(c);
    rows.push([
      masters * 2,
      fmtMs(dw),
      fmtMs(median(d.map((x) => x.own))),
      fmtMs(cm),
      `${(cm / dw).toFixed(2)}x`,
      `${d.map((x) => Math.round(x.wall)).join(',')} / ${c.map(Math.round).join(',')}`,
    ]);
  }
} finally {
  await cleanup();
}
console.log('');
printTable(rows);
console.log('\nwall = the whole CLI process (Node start-up included); own = the elapsedMs redis-drill reports.');
console.log(
  'Floor: a Redis master reports cluster_state:ok no sooner than 2 s after it starts (CLUSTER_WRITABLE_DELAY in cluster.c).',
);
