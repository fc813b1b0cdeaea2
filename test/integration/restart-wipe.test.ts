import { describe, expect, test } from 'vitest';
import { runCli, runJson, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { raw } from '../helpers/raw.js';

/** A cluster with 3000 keys; its Master[0] SIGKILLed and restarted at once, before the cluster fails it over. */
async function quickRestart(dir: string, config: string[]) {
  const port = await freePortRange(6);
  const create = await runCli(
    ['cluster', 'create', '--port', String(port), '--node-timeout', '1000', ...config.flatMap((c) => ['--config', c])],
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
        expect(restart.result.exitCode).toBe(1);
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
