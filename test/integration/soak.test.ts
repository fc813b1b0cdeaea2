import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { rawCall } from '../helpers/raw.js';
import { distribution } from '../../src/soak/section.js';

const SOAK = ['--loops', '5', '--faults', 'kill,failover', '--random-seed', '7', '--interval', '300ms'];

/** A state dir and 6 free ports for a test's cluster ("default"), destroyed afterwards whatever happened. */
async function onCluster(body: (dir: string, port: number) => Promise<void>): Promise<void> {
  const dir = await stateDir();
  const port = await freePortRange(6);
  try {
    await body(dir, port);
  } finally {
    expect((await runCli(['cluster', 'destroy'], { stateDir: dir })).exitCode).toBe(0);
  }
}

describe('soak (real servers)', () => {
  test(
    '5 loops of kill and failover from seed 7: the schedule --plan printed, every loop passed, distributions from the rows; the same plan twice',
    { timeout: 180_000 },
    async () => {
      await onCluster(async (dir, port) => {
        const plan = await runJson<any>(['soak', ...SOAK, '--plan'], { stateDir: dir });
        expect(plan.result.exitCode, plan.result.stderr).toBe(0);
        expect((await runJson<any>(['soak', ...SOAK, '--plan'], { stateDir: dir })).json).toEqual(plan.json);
        expect(plan.json.schedule).toHaveLength(5);
        const out = path.join(dir, 'report');
        const { result, json: r } = await runJson<any>(
          [
            'soak',
            '--create',
            '--port',
            String(port),
            '--node-timeout',
            '1000',
            ...SOAK,
            '--warmup',
            '500ms',
            '--out',
            out,
            '--format',
            'json,md,html',
          ],
          { stateDir: dir },
        );
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stderr).toMatch(/soak seed 7/);
        expect(r.verdict).toBe('pass');
        const s = r.soak;
        expect(s.rows.map((x: any) => [x.fault, x.target])).toEqual(
          plan.json.schedule.map((l: any) => [l.fault, `Master[${l.master}]`]),
        );
        for (const row of s.rows) {
          expect(row.outcome).toBe('passed');
          expect(row.promotionMs).toBeGreaterThan(0);
          expect(row.lostWrites).toBe(0);
          if (row.fault === 'kill') expect(row.rejoinMs).toBeGreaterThan(0);
          expect(row.endMs).toBeGreaterThan(row.startMs);
        }
        // The distributions are the rows' own figures, recomputed.
        for (const d of s.distributions) {
          const rows = s.rows.filter((x: any) => d.fault === 'all' || x.fault === d.fault);
          expect(d.promotionMs).toEqual(distribution(rows.map((x: any) => x.promotionMs)));
          expect(d.rejoinMs).toEqual(distribution(rows.map((x: any) => x.rejoinMs)));
        }
        // Each loop ended settled: every node answering, one slot map, every replica linked.
        const settled = r.checks.filter((k: any) => /^loop \d: settled$/.test(k.name));
        expect(settled.map((k: any) => k.passed)).toEqual([true, true, true, true, true]);
        expect(settled[0].detail).toMatch(
          /all 6 nodes answer with cluster_state:ok, one slot map and the same roles; every replica's link is up/,
        );
        expect(s.resources.lastLoopHeapMb).toBeGreaterThan(0);
        expect(s.resources.observer.medianAnswerMs).not.toBeNull();
        expect(s.resources.peakRssMb).toBeGreaterThan(20);
        expect(s.resources.samples.length).toBeGreaterThan(5);
        expect(existsSync(path.join(out, 'report.md'))).toBe(true);
        // Every master answers and the cluster is ok after the last loop.
        for (const m of r.slotMapAfter.masters)
          expect(String(await rawCall(m.port, 'CLUSTER', 'INFO'))).toMatch(/cluster_state:ok/);

        // report compare: this soak against a manual-failover drill on the same cluster.
        const drill = await runJson<any>(
          [
            'failover-report',
            '--fault',
            'failover',
            '--warmup',
            '300ms',
            '--settle',
            '200ms',
            '--format',
            'json',
            '--out',
            path.join(dir, 'drill'),
          ],
          { stateDir: dir },
        );
        expect(drill.result.exitCode, drill.result.stderr).toBe(0);
        const files = [path.join(out, 'report.json'), path.join(dir, 'drill', 'report.json')];
        const cmp = await runJson<any>(['report', 'compare', ...files], { stateDir: dir });
        expect(cmp.result.exitCode, cmp.result.stderr).toBe(0);
        expect(cmp.json.reports.map((x: any) => [x.file, x.kind])).toEqual([
          [files[0], 'soak'],
          [files[1], 'drill'],
        ]);
        const promotion = cmp.json.figures.find((x: any) => x.name === 'promotion');
        expect(promotion.values).toEqual([r.promotion.ms.value, drill.json.promotion.ms.value]);
        expect(promotion.diffs[1]).toBeCloseTo(drill.json.promotion.ms.value - r.promotion.ms.value, 1);
        expect(cmp.json.figures.find((x: any) => x.name === 'soak: promotion p90').values).toEqual([
          s.distributions.find((d: any) => d.fault === 'all').promotionMs.p90,
          null,
        ]);
        const md = await runCli(['report', 'compare', ...files, '--format', 'md'], { stateDir: dir });
        expect(md.stdout).toMatch(/^- A: .*\n- B: .*\n\n\| figure \| A \| B \| B - A \|/);
        const bad = await runCli(['report', 'compare', files[0]!, path.join(out, 'report.md')], { stateDir: dir });
        expect(bad.exitCode).toBe(2);
        expect(bad.stderr).toMatch(/report\.md: not JSON/);
      });
    },
  );

  test(
    '--targets random-node: a replica killed has no promotion but must rejoin, a replica asked to fail over takes over from its master',
    { timeout: 120_000 },
    async () => {
      await onCluster(async (dir, port) => {
        // Seed 9: kill Node[5], failover Node[4], kill Node[5]. Node[0..2] are the masters of a fresh 3x1 cluster, Node[3..5] their replicas.
        const args = [
          'soak',
          '--loops',
          '3',
          '--faults',
          'kill,failover',
          '--targets',
          'random-node',
          '--random-seed',
          '9',
          '--interval',
          '200ms',
        ];
        const plan = await runJson<any>([...args, '--plan'], { stateDir: dir });
        expect(plan.json.schedule.map((l: any) => [l.fault, l.target, l.node, l.master])).toEqual([
          ['kill', 'Node[5]', 5, null],
          ['failover', 'Node[4]', 4, null],
          ['kill', 'Node[5]', 5, null],
        ]);
        const { result, json: r } = await runJson<any>(
          [
            ...args,
            '--create',
            '--port',
            String(port),
            '--node-timeout',
            '1000',
            '--warmup',
            '300ms',
            '--format',
            'json',
            '--out',
            path.join(dir, 'r'),
          ],
          { stateDir: dir },
        );
        expect(result.exitCode, result.stderr).toBe(0);
        const [kill1, failover, kill3] = r.soak.rows;
        for (const row of [kill1, kill3]) {
          expect(row).toMatchObject({
            target: 'Node[5]',
            victim: `127.0.0.1:${port + 5}`,
            victimRole: 'replica',
            promoted: null,
            promotionMs: null,
            outcome: 'passed',
          });
          expect(row.rejoinMs).toBeGreaterThan(0);
        }
        expect(failover).toMatchObject({
          target: 'Node[4]',
          victimRole: 'master',
          promoted: `127.0.0.1:${port + 4}`,
          outcome: 'passed',
        });
        // The replica's fault stayed until every other node flagged it fail; no failover followed it.
        const held = r.scenario.steps.find((x: any) => x.step === 'wait-for' && /no promotion/.test(x.detail));
        expect(held.detail).toMatch(/all 5 other node\(s\) flagged it fail \d+ ms after the fault \(poll\)/);
        expect(r.checks.find((k: any) => k.name === 'loop 1: promotion')).toMatchObject({ passed: true });
        expect(r.checks.find((k: any) => k.name === 'no unexpected failover')).toMatchObject({ passed: true });
        expect(r.slotMapAfter.masters.some((m: any) => m.port === port + 4)).toBe(true);
      });
    },
  );

  test(
    'a master without a replica: refused before anything starts (exit 2, no report), run with --force (its loop fails, exit 1)',
    { timeout: 120_000 },
    async () => {
      await onCluster(async (dir, port) => {
        expect(
          (await runCli(['cluster', 'create', '--port', String(port), '--node-timeout', '1000'], { stateDir: dir }))
            .exitCode,
        ).toBe(0);
        const { json: map } = await runJson<any>(['slotmap'], { stateDir: dir });
        const m2 = map.masters[2];
        const removed = await runCli(['cluster', 'remove-node', `${m2.replicas[0].host}:${m2.replicas[0].port}`], {
          stateDir: dir,
        });
        expect(removed.exitCode, removed.stderr).toBe(0);
        const out = path.join(dir, 'r');
        // Master[2] itself, or any node (Node[N] may be Master[2] by its turn); any-master only when the schedule picks it.
        for (const targets of ['Master[2]', 'random-node']) {
          const r = await runCli(
            [
              'soak',
              '--loops',
              '1',
              '--faults',
              'kill',
              '--targets',
              targets,
              '--random-seed',
              '1',
              '--format',
              'json',
              '--out',
              out,
            ],
            { stateDir: dir },
          );
          expect(r.exitCode, r.stderr).toBe(2);
          expect(r.stderr).toMatch(
            new RegExp(
              `the soak would break a master that has no replica, so nothing could take over: Master\\[2\\] 127\\.0\\.0\\.1:${m2.port}`,
            ),
          );
          expect(r.stderr).toMatch(/hint: .*--force/);
        }
        expect(existsSync(out)).toBe(false);
        for (let p = port; p < port + 6; p++)
          if (p !== m2.replicas[0].port) expect(String(await rawCall(p, 'PING'))).toBe('PONG');
        // Another master with its replica is fine; with --force the bare one is broken and its loop fails.
        const forced = await runJson<any>(
          [
            'soak',
            '--loops',
            '1',
            '--faults',
            'kill',
            '--targets',
            'Master[2]',
            '--random-seed',
            '1',
            '--force',
            '--deadline',
            '3000',
            '--warmup',
            '300ms',
            '--format',
            'json',
            '--out',
            out,
          ],
          { stateDir: dir },
        );
        expect(forced.result.exitCode, forced.result.stderr).toBe(1);
        expect(forced.json.soak.rows[0]).toMatchObject({ target: 'Master[2]', outcome: 'failed' });
        expect(forced.result.stderr).toMatch(/--targets Master\[2\] --random-seed 1 --interval 2s --force/);
      });
    },
  );

  test(
    'a loop that cannot succeed (cluster-replica-no-failover yes): exit 1 at loop 1, the loops after it not run, the cluster kept, the seed to repeat it',
    { timeout: 120_000 },
    async () => {
      await onCluster(async (dir, port) => {
        const { result, json: r } = await runJson<any>(
          [
            'soak',
            '--create',
            '--port',
            String(port),
            '--node-timeout',
            '1000',
            '--config',
            'cluster-replica-no-failover=yes',
            '--loops',
            '3',
            '--faults',
            'kill',
            '--random-seed',
            '11',
            '--deadline',
            '4000',
            '--warmup',
            '300ms',
            '--format',
            'json',
            '--out',
            path.join(dir, 'r'),
          ],
          { stateDir: dir },
        );
        expect(result.exitCode).toBe(1);
        expect(r.soak.firstFailedLoop).toBe(1);
        expect(r.soak.rows.map((x: any) => x.outcome)).toEqual(['failed', 'not run', 'not run']);
        expect(r.soak.rows[0].anomalies[0]).toMatch(/^promotion: /);
        expect(result.stderr).toMatch(/the soak failed at loop 1/);
        expect(result.stderr).toMatch(
          /repeat it with: redis-drill soak --loops 3 --faults kill --targets any-master --random-seed 11/,
        );
        expect(result.stderr).toMatch(/is kept for a look/);
        // Kept: the other masters still answer.
        const alive = r.slotMapBefore.masters.find((m: any) => m.port !== r.fault.victim.port);
        expect(String(await rawCall(alive.port, 'PING'))).toBe('PONG');
      });
    },
  );

  test(
    '--keep-going: a failed loop is restored (its master started again) and the next loop runs; every failed loop is reported, exit 1',
    { timeout: 120_000 },
    async () => {
      await onCluster(async (dir, port) => {
        // Seed 7: kill Master[0], failover Master[1], kill Master[0]. No replica may take over by itself; a manual failover still works.
        const { result, json: r } = await runJson<any>(
          [
            'soak',
            '--create',
            '--port',
            String(port),
            '--node-timeout',
            '1000',
            '--config',
            'cluster-replica-no-failover=yes',
            '--loops',
            '3',
            '--faults',
            'kill,failover',
            '--random-seed',
            '7',
            '--deadline',
            '4000',
            '--interval',
            '300ms',
            '--warmup',
            '300ms',
            '--keep-going',
            '--format',
            'json',
            '--out',
            path.join(dir, 'r'),
          ],
          { stateDir: dir },
        );
        expect(result.exitCode, result.stderr).toBe(1);
        expect(r.soak.rows.map((x: any) => [x.fault, x.outcome])).toEqual([
          ['kill', 'failed'],
          ['failover', 'passed'],
          ['kill', 'failed'],
        ]);
        expect(r.checks.find((k: any) => k.name === 'loop 1: recovered for the next loop')).toMatchObject({
          passed: true,
        });
        expect(r.soak.firstFailedLoop).toBe(1);
        expect(result.stderr).toMatch(/loop 1: promotion .*; loop 3: promotion/);
        expect(result.stderr).toMatch(/--random-seed 7 --interval 300ms --keep-going/);
      });
    },
  );

  test(
    'Ctrl-C mid-loop: the killed master is started again, the report has the loops so far, exit 130',
    { timeout: 120_000 },
    async () => {
      await onCluster(async (dir, port) => {
        const out = path.join(dir, 'report');
        const child = spawnCli(
          [
            'soak',
            '--create',
            '--port',
            String(port),
            '--node-timeout',
            '1000',
            '--loops',
            '5',
            '--faults',
            'kill',
            '--random-seed',
            '2',
            '--interval',
            '300ms',
            '--warmup',
            '300ms',
            '--format',
            'json',
            '--out',
            out,
          ],
          { stateDir: dir },
        );
        // Once loop 1's kill has gone out, while its promotion is awaited.
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        for (let i = 0; i < 300 && !/steps\[0\] kill .*\d+ ms/.test(err); i++)
          await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 300));
        child.kill('SIGINT');
        const r = await child;
        expect(r.exitCode, err).toBe(130);
        const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
        expect(report.checks.find((k: any) => k.name === 'interrupted').detail).toMatch(/Ctrl-C/);
        expect(report.soak.rows[0].outcome).toBe('failed');
        expect(report.soak.rows.slice(1).every((x: any) => x.outcome === 'not run')).toBe(true);
        // Every node answers again: the killed master was restarted on the way out, and that restart is not called a failure.
        for (let p = port; p < port + 6; p++) expect(String(await rawCall(p, 'PING'))).toBe('PONG');
        expect(err).not.toMatch(/cleanup failed/);
      });
    },
  );

  test('bad input (exit 2) and partition without root (exit 3, or left out with --skip-unavailable): a reason and a hint, nothing created', async () => {
    const dir = await stateDir();
    const cases: [string[], RegExp][] = [
      [['soak', '--loops', '0', '--plan'], /--loops must be at least 1/],
      [
        ['soak', '--faults', 'kill,explode', '--plan'],
        /unknown fault "explode".*\n.*the faults are: kill, term, freeze, failover, partition, flaky, blackhole, reshard-kill/,
      ],
      [['soak', '--targets', 'Master[7]', '--plan'], /Master\[7\] does not exist/],
      [['soak', '--targets', 'replicas', '--plan'], /--targets: expected any-master, random-node or Master\[N\]/],
      [['soak', '--loops', '3', '--duration', '1m', '--plan'], /exclude each other/],
      [['slotmap', '--seed', '7'], /--seed: expected HOST:PORT/],
      [['soak', '--create', '--replicas', '0', '--loops', '2'], /soak needs replicas: --replicas 0 gives none/],
      [['soak', '--loops', '2'], /no cluster named "default"|not found/i],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { stateDir: dir });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
    }
    expect(existsSync(path.join(dir, 'default'))).toBe(false);

    // Without CAP_NET_ADMIN: partition is refused before anything starts (exit 3), or left out with --skip-unavailable.
    const { execa } = await import('execa');
    const { BIN } = await import('../helpers/cli.js');
    const asUser = (args: string[]) =>
      execa('setpriv', ['--bounding-set', '-net_admin', '--', process.execPath, BIN, ...args], {
        env: { REDIS_DRILL_HOME: dir, NO_COLOR: '1' },
        reject: false,
        stdin: 'ignore',
      });
    const refused = await asUser(['soak', '--faults', 'kill,partition', '--seed', '3', '--loops', '4', '--plan']);
    expect(refused.exitCode).toBe(3);
    expect(String(refused.stderr)).toMatch(/needs root \(CAP_NET_ADMIN\)[^\n]*\nhint: .*--skip-unavailable/);
    const skipped = await asUser([
      '--json',
      'soak',
      '--faults',
      'kill,partition',
      '--random-seed',
      '3',
      '--loops',
      '4',
      '--plan',
      '--skip-unavailable',
    ]);
    expect(skipped.exitCode, String(skipped.stderr)).toBe(0);
    expect(String(skipped.stderr)).toMatch(/partition left out of the mix/);
    expect(JSON.parse(String(skipped.stdout)).schedule.every((l: any) => l.fault === 'kill')).toBe(true);
  });
});
