import { describe, expect, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { raw } from '../helpers/raw.js';

/** A fresh 3x1 cluster at node timeout 1000 ms. */
async function cluster(): Promise<{ dir: string; port: number }> {
  const dir = await stateDir();
  const port = await freePortRange(6);
  const create = await runCli(['cluster', 'create', '--port', String(port), '--node-timeout', '1000'], {
    stateDir: dir,
  });
  expect(create.exitCode, create.stderr).toBe(0);
  return { dir, port };
}

/** `cluster rolling-restart`: every node restarted in turn under a client's load, nothing lost. */
describe('cluster rolling-restart (real servers)', () => {
  test(
    'under load: every pid changed, 0 acknowledged writes lost, every shard kept its keys, the config change on every node',
    { timeout: 120_000 },
    async () => {
      const { dir, port } = await cluster();
      try {
        expect((await runCli(['populate', '--keys', '3000'], { stateDir: dir })).exitCode).toBe(0);
        // A client with a write log runs through the whole restart.
        const load = spawnCli(
          [
            '--json',
            'workload',
            '--duration',
            '8s',
            '--clients',
            '10',
            '--check',
            '--mix',
            'set=40,get=20,incr=20,add=20',
          ],
          { stateDir: dir },
        );
        await new Promise((r) => setTimeout(r, 1500));
        const rr = await runJson<any>(['cluster', 'rolling-restart', '--config', 'maxmemory-policy=allkeys-lru'], {
          stateDir: dir,
        });
        const wl = await load;
        expect(rr.result.exitCode, rr.result.stderr).toBe(0);
        expect(rr.json.passed).toBe(true);
        // Replicas first, then the masters, each after a failover to its replica.
        expect(rr.json.nodes.map((n: any) => n.role)).toEqual([
          'replica',
          'replica',
          'replica',
          'master',
          'master',
          'master',
        ]);
        expect(rr.json.nodes.slice(3).every((n: any) => n.failedOverTo !== null)).toBe(true);
        expect(rr.json.nodes.every((n: any) => n.newPid !== null && n.newPid !== n.oldPid)).toBe(true);
        expect(rr.json.keys.after).toEqual(rr.json.keys.before);
        // Asked independently of redis-drill: the setting on every node, and the client lost nothing.
        for (let p = port; p < port + 6; p++)
          expect(await raw(p, (r) => r.call('CONFIG', 'GET', 'maxmemory-policy'))).toEqual([
            'maxmemory-policy',
            'allkeys-lru',
          ]);
        expect(wl.exitCode, String(wl.stderr)).toBe(0);
        const workload = JSON.parse(String(wl.stdout));
        expect(workload.writeLog.acknowledged).toBeGreaterThan(0);
        expect(workload.writeLog.lost).toBe(0);
        expect(workload.consistency.lost).toBe(0);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test(
    'bad input: a managed key, --seed, a master without a replica; nothing restarted',
    { timeout: 60_000 },
    async () => {
      const dir = await stateDir();
      const port = await freePortRange(3);
      try {
        const create = await runCli(
          ['cluster', 'create', '--port', String(port), '--replicas', '0', '--node-timeout', '1000'],
          { stateDir: dir },
        );
        expect(create.exitCode, create.stderr).toBe(0);
        const pids = async () =>
          (await runJson<any>(['cluster', 'status'], { stateDir: dir })).json.nodes.map((n: any) => n.pid);
        const before = await pids();
        const managed = await runCli(['cluster', 'rolling-restart', '--config', 'port=1'], { stateDir: dir });
        expect(managed.exitCode).toBe(2);
        expect(managed.stderr).toMatch(/port/);
        const seed = await runCli(['--seed', `127.0.0.1:${port}`, 'cluster', 'rolling-restart'], { stateDir: dir });
        expect(seed.exitCode).toBe(2);
        const bare = await runCli(['cluster', 'rolling-restart'], { stateDir: dir });
        expect(bare.exitCode).toBe(2);
        expect(bare.stderr).toMatch(/Master\[0\] .* has no replica that answers to take its slots/);
        expect(bare.stderr).toMatch(/hint: /);
        expect(await pids()).toEqual(before);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test(
    "failover-report --fault rolling-restart: 3 expected promotions, 0 writes lost, each master's slots measured by the write probe",
    { timeout: 120_000 },
    async () => {
      const { dir } = await cluster();
      try {
        const drill = await runJson<any>(
          ['failover-report', '--fault', 'rolling-restart', '--warmup', '1s', '--format', 'json', '--out', `${dir}/r`],
          { stateDir: dir, timeoutMs: 100_000 },
        );
        expect(drill.result.exitCode, drill.result.stderr).toBe(0);
        const names = drill.json.checks.map((c: any) => c.name);
        expect(names).toContain('every node restarted');
        expect(drill.json.checks.find((c: any) => c.name === 'no unexpected failover').detail).toMatch(
          /^3 node\(s\) promoted for 3 expected/,
        );
        expect(drill.json.fault.kind).toBe('rolling-restart');
        expect(drill.json.writeLog.lost).toBe(0);
        // Every master's slots were probed throughout: a figure for each, from the probe's own writes.
        expect(drill.json.availability.masters).toHaveLength(3);
        for (const m of drill.json.availability.masters) expect(m.writes).toBeGreaterThan(0);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );
});
