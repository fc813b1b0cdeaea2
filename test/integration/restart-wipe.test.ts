import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { raw } from '../helpers/raw.js';

/** A cluster with 3000 keys; its Master[0] SIGKILLed and restarted at once, before the cluster fails it over. */
async function quickRestart(dir: string, config: string[]) {
  const port = await freePortRange(6);
  const create = await runCli(
    // 15 s: the restart (two CLI runs) must come before a failover, also on a busy machine (CI's took over 5 s once).
    ['cluster', 'create', '--port', String(port), '--node-timeout', '15000', ...config.flatMap((c) => ['--config', c])],
    { stateDir: dir },
  );
  expect(create.exitCode, create.stderr).toBe(0);
  expect((await runCli(['populate', '--keys', '3000'], { stateDir: dir })).exitCode).toBe(0);
  const replicaKeysBefore = Number(await raw(port + 3, (r) => r.call('DBSIZE')));
  const kill = await runCli(['cluster', 'kill-master', '--master', '0', '--no-wait'], { stateDir: dir });
  expect(kill.exitCode, kill.stderr).toBe(0);
  const restart = await runJson<any>(['cluster', 'restart-node', `127.0.0.1:${port}`], { stateDir: dir });
  return { port, replicaKeysBefore, restart };
}

/**
 * A master without persistence that a supervisor restarts within the node
 * timeout comes back empty, still a master, and its replica resynchronizes
 * from it: the shard is gone. restart-node must say so, not exit 0.
 */
