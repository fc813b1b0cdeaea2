// npm run bench:accuracy — does the report's unavailability agree with an independent witness?
//
// BENCH_RUNS times (default 5): `failover-report --create --node-timeout 1000 --witness` with the default
// load (50 clients): SIGKILL of Master[0], the report's longest span without a successful write per master
// (the write probe, in the instruments' own thread) beside an independent witness's (a separate process per
// master with a raw RESP socket, no cluster client). Prints every pair, whether it is within 100 ms or 10%
// (the goal), the probe's worst send delay, and the run's CPU load. BENCH_BLOCK_MS (default 0) blocks the
// main thread that long right after the fault, to show the instruments do not move.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drill, freeBase, printTable } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BLOCK = process.env.BENCH_BLOCK_MS ?? '0';
const root = await mkdtemp(path.join(os.tmpdir(), 'bench-accuracy-'));
const env = { REDIS_DRILL_HOME: root, REDIS_DRILL_TEST_BLOCK_MAIN_MS: BLOCK };
const rows = [
  ['run', 'master', 'report (probe)', 'bound', 'witness', 'difference', 'within goal', 'probe send delay max'],
];
let within = 0;
let pairs = 0;
try {
  for (let run = 1; run <= RUNS; run++) {
    const port = await freeBase(6, 16000);
    const out = path.join(root, `r${run}`);
    await drill(
      [
        'failover-report',
        '--create',
        '--port',
        String(port),
        '--node-timeout',
        '1000',
        '--witness',
        '--format',
        'json',
        '--out',
        out,
        '-q',
      ],
      env,
    );
    const r = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    for (const w of r.witness.masters) {
      const p = r.availability.masters.find((m) => m.index === w.index);
      const diff = p.longestGap.ms - w.longestGap.ms;
      const ok = Math.abs(diff) <= Math.max(100, 0.1 * w.longestGap.ms);
      pairs++;
      if (ok) within++;
      rows.push([
        String(run),
        `${w.label}${p.victim ? ' (victim)' : ''}`,
        `${p.longestGap.ms} ms`,
        `${p.longestGap.boundMs} ms`,
        `${w.longestGap.ms} ms`,
        `${diff >= 0 ? '+' : ''}${diff} ms`,
        ok ? 'yes' : 'NO',
        `${p.sendDelay.maxMs} ms`,
      ]);
    }
    await drill(['cluster', 'destroy', '-q'], env);
    process.stderr.write(`  run ${run} done\n`);
  }
  console.log(
    `\nbench:accuracy — ${RUNS} kill drills on 3x1, node timeout 1000 ms, default load (50 clients)${BLOCK !== '0' ? `, main thread blocked ${BLOCK} ms after the fault` : ''}\n`,
  );
  printTable(rows);
  console.log(`\n${within} of ${pairs} pairs within 100 ms or 10% of the witness (goal: all)`);
} finally {
  await drill(['cluster', 'destroy', '-q'], env).catch(() => {});
  await rm(root, { recursive: true, force: true });
}
