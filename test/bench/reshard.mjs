// npm run bench:reshard — moving slots with their keys: redis-drill against redis-cli.
//
// Two data shapes (BENCH_SHAPES, default "spread,tagged"), each on its own
// cluster (3 masters, 3 replicas) holding BENCH_KEYS keys (default 1,000,000):
//   spread: redis-drill populate (key1..keyN, evenly over the slots);
//   tagged: redis-benchmark --cluster -t set -n N -r N -P 16, which puts each
//           master's keys under one hash tag: Master[0]'s ~300k keys in slot 0,
//           the first slot every way below moves (real hash-tagged data does this).
// For each size (BENCH_SLOTS, default "1000,4096") the three ways take
// turns, BENCH_RUNS times each (default 3), moving the slots back and forth
// between Master[0] and Master[1]:
//   redis-drill cluster reshard --slots N --from A --to B      (pipeline 100, 256 slots at a time)
//   redis-cli --cluster reshard ... --cluster-slots N --cluster-yes              (its default pipeline, 10 keys)
//   redis-cli --cluster reshard ... --cluster-slots N --cluster-yes --cluster-pipeline 1000
// Each is timed from its start to its exit. redis-cli refuses to start while
// the nodes disagree, so after every move the bench waits until every node
// agrees again (not counted). Figures: medians and ratios.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { drill, fmtMs, freeBase, median, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);
const SIZES = (process.env.BENCH_SLOTS ?? '1000,4096').split(',').map(Number);
const SHAPES = (process.env.BENCH_SHAPES ?? 'spread,tagged').split(',');
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-reshard-'));
const env = { REDIS_DRILL_HOME: root };

/** Every node's CLUSTER NODES gives the same owners and no slot is open. */
async function waitAgreed(ports) {
  const clients = ports.map((port) => new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (let i = 0; i < 1500; i++) {
      const views = await Promise.all(clients.map((c) => c.call('CLUSTER', 'NODES')));
      const owners = views.map((v) =>
        v
          .split('\n')
          .filter((l) => (l.split(' ')[2] ?? '').split(',').includes('master'))
          .map((l) => `${l.split(' ')[0]}:${l.split(' ').slice(8).join(',')}`)
          .sort()
          .join(' '),
      );
      if (owners.every((o) => o === owners[0]) && !views.some((v) => /\[\d+-[<>]-/.test(v))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the nodes did not agree within 30 s');
  } finally {
    clients.forEach((c) => c.disconnect());
  }
}

async function ids(port) {
  const c = new Redis({ port });
  try {
    const lines = (await c.call('CLUSTER', 'NODES'))
      .split('\n')
      .filter((l) => l.includes('master') && !l.includes('fail'));
    const byPort = new Map(lines.map((l) => [Number(l.split(' ')[1].split(':')[1].split('@')[0]), l.split(' ')[0]]));
    return byPort;
  } finally {
    c.disconnect();
  }
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const { stdout: version } = await execa('redis-server', ['--version']);
console.log(
  `bench:reshard — ${version.split(' ').slice(0, 3).join(' ')}, ${os.cpus().length} cores, 3 masters + 3 replicas holding ${KEYS} keys, ${RUNS} runs per way, taking turns\n`,
);
const base = await freeBase(6);
const a = base;
const b = base + 1;
const ports = Array.from({ length: 6 }, (_, i) => base + i);
const rows = [
  [
    'data',
    'slots',
    'keys moved (median)',
    'redis-drill',
    'redis-cli (pipeline 10)',
    'redis-cli --cluster-pipeline 1000',
    'vs default',
    'vs pipeline 1000',
  ],
];
/** redis-drill cluster reshard of n slots, m.from -> m.to. */
const reshard = (n, m, extra) =>
  drill(
    [
      'cluster',
      'reshard',
      '--slots',
      String(n),
      '--from',
      `127.0.0.1:${m.from}`,
      '--to',
      `127.0.0.1:${m.to}`,
      ...extra,
      '-q',
    ],
    env,
  );

/** The keys, in the shape asked for. */
async function fill(shape) {
  if (shape === 'spread') await drill(['populate', '--keys', String(KEYS), '-q'], env);
  else if (shape === 'tagged')
    await execa(
      'redis-benchmark',
      ['--cluster', '-p', String(base), '-t', 'set', '-n', String(KEYS), '-r', String(KEYS), '-P', '16', '-q'],
      { stdout: 'ignore' },
    );
  else throw new Error(`BENCH_SHAPES: unknown shape "${shape}" (spread, tagged)`);
}

try {
  for (const shape of SHAPES) {
    await drill(['cluster', 'create', '--port', String(base), '--node-timeout', '5000', '--force', '-q'], env);
    await fill(shape);
    const probe = new Redis({ port: a });
    const heaviest = Number(await probe.call('CLUSTER', 'COUNTKEYSINSLOT', '0'));
    probe.disconnect();
    process.stderr.write(`${shape}: ${heaviest} keys in slot 0\n`);
    const id = await ids(a);
    // Slots go A -> B and back, so every run starts from the same layout.
    let there = false;
    const move = () => {
      const [from, to] = there ? [b, a] : [a, b];
      there = !there;
      return { from, to };
    };
    for (const n of SIZES) {
      const d = [];
      const keys = [];
      const cli = [];
      const cli1000 = [];
      for (let i = 0; i < RUNS; i++) {
        let m = move();
        d.push(
          await timed(async () => {
            const r = await reshard(n, m, ['--no-wait', '--json']);
            keys.push(JSON.parse(r.stdout).keys);
          }),
        );
        await waitAgreed(ports);
        for (const [list, extra] of [
          [cli, []],
          [cli1000, ['--cluster-pipeline', '1000']],
        ]) {
          m = move();
          list.push(
            await timed(() =>
              execa(
                'redis-cli',
                [
                  '--cluster',
                  'reshard',
                  `127.0.0.1:${m.from}`,
                  '--cluster-from',
                  id.get(m.from),
                  '--cluster-to',
                  id.get(m.to),
                  '--cluster-slots',
                  String(n),
                  '--cluster-yes',
                  ...extra,
                ],
                { stdout: 'ignore' },
              ),
            ),
          );
          await waitAgreed(ports);
        }
        // An odd number of moves per round: one more to bring the slots home.
        m = move();
        await reshard(n, m, []);
        await waitAgreed(ports);
        process.stderr.write(
          `  ${n} slots run ${i + 1}: drill ${fmtMs(d[i])}, redis-cli ${fmtMs(cli[i])}, redis-cli pipeline 1000 ${fmtMs(cli1000[i])}\n`,
        );
      }
      const dm = median(d);
      rows.push([
        shape,
        n,
        median(keys),
        fmtMs(dm),
        fmtMs(median(cli)),
        fmtMs(median(cli1000)),
        `${(median(cli) / dm).toFixed(1)}x`,
        `${(median(cli1000) / dm).toFixed(1)}x`,
      ]);
    }
  }
} finally {
  await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
  await rm(root, { recursive: true, force: true });
}
console.log('');
printTable(rows);