describe('restart-node: a master back empty while its replica held its shard', () => {
  test(
    'no persistence: exit 1, the wipe in the JSON and a warning, with each replica before and now',
    { timeout: 90_000 },
    async () => {
      const dir = await stateDir();
      try {
        const { port, replicaKeysBefore, restart } = await quickRestart(dir, ['appendonly=no', 'save=""']);
        expect(replicaKeysBefore).toBeGreaterThan(0);
        expect(restart.result.exitCode, restart.result.stderr).toBe(1);
        expect(restart.json.rejoined.role).toBe('master');
        expect(restart.json.wiped.node).toBe(`127.0.0.1:${port}`);
        expect(restart.json.wiped.keysAfter).toBe(Number(await raw(port, (r) => r.call('DBSIZE'))));
        expect(restart.json.wiped.replicas[0]).toMatchObject({
          node: `127.0.0.1:${port + 3}`,
          keysBefore: replicaKeysBefore,
        });
        expect(restart.result.stderr).toMatch(
          new RegExp(`came back empty as a master while its replica held ${replicaKeysBefore} keys`),
        );
        const text = await runCli(['cluster', 'status'], { stateDir: dir });
        expect(text.exitCode).toBe(0);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test('with AOF (the default): every key kept, exit 0, no wipe', { timeout: 90_000 }, async () => {
    const dir = await stateDir();
    try {
      const { port, replicaKeysBefore, restart } = await quickRestart(dir, []);
      expect(restart.result.exitCode, restart.result.stderr).toBe(0);
      expect(restart.json.wiped).toBeUndefined();
      expect(Number(await raw(port, (r) => r.call('DBSIZE')))).toBe(replicaKeysBefore);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});

/** A fresh cluster with `--persistence` (none given: aof) and 3000 keys, then `failover-report --fault FAULT`. */
async function durabilityDrill(
  dir: string,
  persistence: string[],
  fault = 'quick-restart',
  beforeDrill = async (_port: number) => {},
) {
  const port = await freePortRange(6);
  // A quick restart must beat the node timeout, and on a busy machine killing and starting a server can take seconds
  // (a replica was promoted instead); power-loss breaks every node at once, so nothing can take over.
  const nodeTimeout = fault === 'quick-restart' ? '15000' : '1000';
  const create = await runCli(
    ['cluster', 'create', '--port', String(port), '--node-timeout', nodeTimeout, ...persistence],
    { stateDir: dir },
  );
  expect(create.exitCode, create.stderr).toBe(0);
  expect((await runCli(['populate', '--keys', '3000'], { stateDir: dir })).exitCode).toBe(0);
  await beforeDrill(port);
  const out = `${dir}/report`;
  const drill = await runJson<any>(
    ['failover-report', '--fault', fault, '--warmup', '1s', '--format', 'json', '--out', out],
    { stateDir: dir, timeoutMs: 120_000 },
  );
  const status = await runJson<any>(['cluster', 'status'], { stateDir: dir });
  return { port, drill, status };
}

/** failover-report --fault quick-restart: no failover, and every drill counts each shard's keys before and after. */
describe('failover-report --fault quick-restart, and --persistence', () => {
  test(
    '--persistence none: the shard is wiped, `no keys lost` fails, exit 1, keys before and after in the report',
    { timeout: 150_000 },
    async () => {
      const dir = await stateDir();
      try {
        const { port, drill, status } = await durabilityDrill(dir, ['--persistence', 'none']);
        expect(status.json.persistence).toBe('none');
        expect(drill.result.exitCode, drill.result.stderr).toBe(1);
        const r = drill.json;
        expect(r.setup.persistence).toBe('none');
        expect(r.keys.by).toBe('shard');
        // populate's 3000 keys: ~1000 per shard before; Master[0]'s shard empty after (its master came back empty).
        expect(r.keys.before['0']).toBeGreaterThan(900);
        expect(r.keys.after['0']).toBe(0);
        expect(r.keys.after['1']).toBe(r.keys.before['1']);
        const check = r.checks.find((c: any) => c.name === 'no keys lost');
        expect(check.passed).toBe(false);
        expect(check.detail).toMatch(/Master\[0\]'s shard \(slots 0-5460\): \d+ keys before, 0 after/);
        // No replica was promoted: the restart came first.
        expect(r.checks.find((c: any) => c.name === 'no unexpected failover').passed).toBe(true);
        expect(r.scenario.steps[0].detail).toMatch(/came back EMPTY/);
        // Its replica copied the empty master whole: a full resync (its own log says so).
        expect(r.rejoin.resync).toBe('full');
        // Asked independently: none of populate's keys (key1..key3000) is left on that master.
        const [, left] = (await raw(port, (x) => x.call('SCAN', '0', 'MATCH', 'key*', 'COUNT', '1000000'))) as [
          string,
          string[],
        ];
        expect(left).toEqual([]);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test('the default (aof): every key kept, exit 0', { timeout: 150_000 }, async () => {
    const dir = await stateDir();
    try {
      const { drill, status } = await durabilityDrill(dir, []);
      expect(status.json.persistence).toBe('aof');
      expect(drill.result.exitCode, drill.result.stderr).toBe(0);
      expect(drill.json.keys.after).toEqual(drill.json.keys.before);
      expect(drill.json.checks.find((c: any) => c.name === 'no keys lost').passed).toBe(true);
      // A restarted master has a new replication id: its replica cannot continue, it resyncs in full.
      expect(drill.json.rejoin.resync).toBe('full');
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });

  test('bad input: an unknown mode; quick-restart of a replica, or on Sentinel', async () => {
    const dir = await stateDir();
    const bad = await runCli(['cluster', 'create', '--persistence', 'disk'], { stateDir: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(
      /--persistence <mode>' argument 'disk' is invalid\. expected none, rdb, aof or aof-always/,
    );
    const file = path.join(dir, 'qr.yaml');
    await writeFile(file, 'cluster:\n  create: true\nsteps:\n  - quick-restart: { node: "Node[3]" }\n');
    const node = await runCli(['scenario', 'validate', file], { stateDir: dir });
    expect(node.exitCode).toBe(2);
    expect(node.stderr).toMatch(
      /steps\[0\]\.quick-restart\.node: unknown option "node"; expected one of: master, slot, key/,
    );
    const sentinel = await runCli(['sentinel', 'failover-report', '--create', '--fault', 'quick-restart'], {
      stateDir: dir,
    });
    expect(sentinel.exitCode).toBe(2);
    expect(sentinel.stderr).toMatch(/'quick-restart' is invalid/);
    // Nothing was created by any of them.
    expect(await readdir(dir)).toEqual(['qr.yaml']);
  });
});

/** failover-report --fault power-loss: every node SIGKILLed at once and started again; what each persistence mode keeps. */
describe('failover-report --fault power-loss', () => {
  const keysOf = (r: any): number[] => Object.values(r.keys.after) as number[];

  test('--persistence none: every shard empty, exit 1', { timeout: 150_000 }, async () => {
    const dir = await stateDir();
    try {
      const { drill } = await durabilityDrill(dir, ['--persistence', 'none'], 'power-loss');
      expect(drill.result.exitCode, drill.result.stderr).toBe(1);
      expect(keysOf(drill.json)).toEqual([0, 0, 0]);
      expect(drill.json.checks.find((c: any) => c.name === 'serving again')).toMatchObject({ passed: true });
      expect(drill.json.checks.find((c: any) => c.name === 'no keys lost').passed).toBe(false);
      expect(drill.json.fault.how).toMatch(/^SIGKILL to all 6 nodes at once, all started again \d+ ms later$/);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });

  test(
    '--persistence rdb: what the last snapshot held (BGSAVE after populate) is kept; writes after it are lost',
    { timeout: 150_000 },
    async () => {
      const dir = await stateDir();
      try {
        const snapshot = async (port: number): Promise<void> => {
          for (const p of [port, port + 1, port + 2]) await raw(p, (r) => r.call('SAVE'));
        };
        const { drill } = await durabilityDrill(dir, ['--persistence', 'rdb'], 'power-loss', snapshot);
        expect(drill.json.setup.persistence).toBe('rdb');
        expect(drill.result.exitCode, drill.result.stderr).toBe(0);
        expect(drill.json.keys.after).toEqual(drill.json.keys.before);
        // The load's acknowledged writes came after the snapshot: the write log finds them gone.
        expect(drill.json.writeLog.lost).toBeGreaterThan(0);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test('aof (the default): nothing lost, exit 0, every node a new pid', { timeout: 150_000 }, async () => {
    const dir = await stateDir();
    try {
      const pids = async () =>
        (await runJson<any>(['cluster', 'status'], { stateDir: dir })).json.nodes.map((n: any) => n.pid);
      let before: number[] = [];
      const { drill, status } = await durabilityDrill(dir, [], 'power-loss', async () => {
        before = await pids();
      });
      expect(drill.result.exitCode, drill.result.stderr).toBe(0);
      expect(drill.json.keys.after).toEqual(drill.json.keys.before);
      expect(drill.json.writeLog.lost).toBe(0);
      const after = status.json.nodes.map((n: any) => n.pid);
      expect(after.every((p: number, i: number) => p !== before[i])).toBe(true);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});
