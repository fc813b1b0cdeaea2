import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { BIN, runCli } from '../helpers/cli.js';
import { type TestCluster, createTestCluster } from '../helpers/cluster.js';
import { shapeProblems } from '../helpers/json-shape.js';
import { QUICK_MATRIX, SHAPES, shapeChecker } from '../helpers/json-shape-check.js';

// The Sentinel and soak parts are json-shapes-sentinel and json-shapes-soak (their own deployments, side by side).
const EXAMPLE_CLIENT = fileURLToPath(new URL('../../scenarios/clients/ioredis-client.mjs', import.meta.url));

/** Every command that does something (not the groups), as "cluster create". */
function leafCommands(cmd: Command, prefix = ''): string[] {
  return cmd.commands.flatMap((c) =>
    c.commands.length ? leafCommands(c, `${prefix}${c.name()} `) : [`${prefix}${c.name()}`],
  );
}
const LEAVES = leafCommands(buildProgram(new AbortController().signal));

const { check: checkShape, seen } = shapeChecker('cluster');

describe('every command for scripts', () => {
  // One CLI start per command (over 60 of them): four at a time, and a deadline a slow, busy machine can meet.
  test(
    'every command has its --json shape in docs/json.md, and --help lists the exit codes',
    { timeout: 180_000 },
    async () => {
      expect(LEAVES.filter((c) => !SHAPES.has(c))).toEqual([]);
      expect([...SHAPES.keys()].filter((c) => !LEAVES.includes(c))).toEqual([]);
      for (let i = 0; i < LEAVES.length; i += 4) {
        const batch = LEAVES.slice(i, i + 4);
        const results = await Promise.all(
          batch.map((c) => runCli([...c.split(' '), '--help'], { stateDir: '/nonexistent' })),
        );
        results.forEach((r, j) => {
          expect(r.exitCode, batch[j]).toBe(0);
          expect(r.stdout, batch[j]).toMatch(
            /Exit codes: 0 success, 1 a check failed, 2 bad usage or input, 3 environment, 70 internal error, 130 interrupted/,
          );
        });
      }
    },
  );

  test('stdin open but not a terminal: nothing waits for it', async () => {
    const child = spawn(process.execPath, [BIN, '--state-dir', '/nonexistent', 'cluster', 'status'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.destroy();
    expect(code).toBe(2); // no cluster there: an answer, not a wait
  });
});

describe('--json output matches the documented shapes (real cluster)', () => {
  let c: TestCluster;
  const check = (command: string, args: string[], code = 0): Promise<any> =>
    checkShape(c.stateDir, command, args, code);

  beforeAll(async () => {
    // Own addresses: the partition commands need one address per node.
    c = await createTestCluster({ ownAddresses: true });
    // The create output itself, as the helper parsed it.
    expect(shapeProblems(JSON.parse(c.create.stdout), SHAPES.get('cluster create')!)).toEqual([]);
    seen.add('cluster create');
  });
  afterAll(async () => {
    if (c) await check('cluster destroy', []);
  });

  test('read-only commands, populate, workload', async () => {
    await check('cluster status', []);
    await check('slotmap', ['--key', 'foo']);
    await check('keyslot', ['foo', '{user:1}:cart']);
    await check('populate', ['--keys', '200']);
    await check('workload', [
      '--duration',
      '1s',
      '--clients',
      '4',
      '--check',
      '--mix',
      'set=50,incr=50',
      '--load',
      'kv,set,lock,pubsub',
      '--lock-hold',
      '100ms',
      '--lock-ttl',
      '1s',
    ]);
  });

  test('faults, reports, scenarios, stop and start', { timeout: 120_000 }, async () => {
    const killed = await check('cluster kill-master', ['--master', '0']);
    await check('cluster restart-node', [`${killed.victim.host}:${killed.victim.port}`]);
    await check('cluster failover', []);
    const frozen = await check('cluster kill-master', ['--master', '1', '--signal', 'freeze', '--no-wait']);
    await check('cluster resume-node', [`${frozen.victim.host}:${frozen.victim.port}`]);
    // Shorter than any failover: healed before a promotion; then nothing is left to heal.
    const cut = await check('cluster partition', ['--master', '2', '--duration', '300ms']);
    expect(cut.partition.healedAt).not.toBeNull();
    await check('cluster heal', []);
    await check('failover-report', [
      '--fault',
      'failover',
      '--warmup',
      '300ms',
      '--settle',
      '200ms',
      '--clients',
      '5',
      '--load',
      'kv,lock,pubsub',
      '--lock-hold',
      '100ms',
      '--lock-ttl',
      '1s',
      '--client-cmd',
      `node ${EXAMPLE_CLIENT}`,
      '--format',
      'json',
      '--out',
      path.join(c.stateDir, 'report'),
    ]);
    // One library, one fault that loses nothing: the matrix's shape, not a study of the library.
    const matrix = await check('clients', [
      ...QUICK_MATRIX,
      '--faults',
      'failover',
      '--libraries',
      'ioredis',
      '--out',
      path.join(c.stateDir, 'clients'),
    ]);
    expect(matrix.matrix.map((m: any) => m.client)).toEqual(['ioredis', 'ioredis-failover']);
    const file = path.join(c.stateDir, 'swap.yaml');
    await writeFile(
      file,
      'workload: { clients: 5, warmup: 200ms }\nsteps:\n  - failover: { master: 2 }\n  - wait-for: promotion\n  - assert: { roles: { victim: replica }, max-lost-writes: 0 }\n',
    );
    const report = await check('scenario run', [file, '--format', 'json', '--out', path.join(c.stateDir, 'scenario')]);
    expect(report.scenario.steps).toHaveLength(3);
    await check('scenario validate', [file]);
    await check('cluster stop', []);
    await check('cluster start', []);
  });

  test(
    'changing the cluster: add-node, reshard, rebalance, fix, remove-node, rolling-restart',
    { timeout: 90_000 },
    async () => {
      const added = await check('cluster add-node', []);
      const node = `${added.node.host}:${added.node.port}`;
      const moved = await check('cluster reshard', ['--slots', '10', '--from', '0', '--to', node]);
      expect(moved.slots).toBe(10);
      // Emptied again, it turns into a replica (cluster-allow-replica-migration), which remove-node takes.
      await check('cluster reshard', [
        '--slots',
        '10',
        '--from',
        node,
        '--to',
        `${moved.from.host}:${moved.from.port}`,
      ]);
      await check('cluster rebalance', []);
      await check('cluster fix', []);
      await check('cluster remove-node', [node]);
      const rolled = await check('cluster rolling-restart', []);
      expect(rolled.passed).toBe(true);
    },
  );
});
