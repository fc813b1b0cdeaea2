import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { BIN, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** Runs a shipped shell example as CI would: bash, no TTY, no stdin, this checkout's CLI. */
async function runScript(name: string, args: string[], env: Record<string, string>) {
  const r = await execa('bash', [path.join(SCENARIOS, name), ...args], {
    reject: false,
    timeout: 90_000,
    stdin: 'ignore',
    env: { REDIS_DRILL: `${process.execPath} ${BIN}`, NO_COLOR: '1', ...env },
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe.concurrent('shell examples in scenarios/', () => {
  test('every example is a bash script with set -euo pipefail, documented at its top', async () => {
    const scripts = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.sh'));
    expect(scripts.sort()).toEqual(['ci-check.sh', 'failover-lab.sh', 'soak-ci.sh']);
    for (const s of scripts) {
      const text = readFileSync(path.join(SCENARIOS, s), 'utf8');
      expect(text).toMatch(/^#!\/usr\/bin\/env bash\n# [a-z-]+\.sh: .+\n/);
      expect(text).toContain('\nset -euo pipefail\n');
      expect(text).not.toMatch(/^[^#\n]*\bjq\b/m); // no jq: node reads the JSON
    }
  });

  test(
    'failover-lab.sh: create, populate, kill-master, restart-node, slotmap, an exit code; the cluster is gone after',
    { timeout: 90_000 },
    async () => {
      const dir = await stateDir();
      const r = await runScript('failover-lab.sh', [], {
        REDIS_DRILL_HOME: dir,
        DRILL_PORT: String(await freePortRange(6)),
        DRILL_NODE_TIMEOUT: '1000',
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^created cluster lab-\d+\n/);
      expect(r.stdout).toMatch(/killed 127\.0\.0\.1:(\d+); 127\.0\.0\.1:(\d+) took over after \d+ ms \(log\)\n/);
      expect(r.stdout).toMatch(/127\.0\.0\.1:\d+ is back as a replica of 127\.0\.0\.1:\d+\n/);
      expect(r.stdout).toMatch(/kill-master --master 9: exit 2 \(bad input\), as documented$/);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  test(
    'ci-check.sh: a passing scenario, exit 0; a failing one, exit 1 with the failed check; a bad file, exit 2',
    { timeout: 90_000 },
    async () => {
      const dir = await stateDir();
      const env = {
        REDIS_DRILL_HOME: dir,
        DRILL_PORT: String(await freePortRange(6)),
        DRILL_NODE_TIMEOUT: '1000',
        DRILL_OUT: path.join(dir, 'reports'),
      };
      const pass = await runScript('ci-check.sh', [path.join(SCENARIOS, 'manual-failover.yaml')], env);
      expect(pass.exitCode, pass.stderr).toBe(0);
      expect(pass.stdout).toMatch(
        /^PASS manual-failover: 8 checks, promotion \d+ ms, lost writes 0\n1 of 1 scenarios passed; reports in /,
      );
      expect(
        JSON.parse(readFileSync(path.join(dir, 'reports', 'manual-failover', 'report.json'), 'utf8')).verdict,
      ).toBe('pass');

      const wrong = path.join(dir, 'wrong-roles.yaml');
      await writeFile(
        wrong,
        'cluster: { create: }\nworkload: { warmup: 200ms, clients: 5 }\nsteps:\n  - assert: { roles: { "Master[0]": replica } }\n',
      );
      const fail = await runScript('ci-check.sh', [wrong], env);
      expect(fail.exitCode, fail.stderr).toBe(1);
      expect(fail.stdout).toMatch(
        /^FAIL wrong-roles:\n {2}steps\[0\] assert roles: Master\[0\] \(127\.0\.0\.1:\d+\) is master, expected replica\n0 of 1 scenarios passed/,
      );

      const bad = path.join(dir, 'bad.yaml');
      await writeFile(bad, 'steps:\n  - kil-master\n');
      const usage = await runScript('ci-check.sh', [bad], env);
      expect(usage.exitCode).toBe(2);
      expect(usage.stderr).toMatch(/error: \S+bad\.yaml:2:5: steps\[0\]\.kil-master: unknown step "kil-master"/);
      expect((await readdir(dir)).sort()).toEqual(['bad.yaml', 'reports', 'wrong-roles.yaml']);
    },
  );

  test(
    'soak-ci.sh: a 2-loop soak passes (exit 0, a line per loop, the seed); a bad fault is exit 2; no cluster left',
    { timeout: 90_000 },
    async () => {
      const dir = await stateDir();
      const env = {
        REDIS_DRILL_HOME: dir,
        DRILL_PORT: String(await freePortRange(6)),
        SOAK_LOOPS: '2',
        SOAK_SEED: '5',
        SOAK_OUT: path.join(dir, 'soak'),
      };
      const pass = await runScript('soak-ci.sh', [], env);
      expect(pass.exitCode, pass.stderr).toBe(0);
      expect(pass.stdout).toMatch(
        /^loop 1 (kill|failover) Master\[\d\]: passed, promotion \d+ ms, lost writes 0\nloop 2 /,
      );
      expect(pass.stdout).toMatch(
        /\n2 of 2 loops passed \(seed 5\); repeat: redis-drill soak --loops 2 .*--random-seed 5/,
      );
      expect(JSON.parse(readFileSync(path.join(dir, 'soak', 'report.json'), 'utf8')).soak.seed).toBe(5);
      const bad = await runScript('soak-ci.sh', [], { ...env, SOAK_FAULTS: 'explode' });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/unknown fault "explode"/);
      // The trap destroyed the throw-away cluster.
      expect((await readdir(dir)).filter((f) => !['soak'].includes(f))).toEqual([]);
    },
  );
});
