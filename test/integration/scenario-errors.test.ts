import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

async function badFile(text: string): Promise<{ dir: string; file: string }> {
  const dir = await stateDir();
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, text);
  return { dir, file };
}

/** The documented messages (docs/scenarios.md, "Errors in a scenario file"): file:line:column, path, expected, found. */
const BAD: [string, string, RegExp][] = [
  [
    'YAML syntax error',
    'steps:\n  - kill-master: { master: 0\n  - wait-for: promotion\n',
    /^error: \S+drill\.yaml:3:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }\n/,
  ],
  [
    'unknown step',
    'steps:\n  - kil-master: { master: 0 }\n',
    /^error: \S+drill\.yaml:2:5: steps\[0\]\.kil-master: unknown step "kil-master" \(did you mean kill-master\?\); the steps are: kill, term, freeze, failover, partition, flaky, blackhole, reshard-kill-source, reshard-kill-target, quick-restart, power-loss, rolling-restart, kill-during-sync, kill-master, term-master, freeze-master, kill-node, term-node, freeze-node, heal, restart-node, resume-node, reshard, rebalance, add-node, remove-node, fix, wait-for, populate, assert\n/,
  ],
  [
    'wrong type',
    'steps:\n  - kill-master:\n      slot: lots\n',
    /^error: \S+drill\.yaml:3:7: steps\[0\]\.kill-master\.slot: expected a whole number from 0 to 16383, found "lots"\n/,
  ],
  [
    'unknown node name',
    'steps:\n  - kill-master: { as: victim }\n  - wait-for: promotion\n  - restart-node: victm\n',
    /^error: \S+drill\.yaml:4:5: steps\[2\]\.restart-node\.node: unknown node name "victm"; expected one of the names earlier steps gave \(victim, promoted\), Master\[N\], Node\[N\], a node-id prefix or HOST:PORT\n/,
  ],
  [
    'unknown option',
    'steps:\n  - kill-master: { signal: hup }\n',
    /^error: \S+drill\.yaml:2:20: steps\[0\]\.kill-master\.signal: unknown option "signal"; expected one of: master, slot, key, as, force\n/,
  ],
];

describe('bad scenario files: exit 2 before anything starts', () => {
  test.each(BAD)('%s: run and validate name the file, line, path, expected and found', async (_name, text, message) => {
    const { dir, file } = await badFile(text);
    for (const cmd of ['run', 'validate']) {
      const r = await runCli(['scenario', cmd, file], { stateDir: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: the format is in docs\/scenarios\.md/);
      expect(r.stdout).toBe('');
    }
    // Nothing was created.
    expect((await readdir(dir)).filter((f) => f !== 'drill.yaml')).toEqual([]);
  });

  test('a file whose aliases would expand past any size (a "billion laughs"): exit 2 naming the file, for run and validate', async () => {
    const bomb =
      [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`),
        'steps: [*g]',
      ].join('\n') + '\n';
    const { dir, file } = await badFile(bomb);
    for (const cmd of ['run', 'validate']) {
      const r = await runCli(['scenario', cmd, file], { stateDir: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`${file}: the YAML uses too many aliases`);
      expect(r.stderr).not.toMatch(/internal error|unexpected failure/);
    }
  });

  test('validate --json: every file, valid or not, with its problems; exit 2 if one is bad', async () => {
    const { dir, file } = await badFile('steps:\n  - populate: 0\n  - bogus\n');
    const { result, json } = await runJson<any>(
      ['scenario', 'validate', path.join(SCENARIOS, 'kill-master.yaml'), file],
      { stateDir: dir },
    );
    expect(result.exitCode).toBe(2);
    expect(json.valid).toBe(false);
    expect(json.files[0]).toMatchObject({ valid: true, name: 'kill-master', cluster: 'create', problems: [] });
    expect(json.files[0].steps[1]).toBe('steps[1] kill-master master=0 as=victim');
    expect(json.files[1].valid).toBe(false);
    expect(json.files[1].problems.map((p: any) => [p.path.join('.'), p.line])).toEqual([
      ['steps.0.populate.keys', 2],
      ['steps.1.bogus', 3],
    ]);
    expect(result.stderr).toMatch(
      /^error: 1 of 2 scenario files have problems; the first: \S+drill\.yaml:2:5: steps\[0\]\.populate\.keys: expected a whole number from 1 to 100000000, found 0\n/,
    );
  });

  test('every shipped scenario validates', async () => {
    const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(SCENARIOS, f));
    const r = await runCli(['scenario', 'validate', ...files], { stateDir: await stateDir() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.match(/: ok, scenario /g)).toHaveLength(files.length);
  });

  test('options that do not fit the file, a missing file', async () => {
    const { dir, file } = await badFile('steps: [populate: 10]\n');
    const port = await runCli(['scenario', 'run', file, '--port', '7100'], { stateDir: dir });
    expect(port.exitCode).toBe(2);
    expect(port.stderr).toMatch(
      /^error: --port: --port applies only to a scenario that creates its deployment \(cluster: create: or cluster: sentinel:\)/,
    );
    const set = await runCli(
      ['scenario', 'run', path.join(SCENARIOS, 'kill-master.yaml'), '--set', 'cluster.create.masters=2'],
      { stateDir: dir },
    );
    expect(set.exitCode).toBe(2);
    expect(set.stderr).toMatch(
      /^error: --set cluster\.create\.masters=2: cluster\.create\.masters: expected a whole number from 3 to 1000, found 2/,
    );
    const missing = await runCli(['scenario', 'run', path.join(dir, 'nope.yaml')], { stateDir: dir });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read scenario file \S+nope\.yaml: no such file/);
    // A file that is not text (a program, an image): one line saying so, not its bytes.
    for (const cmd of ['run', 'validate']) {
      const binary = await runCli(['scenario', cmd, process.execPath], { stateDir: dir });
      expect(binary.exitCode).toBe(2);
      expect(binary.stderr).toMatch(
        /^error: cannot read scenario file \S+: not a text file \(it has bytes that are not UTF-8 text\)\nhint: /,
      );
      expect(binary.stderr.split('\n').length).toBeLessThan(5);
      expect(binary.stdout.length).toBeLessThan(500);
    }
    // A scenario that breaks processes cannot run on a cluster attached with --seed.
    const seed = await runCli(['--seed', '127.0.0.1:1', 'scenario', 'run', path.join(SCENARIOS, 'kill-master.yaml')], {
      stateDir: dir,
    });
    expect(seed.exitCode).toBe(2);
    expect(seed.stderr).toMatch(
      /steps\[1\]\.kill-master: kill-master needs processes redis-drill started; .* \(the cluster is attached with --seed\)/,
    );
  });
});

describe('Ctrl-C during a scenario', () => {
  test('exit 130, and the cluster it created is destroyed', { timeout: 60_000 }, async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const child = spawnCli(
      [
        'scenario',
        'run',
        path.join(SCENARIOS, 'kill-master.yaml'),
        '--port',
        String(port),
        '--node-timeout',
        '1000',
        '--set',
        'workload.warmup=200ms',
        '--out',
        path.join(dir, 'out'),
      ],
      { stateDir: dir },
    );
    // Interrupt while it waits for the promotion.
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('steps[1] kill-master')) resolve();
      });
    });
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/Interrupted: stopping what was started/);
    expect(String(r.stderr)).toMatch(/Destroying the scenario's cluster "scenario-kill-master"/);
    expect(existsSync(path.join(dir, 'scenario-kill-master'))).toBe(false);
  });
});
