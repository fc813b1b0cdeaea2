import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, runJson, stateDir } from '../helpers/cli.js';
import { type RawCluster, startRawServers } from '../helpers/raw-cluster.js';
import { raw } from '../helpers/raw.js';

describe('--seed: a cluster redis-drill did not create', () => {
  let rc: RawCluster;
  let dir: string;
  beforeAll(async () => {
    rc = await startRawServers({ count: 3 });
    dir = await stateDir();
  });
  afterAll(async () => rc?.stop());

  test('slotmap, status, keyslot and populate discover every node from one seed', async () => {
    const seed = ['--seed', `127.0.0.1:${rc.ports[1]}`];
    const map = await runJson<{ masters: { port: number }[]; agreed: boolean; uncovered: unknown[] }>(
      ['slotmap', ...seed],
      { stateDir: dir },
    );
    expect(map.result.exitCode, map.result.stderr).toBe(0);
    expect(map.json.masters.map((m) => m.port).sort()).toEqual([...rc.ports].sort());
    expect(map.json.agreed).toBe(true);
    expect(map.json.uncovered).toEqual([]);

    const status = await runJson<{ nodes: { up: boolean }[] }>(['cluster', 'status', ...seed], { stateDir: dir });
    expect(status.result.exitCode).toBe(0);
    expect(status.json.nodes).toHaveLength(3);

    const pop = await runJson<{ written: number; masters: { port: number; dbsize: number }[] }>(
      ['populate', '--keys', '500', ...seed],
      { stateDir: dir },
    );
    expect(pop.result.exitCode, pop.result.stderr).toBe(0);
    expect(pop.json.written).toBe(500);
    for (const m of pop.json.masters) expect(m.dbsize).toBe(await raw(m.port, (r) => r.dbsize()));

    const ks = await runJson<{ keys: { slot: number; master: { port: number } }[] }>(['keyslot', 'key1', ...seed], {
      stateDir: dir,
    });
    expect(ks.json.keys[0]!.slot).toBe(9189);
    expect(rc.ports).toContain(ks.json.keys[0]!.master.port);
  });

  test('kill-master on a --seed cluster goes through Redis commands (--via)', async () => {
    const seed = ['--seed', `127.0.0.1:${rc.ports[0]}`];
    const noVia = await runCli(['cluster', 'kill-master', '--force', ...seed], { stateDir: dir });
    expect(noVia.exitCode).toBe(2);
    expect(noVia.stderr).toContain('--via debug-sleep');
    const r = await runJson<{ outcome: string; how: string }>(
      ['cluster', 'kill-master', '--master', '2', '--via', 'shutdown', '--force', '--no-wait', ...seed],
      { stateDir: dir },
    );
    expect(r.result.exitCode, r.result.stderr).toBe(0);
    expect(r.json.how).toBe('--via shutdown');
    await expect(raw(rc.ports[2]!, (x) => x.ping())).rejects.toThrow();
  });

  test('lifecycle commands refuse --seed (exit 2)', async () => {
    const r = await runCli(['cluster', 'destroy', '--seed', `127.0.0.1:${rc.ports[0]}`], { stateDir: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not on a cluster attached with --seed');
  });
});

describe('--seed with a password', () => {
  let rc: RawCluster;
  let dir: string;
  beforeAll(async () => {
    rc = await startRawServers({ count: 3, password: 's3cret-pw' });
    dir = await stateDir();
  });
  afterAll(async () => rc?.stop());

  test('the right password (REDISCLI_AUTH) works; a wrong or missing one is exit 3 "authentication failed"', async () => {
    const seed = ['slotmap', '--seed', `127.0.0.1:${rc.ports[0]}`];
    const ok = await runJson<{ masters: unknown[] }>(seed, { stateDir: dir, env: { REDISCLI_AUTH: 's3cret-pw' } });
    expect(ok.result.exitCode, ok.result.stderr).toBe(0);
    expect(ok.json.masters).toHaveLength(3);
    const viaFlag = await runCli([...seed, '--password', 's3cret-pw'], { stateDir: dir });
    expect(viaFlag.exitCode).toBe(0);

    const wrong = await runCli(seed, { stateDir: dir, env: { REDISCLI_AUTH: 'nope' } });
    expect(wrong.exitCode).toBe(3);
    expect(wrong.stderr).toContain('authentication failed');
    expect(wrong.stderr).not.toContain('nope');
    const missing = await runCli(seed, { stateDir: dir });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain('authentication failed');
  });
});

describe('--seed that is not a cluster node', () => {
  test('exit 3 naming cluster_enabled:0', async () => {
    const rc = await startRawServers({ count: 1, cluster: false });
    try {
      const r = await runCli(['slotmap', '--seed', `127.0.0.1:${rc.ports[0]}`], { stateDir: await stateDir() });
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toContain(`127.0.0.1:${rc.ports[0]} is not a cluster node: cluster_enabled:0`);
    } finally {
      await rc.stop();
    }
  });

  test('an unreachable seed: exit 3 with a hint', async () => {
    const r = await runCli(['slotmap', '--seed', '127.0.0.1:1'], { stateDir: await stateDir() });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('127.0.0.1:1 is unreachable: connection refused');
    expect(r.stderr).toContain('hint:');
  });

  test('a malformed seed: exit 2', async () => {
    const r = await runCli(['slotmap', '--seed', 'localhost'], { stateDir: await stateDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('expected HOST:PORT');
  });
});
