import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCluster } from '../../src/cluster/create.js';
import { destroyDeployment, startDeployment, stopDeployment } from '../../src/cluster/lifecycle.js';
import { InterruptedError } from '../../src/errors.js';
import { createSentinel } from '../../src/sentinel/create.js';
import { SENTINEL_DEFAULTS } from '../../src/sentinel/defaults.js';
import { type Reporter, silentReporter } from '../../src/util/reporter.js';
import { BIN, runCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { liveServersUnder } from '../helpers/processes.js';
import { remotePlace, sshMastersFor, startSshd, type TestSshd } from '../helpers/sshd.js';
import { waitUntil } from '../../src/util/wait.js';

/**
 * A Ctrl-C that lands as the last wait of a create or start ends: the work
 * is done, but exit 130 promises that everything the command started was
 * stopped. Aborting from the reporter, right after that wait's step returns,
 * hits this moment every time (a signal from outside cannot aim at it).
 */
function abortAfterStep(
  prefix: string,
  atStepEnd: (abort: () => void) => void = (abort) => abort(),
): { abortSignal: AbortSignal; reporter: Reporter } {
  const controller = new AbortController();
  const reporter: Reporter = {
    ...silentReporter,
    step: async (title, fn) => {
      const value = await fn();
      if (title.startsWith(prefix)) atStepEnd(() => controller.abort());
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

describe('an interrupt while the SSH connections close (real sshd on 127.0.0.2-4)', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  test('cluster start stops the nodes it started again, over fresh connections', async () => {
    // Closing a shared SSH connection (`ssh -O exit`) waits on its master: frozen as the last wait
    // ends, it holds the start there until the interrupt has landed. The start must roll back then
    // too, and the connections it closed are opened again to do it.
    const place = await remotePlace();
    const cli = (args: string[]) => runCli(args, { stateDir: place.state });
    const created = await cli([
      'cluster',
      'create',
      ...sshd.placeFlags(place.remote, place.port),
      '--masters',
      '3',
      '--replicas',
      '0',
      '--node-timeout',
      '1000',
    ]);
    expect(created.exitCode, created.stderr).toBe(0);
    try {
      expect((await cli(['cluster', 'stop'])).exitCode).toBe(0);
      let frozen: number[] = [];
      const late = abortAfterStep('Waiting for cluster_state:ok', (abort) => {
        frozen = sshMastersFor(sshd.port).map((l) => Number(l.split(' ')[0]));
        for (const pid of frozen) process.kill(pid, 'SIGSTOP');
        setTimeout(() => {
          abort();
          for (const pid of frozen) process.kill(pid, 'SIGCONT');
        }, 300);
      });
      const start = startDeployment({ stateDir: place.state, cluster: 'default', ...late });
      await expect(start).rejects.toBeInstanceOf(InterruptedError);
      expect(frozen.length).toBeGreaterThan(0);
      expect(await liveServersUnder(place.remote)).toEqual([]);
      const state = JSON.parse(readFileSync(path.join(place.state, 'default', 'cluster.json'), 'utf8'));
      expect(state.nodes.map((n: { pid: number | null }) => n.pid)).toEqual([null, null, null]);
      await waitUntil(
        async () => {
          const left = sshMastersFor(sshd.port);
          return left.length === 0 ? { done: true, value: undefined } : { done: false, seen: left.join('; ') };
        },
        { what: 'no shared SSH connection left', timeoutMs: 5000, intervalMs: 50 },
      );
    } finally {
      expect((await cli(['cluster', 'destroy'])).exitCode).toBe(0);
    }
    expect(await liveServersUnder(place.remote)).toEqual([]);
  });
});

test("a Ctrl-C once the command has ended: the process exits with the command's own code, not as killed by SIGINT", async () => {
  // Something outside the command keeps the process alive after main returns (here a timer loaded
  // with --import): a Ctrl-C then must not turn a finished command into an interrupted one.
  const hold = path.join(await stateDir(), 'hold.mjs');
  writeFileSync(hold, 'setTimeout(() => undefined, 20_000);\n');
  const child = spawn(process.execPath, ['--import', hold, BIN, 'keyslot', 'foo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await waitUntil(
      async () => (out.includes('12182') ? { done: true, value: undefined } : { done: false, seen: out }),
      { what: 'keyslot printed its result', timeoutMs: 20_000, intervalMs: 10 },
    );
    child.kill('SIGINT');
    expect(await ended).toEqual({ code: 0, signal: null });
  } finally {
    child.kill('SIGKILL');
  }
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
