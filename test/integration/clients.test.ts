import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

const NAIVE = fileURLToPath(new URL('./fixtures/naive-cluster-client.rb', import.meta.url));
const CELL_KEYS = [
  'client',
  'fault',
  'survived',
  'firstSuccessAfterFaultMs',
  'longestNoSuccessMs',
  'lostWrites',
  'stuckOps',
  'errors',
];

/** Whether a live process has exactly this command line (zombies do not count). */
async function running(cmdline: string): Promise<boolean> {
  const { stdout } = await execa('ps', ['-eo', 'stat=,args=']);
  return stdout.split('\n').some((l) => !/^\s*Z/.test(l) && l.trim().replace(/^\S+\s+/, '') === cmdline);
}

/** clients on a fresh 3x1 cluster (node timeout 1000 ms) through one kill: these libraries and one client of the user's. */
const killMatrix = (port: number, libraries: string, client: string): string[] => [
  'clients',
  '--create',
  '--port',
  String(port),
  '--node-timeout',
  '1000',
  '--faults',
  'kill',
  '--libraries',
  libraries,
  '--client',
  client,
];

/** Long enough for the clients to connect, short enough for a test. */
const SHORT = ['--warmup', '2s', '--settle', '1s'];

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('redis-drill clients --list', () => {
  test('the shipped adapters, each with its library, language, config, and whether it runs here', async () => {
    const { result, json } = await runJson<any[]>(['clients', '--list'], { stateDir: '/nonexistent' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json.map((a) => a.name)).toContain('ioredis-failover');
    expect(new Set(json.map((a) => a.library))).toEqual(
      new Set(['ioredis', 'node-redis', 'iovalkey', 'valkey-glide', 'redis-py', 'redis-rb', 'phpredis']),
    );
    for (const a of json) {
      expect(Object.keys(a).filter((k) => k !== 'reason')).toEqual([
        'name',
        'library',
        'language',
        'config',
        'installed',
        'version',
      ]);
      expect(a.installed ? a.version : a.reason).toMatch(/\S/);
    }
    // npm test's pre-step installs every library: a missing one here is a broken set-up, not a skipped row.
    const ioredis = JSON.parse(
      await readFile(new URL('../../node_modules/ioredis/package.json', import.meta.url), 'utf8'),
    );
    expect(json.find((a) => a.name === 'ioredis')).toMatchObject({ installed: true, version: ioredis.version });
    expect(json.filter((a) => !a.installed)).toEqual([]);
  });
});

describe('redis-drill clients: the matrix on a real cluster', () => {
  test(
    "shipped adapters and the user's own client through a kill: a finding, exit 0; --require-survival makes it exit 1",
    { timeout: 120_000 },
    async () => {
      const dir = await stateDir();
      const port = await freePortRange(6);
      const out = path.join(dir, 'matrix');
      try {
        const { result, json } = await runJson<any>(
          [...killMatrix(port, 'ioredis,redis-py', `ruby-naive=ruby ${NAIVE}`), ...SHORT, '--out', out],
          { stateDir: dir },
        );
        expect(result.exitCode, result.stderr).toBe(0);
        expect(json.clients.map((c: any) => c.name)).toEqual([
          'ioredis',
          'ioredis-failover',
          'redis-py',
          'redis-py-failover',
          'ruby-naive',
        ]);
        const saved = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
        expect(saved.matrix).toEqual(json.matrix);
        for (const cell of saved.matrix) for (const k of CELL_KEYS) expect(cell).toHaveProperty(k);
        const cell = (name: string): any => saved.matrix.find((m: any) => m.client === name && m.fault === 'kill');
        // The naive client has no rescue: the first error after SIGKILL ends it.
        expect(cell('ruby-naive')).toMatchObject({ survived: false });
        expect(cell('ruby-naive').verdict).toMatch(/^died at \+\d+\.\d s: .*Redis::/);
        expect(cell('ruby-naive').exitedAfterFaultMs).toBeGreaterThanOrEqual(0);
        for (const name of ['ioredis', 'ioredis-failover', 'redis-py', 'redis-py-failover']) {
          const c = cell(name);
          expect(c.survived, name).toBe(true);
          expect(c.firstSuccessAfterFaultMs, name).toEqual(expect.any(Number));
          expect(c.acknowledgedWrites, name).toBeGreaterThan(50);
          expect(c.lostWrites, name).toBeLessThanOrEqual(c.acknowledgedWrites);
          // A killed master takes a second and more to replace at node timeout 1000 ms: every client felt it.
          expect(c.longestNoSuccessMs, name).toBeGreaterThan(500);
        }
        expect(saved.faults[0]).toMatchObject({ fault: 'kill', report: 'kill/report.html', drillPassed: true });
        expect(existsSync(path.join(out, 'kill', 'report.json'))).toBe(true);
        const html = await readFile(path.join(out, 'report.html'), 'utf8');
        expect(html).toMatch(/<a href="#t-kill-ruby-naive">died/);
        expect(html).toMatch(/id="t-kill-ruby-naive"/);
        expect(await readFile(path.join(out, 'report.md'), 'utf8')).toMatch(/\| ruby-naive \| own \| - \| died \+/);

        const strict = await runCli(
          [
            'clients',
            '--faults',
            'kill',
            '--libraries',
            'ioredis',
            '--client',
            `ruby-naive=ruby ${NAIVE}`,
            ...SHORT,
            '--require-survival',
            '--format',
            'json',
            '--out',
            path.join(dir, 'strict'),
          ],
          { stateDir: dir },
        );
        expect(strict.exitCode, strict.stderr).toBe(1);
        expect(strict.stderr).toMatch(/did not survive: ruby-naive \(kill\): died at/);
        // The text matrix on stdout, a row per client.
        expect(strict.stdout).toMatch(/ruby-naive\s+own\s+-\s+died \+/);
        expect(strict.stdout).toMatch(/ioredis-failover\s+ioredis\s+\d+\.\d+\.\d+\s+/);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );
});

describe('redis-drill clients: Ctrl-C', () => {
  test('exit 130, and no client program is left running', { timeout: 60_000 }, async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    // A marker no other test's process has: this run's own client.
    const marker = `sleep ${900_000 + (port % 10_000)}`;
    try {
      const child = spawnCli([...killMatrix(port, 'ioredis', `idle=exec ${marker}`), '--out', path.join(dir, 'm')], {
        stateDir: dir,
      });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      for (let i = 0; i < 1000 && !/Warming up/.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await running(marker)).toBe(true);
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode, stderr).toBe(130);
      expect(await running(marker)).toBe(false);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});

describe('redis-drill clients: bad input says why, exits 2, and starts nothing', () => {
  test.each([
    [['--libraries', 'jedis'], /unknown library "jedis"/],
    [['--client', 'no-equals-sign'], /expected NAME=CMD/],
    [['--faults', 'meteor'], /--faults: unknown fault "meteor"/],
    [['--faults', ''], /--faults is empty/],
    [['--warmup', 'soon'], /bad --warmup/],
  ])('clients --create %j', async (args, message) => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const r = await runCli(['clients', '--create', '--port', String(port), ...args], { stateDir: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint:/);
    expect(await answers(port)).toBe(false);
    expect(existsSync(path.join(dir, 'default'))).toBe(false);
  });

  test('a client program that is not there: exit 2 before a cluster is made', async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const r = await runCli(
      [
        'clients',
        '--create',
        '--port',
        String(port),
        '--libraries',
        'ioredis',
        '--client',
        'mine=no-such-program-rd --x',
        '--out',
        path.join(dir, 'm'),
      ],
      { stateDir: dir },
    );
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/"no-such-program-rd" was not found/);
    expect(await answers(port)).toBe(false);
  });

  test('no cluster of that name: exit 2 with the hint to create one', async () => {
    const dir = await stateDir();
    const r = await runCli(['--cluster', 'nosuch', 'clients', '--libraries', 'ioredis'], { stateDir: dir });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/nosuch/);
  });

  test('sentinel clients with only a library that has no Sentinel mode: nothing to run, exit 2', async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const r = await runCli(
      [
        'sentinel',
        'clients',
        '--create',
        '--port',
        String(port),
        '--sentinel-port',
        String(port + 3),
        '--libraries',
        'valkey-glide',
      ],
      { stateDir: dir },
    );
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/skipping valkey-glide: valkey-glide has no Sentinel mode/);
    expect(r.stderr).toMatch(/no client to run/);
    expect(await answers(port)).toBe(false);
  });
});
