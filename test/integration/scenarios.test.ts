import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, stateDir } from '../helpers/cli.js';
import { limit } from '../helpers/limit.js';
import { freePortRange } from '../helpers/ports.js';
import { raw } from '../helpers/raw.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const shipped = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const slot = limit(2);

const rawRole = async (port: number, host = '127.0.0.1'): Promise<string> =>
  String(((await raw(port, (r) => r.call('ROLE'), host)) as unknown[])[0]);

/** What each shipped scenario must leave behind, checked with raw commands (not redis-drill's parsing). */
const AFTER: Record<string, (report: any) => Promise<void>> = {
  'kill-master.yaml': async (r) => expect(await rawRole(r.fault.victim.port)).toBe('slave'),
  'freeze-master.yaml': async (r) => expect(await rawRole(r.fault.victim.port)).toBe('slave'),
  'manual-failover.yaml': async (r) => {
    expect(await rawRole(r.fault.victim.port)).toBe('slave');
    expect(r.consistency.lost).toBe(0);
  },
  // The original master is master again after the second failure.
  'cascade.yaml': async (r) => expect(await rawRole(r.fault.victim.port)).toBe('master'),
  // A partition: the cut-off master (on its own address) is a replica after the heal, and the writes it acknowledged alone were lost.
  'partition.yaml': async (r) => {
    expect(await rawRole(r.fault.victim.port, r.fault.victim.host)).toBe('slave');
    expect(r.writeLog.lost).toBeGreaterThan(0);
  },
  'partition-min-replicas.yaml': async (r) =>
    expect(await rawRole(r.fault.victim.port, r.fault.victim.host)).toBe('slave'),
  // Sentinel: the old master ends a replica of the one every sentinel names; a client left on the restarted old master lost what it wrote there.
  'sentinel-kill.yaml': async (r) => {
    expect(await rawRole(r.fault.victim.port, r.fault.victim.host)).toBe('slave');
    expect(r.sentinel.switchMaster.value).toBeGreaterThan(0);
    expect(r.sentinel.switchMaster.source).toMatch(/sentinel's "\+switch-master" log line/);
    const stale = r.sentinel.staleMasters[0];
    expect(stale.acknowledged).toBeGreaterThan(0);
    expect(stale.lost).toBe(stale.acknowledged);
  },
  'sentinel-freeze.yaml': async (r) => expect(await rawRole(r.fault.victim.port, r.fault.victim.host)).toBe('slave'),
  'sentinel-partition.yaml': async (r) => {
    expect(await rawRole(r.fault.victim.port, r.fault.victim.host)).toBe('slave');
    expect(r.writeLog.lost).toBeGreaterThan(0);
  },
  // Your own client: the example ran from the file's directory, survived, and printed its series.
  'own-client.yaml': async (r) => {
    expect(r.programs[0]).toMatchObject({ survived: true, stoppedByDrill: true, cwd: SCENARIOS.replace(/\/$/, '') });
    expect(r.programs[0].series.ok).toBeGreaterThan(0);
  },
  // Scaling out: the new master serves a quarter of the slots, its replica follows it, nothing failed or was lost.
  'scale-out.yaml': async (r) => {
    const fresh = r.scenario.steps[1].node;
    expect(await rawRole(fresh.port)).toBe('master');
    expect(await rawRole(r.scenario.steps[2].node.port)).toBe('slave');
    const shards = (await raw(fresh.port, (c) => c.call('CLUSTER', 'SHARDS'))) as unknown[];
    expect(shards).toHaveLength(4);
    expect(r.migrations).toHaveLength(3);
    expect(r.migrations.reduce((n: number, m: any) => n + m.slots, 0)).toBe(4096);
    expect(r.migrations[2].redirections.nodes).toBe(8);
    expect(r.writeLog.lost).toBe(0);
    expect(r.client.errors.value).toBe(0);
  },
  // A source killed mid-migration: the report names the half-migrated slots, the fix closed each, no key lost.
  'reshard-kill.yaml': async (r) => {
    expect(await rawRole(r.fault.victim.port)).toBe('slave');
    const m = r.migrations[0];
    expect(m.stopped).toBeTruthy();
    // The kill lands at a random point of a batch: mostly with slots importing on the target (which then ignores the
    // promoted replica's claim on them), sometimes just after the target took the batch over. Whatever was open, the fix closed.
    const found = r.fixes[0].openSlots;
    expect(m.openSlots).toEqual(expect.arrayContaining(found));
    if (m.openSlots.length === 0) expect(found).toEqual([]);
    expect(r.fixes[0].actions.map((a: any) => a.slot)).toEqual(expect.arrayContaining(found));
    for (const n of r.slotMapAfter.masters)
      expect(String(await raw(n.port, (c) => c.call('CLUSTER', 'NODES')))).not.toMatch(/\[\d+-[<>]-/);
  },
  'rolling-restart.yaml': async (r) => {
    for (const m of r.slotMapBefore.masters) expect(await rawRole(m.port)).toBe('slave');
    expect(r.consistency.lost).toBe(0);
    expect(r.client.unavailableVictimSlots.value).toBeLessThanOrEqual(2000);
  },
};

describe.concurrent('shipped scenarios run against real servers', () => {
  test('every shipped scenario is covered here and documented at its top', () => {
    expect(shipped).toEqual(Object.keys(AFTER).sort());
    for (const f of shipped)
      expect(readFileSync(path.join(SCENARIOS, f), 'utf8')).toMatch(/^# [a-z-]+: .+\n#\n(# .*\n|#\n)+/);
  });

  test.each(shipped)('%s: exit 0, every step done, every check passed, one timeline', { timeout: 120_000 }, (file) =>
    slot(async () => {
      const dir = await stateDir();
      const out = path.join(dir, 'report');
      // Eight: scale-out adds two nodes after the six.
      const port = await freePortRange(8);
      // A Sentinel file: three data nodes from --port, three sentinels after them; --node-timeout is their down-after.
      const sentinel = file.startsWith('sentinel-');
      // Sentinel below down-after 2000 can fail over the new master a second time (docs/sentinel.md): its files keep 2000.
      const args = [
        'scenario',
        'run',
        path.join(SCENARIOS, file),
        '--port',
        String(port),
        '--node-timeout',
        sentinel ? '2000' : '1000',
        '--set',
        'workload.warmup=300ms',
        '--out',
        out,
        '--format',
        'json,md,html',
        '--keep',
      ];
      if (sentinel) args.push('--set', `cluster.sentinel.sentinel-port=${port + 3}`);
      const { result, json: r } = await runJson<any>(args, { stateDir: dir });
      const cluster = `scenario-${file.replace('.yaml', '')}`;
      try {
        expect(result.exitCode, result.stderr).toBe(0);
        // --keep: the hint names the command that removes this kind of deployment.
        expect(result.stderr).toContain(
          `remove it with: redis-drill ${sentinel ? 'sentinel' : 'cluster'} destroy --cluster ${cluster}`,
        );
        expect(r.verdict).toBe('pass');
        expect(r.scenario.file).toBe(path.join(SCENARIOS, file));
        expect(r.scenario.steps.every((s: any) => s.outcome === 'done')).toBe(true);
        expect(r.checks.every((k: any) => k.passed)).toBe(true);
        // All steps on one timeline, counted from the start of the load, with a marker per acting step.
        expect(r.timelineFrom).toBe('start');
        expect(r.timeline.filter((e: any) => e.kind === 'step')).toHaveLength(r.scenario.steps.length);
        const starts = r.timeline.filter((e: any) => e.kind === 'step').map((e: any) => e.tMs);
        expect(starts).toEqual([...starts].sort((a: number, b: number) => a - b));
        // Every scenario but scale-out waits for a promotion, and marks it.
        const promotes = r.scenario.steps.some((s: any) => s.step === 'wait-for' && s.title.includes('promotion'));
        expect(promotes).toBe(file !== 'scale-out.yaml');
        expect(r.markers.some((m: any) => m.label === 'promotion')).toBe(promotes);
        expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).verdict).toBe('pass');
        expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/^# Scenario [a-z-]+: PASS/);
        if (promotes) expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('data-marker="promotion"');
        await AFTER[file]!(r);
        // At the node's own address (a partition scenario gives every node its own).
        const second =
          r.slotMapAfter.masters.find((m: any) => m.port !== r.fault?.victim.port) ?? r.slotMapAfter.masters[0];
        if (sentinel) expect(await rawRole(second.port, second.host)).toBe('master');
        else
          expect(
            /cluster_state:ok/.test(String(await raw(second.port, (c) => c.call('CLUSTER', 'INFO'), second.host))),
          ).toBe(true);
      } finally {
        const d = await runCli(['--cluster', cluster, sentinel ? 'sentinel' : 'cluster', 'destroy'], { stateDir: dir });
        expect(d.exitCode, d.stderr).toBe(0);
      }
    }),
  );
});

describe('a scenario whose check fails', () => {
  test(
    'a promotion that cannot happen: exit 1, the report says which check, later steps are skipped, the cluster is destroyed',
    { timeout: 120_000 },
    () =>
      slot(async () => {
        const dir = await stateDir();
        const file = path.join(dir, 'no-failover.yaml');
        const { writeFile } = await import('node:fs/promises');
        await writeFile(
          file,
          [
            '# stop-master (SIGTERM) on a cluster whose replicas may not fail over.',
            'cluster:',
            '  create: { node-timeout: 1000, config: { cluster-replica-no-failover: "yes" } }',
            'workload: { warmup: 300ms, clients: 5 }',
            'steps:',
            '  - stop-master: 1',
            '  - wait-for: { promotion: victim, deadline: 2500ms }',
            '  - assert: { max-lost-writes: 0 }',
            '',
          ].join('\n'),
        );
        const port = await freePortRange(6);
        const t0 = performance.now();
        const r = await runCli(
          ['scenario', 'run', file, '--port', String(port), '--out', path.join(dir, 'out'), '--format', 'json'],
          { stateDir: dir },
        );
        expect(r.exitCode, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          /error: scenario no-failover failed: steps\[1\] wait-for promotion \(no replica of Master\[1\] 127\.0\.0\.1:\d+ took over within 2500 ms; last seen: /,
        );
        const report = JSON.parse(readFileSync(path.join(dir, 'out', 'report.json'), 'utf8'));
        expect(report.verdict).toBe('fail');
        expect(report.scenario.steps.map((s: any) => s.outcome)).toEqual(['done', 'failed', 'skipped']);
        expect(report.fault).toMatchObject({ kind: 'term', how: 'SIGTERM' });
        expect(existsSync(path.join(dir, 'scenario-no-failover'))).toBe(false);
        // No waiting for a load that cannot recover, nor 30 s for counters on unserved slots.
        expect(performance.now() - t0).toBeLessThan(20_000);
      }),
  );
});
