import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createCluster } from '../../src/cluster/create.js';
import { destroyDeployment, startDeployment, stopDeployment } from '../../src/cluster/lifecycle.js';
import { InterruptedError } from '../../src/errors.js';
import { createSentinel } from '../../src/sentinel/create.js';
import { SENTINEL_DEFAULTS } from '../../src/sentinel/defaults.js';
import { type Reporter, silentReporter } from '../../src/util/reporter.js';
import { stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { liveServersUnder } from '../helpers/processes.js';

/**
 * A Ctrl-C that lands as the last wait of a create or start ends: the work
 * is done, but exit 130 promises that everything the command started was
 * stopped. Aborting from the reporter, right after that wait's step returns,
 * hits this moment every time (a signal from outside cannot aim at it).
 */
function abortAfterStep(prefix: string): { abortSignal: AbortSignal; reporter: Reporter } {
  const controller = new AbortController();
  const reporter: Reporter = {
    ...silentReporter,
    step: async (title, fn) => {
      const value = await fn();
      if (title.startsWith(prefix)) controller.abort();
      return value;
    },
  };
  return { abortSignal: controller.signal, reporter };
}

/** The create failed as interrupted, after the abort, and left no process and no directory. */
async function expectRolledBack(create: Promise<unknown>, abortSignal: AbortSignal, dir: string): Promise<void> {
  await expect(create).rejects.toBeInstanceOf(InterruptedError);
  expect(abortSignal.aborted).toBe(true);
  expect(await liveServersUnder(dir)).toEqual([]);
  expect(existsSync(path.join(dir, 'default'))).toBe(false);
}

describe('an interrupt as the last wait ends', () => {
  test('cluster create rolls back: nothing runs, no directory is left', async () => {
    const dir = await stateDir();
    const late = abortAfterStep('Waiting until every node agrees');
    const create = createCluster({ ...(await threeMasters(dir)), ...late });
    await expectRolledBack(create, late.abortSignal, dir);
  });

  test('sentinel create rolls back its data nodes and sentinels', async () => {
    const dir = await stateDir();
    const late = abortAfterStep('Waiting until every sentinel knows the master');
    const port = await freePortRange(5);
    const create = createSentinel({
      ...SENTINEL_DEFAULTS,
      cluster: 'default',
      stateDir: dir,
      replicas: 1,
      sentinels: 3,
      port,
      sentinelPort: port + 2,
      bind: '127.0.0.1',
      config: [],
      force: false,
      password: null,
      ...late,
    });
    await expectRolledBack(create, late.abortSignal, dir);
  });

  test('cluster start stops again the nodes it started, and the state file says they are stopped', async () => {
    const dir = await stateDir();
    await createCluster(await threeMasters(dir));
    try {
      await stopDeployment({ stateDir: dir, cluster: 'default' });
      const late = abortAfterStep('Waiting for cluster_state:ok');
      await expect(startDeployment({ stateDir: dir, cluster: 'default', ...late })).rejects.toBeInstanceOf(
        InterruptedError,
      );
      expect(late.abortSignal.aborted).toBe(true);
      expect(await liveServersUnder(dir)).toEqual([]);
      const state = JSON.parse(readFileSync(path.join(dir, 'default', 'cluster.json'), 'utf8'));
      expect(state.nodes.map((n: { pid: number | null }) => n.pid)).toEqual([null, null, null]);
    } finally {
      await destroyDeployment({ stateDir: dir, cluster: 'default' });
    }
    expect(await liveServersUnder(dir)).toEqual([]);
  });
});

/** Three masters on free ports, no replica. */
async function threeMasters(dir: string): Promise<Parameters<typeof createCluster>[0]> {
  return {
    cluster: 'default',
    stateDir: dir,
    masters: 3,
    replicas: 0,
    port: await freePortRange(3),
    bind: '127.0.0.1',
    nodeTimeoutMs: 1000,
    config: [],
    force: false,
    password: null,
  };
}
