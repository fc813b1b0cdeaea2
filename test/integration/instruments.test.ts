import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, runJson, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

/** Live witness processes (the --witness children), found by their command line. */
async function witnesses(): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (cmd.includes('instruments/witness.js') && !/\) Z /.test(stat)) found.push(Number(pid));
  }
  return found;
}

describe('the instruments are apart from the main thread, and a witness checks them', () => {
  test(
    "a kill drill whose main thread is blocked 500 ms right after the fault: the probe keeps its schedule, and each master's figure is within 100 ms of an independent witness's",
    { timeout: 120_000 },
    async () => {
      const dir = await stateDir();
      const port = await freePortRange(6);
      const { result, json: r } = await runJson<any>(
        [
          'failover-report',
          '--create',
          '--port',
          String(port),
          '--node-timeout',
          '1000',
          '--warmup',
          '1s',
          '--settle',
          '500ms',
          '--witness',
          '--format',
          'json',
          '--out',
          path.join(dir, 'report'),
        ],
        { stateDir: dir, env: { REDIS_DRILL_TEST_BLOCK_MAIN_MS: '500' } },
      );
      try {
        expect(result.exitCode, result.stderr).toBe(0);
        // The main thread was busy 500 ms right after the fault; the probe's own thread was not: had the block
        // reached it, a write would have gone out 500 ms late. (What is left is the machine's own scheduling:
        // the suite runs several files at once on two cores, and a user's machine may be as busy.)
        expect(r.availability.sendDelay.maxMs).toBeLessThan(250);
        expect(r.witness.masters).toHaveLength(3);
        for (const w of r.witness.masters) {
          const p = r.availability.masters.find((m: any) => m.index === w.index);
          expect(w.attempts).toBeGreaterThan(500);
          const allowed = Math.max(100, 0.1 * w.longestGap.ms);
          expect(
            Math.abs(p.longestGap.ms - w.longestGap.ms),
            `${w.label}: probe ${p.longestGap.ms} ms, witness ${w.longestGap.ms} ms`,
          ).toBeLessThanOrEqual(allowed);
        }
        // The victim's slots were unwritable about as long as the promotion took; the figure has its bound.
        expect(r.availability.victimUnavailable.value).toBeGreaterThan(800);
        // It ended on the promoted replica, which the probe learnt of from the observer's polls: that lag is in it.
        const victim = r.availability.masters.find((m: any) => m.victim);
        expect(victim.longestGap.ownerLagMs).toBeGreaterThan(0);
        expect(r.availability.victimUnavailable.bound.ms).toBe(victim.longestGap.boundMs);
        // Within the witness's tolerance: at most 100 ms, or 10% of the figure.
        expect(r.availability.victimUnavailable.bound.ms).toBeLessThanOrEqual(
          Math.max(100, 0.1 * r.availability.victimUnavailable.value),
        );
        // Every witness process ended with the drill.
        expect(await witnesses()).toEqual([]);
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: dir });
      }
    },
  );

  test('--witness prints both figures side by side', { timeout: 120_000 }, async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const r = await runCli(
      [
        'failover-report',
        '--create',
        '--port',
        String(port),
        '--node-timeout',
        '1000',
        '--warmup',
        '500ms',
        '--settle',
        '300ms',
        '--witness',
        '--format',
        'md',
        '--out',
        path.join(dir, 'r'),
      ],
      { stateDir: dir },
    );
    try {
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /Longest span without a successful write, the probe and an independent witness:\n {2}Master\[0\] \S+: probe \d+ ms, witness \d+ ms \(difference [+-]\d+ ms\)\n {2}Master\[1\]/,
      );
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});
