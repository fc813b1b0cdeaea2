import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

/** failover-report --fault kill-during-sync on a fresh 3x1 cluster; the report as written. */
async function drill(config: string[]): Promise<{ code: number | null; stderr: string; report: any }> {
  const dir = await stateDir();
  const port = await freePortRange(6);
  const out = path.join(dir, 'report');
  try {
    const r = await runCli(
      [
        'failover-report',
        '--create',
        '--port',
        String(port),
        '--node-timeout',
        '1000',
        ...config.flatMap((c) => ['--config', c]),
        '--fault',
        'kill-during-sync',
        '--warmup',
        '500ms',
        '--clients',
        '4',
        '--format',
        'json',
        '--out',
        out,
      ],
      { stateDir: dir },
    );
    return {
      code: r.exitCode,
      stderr: r.stderr,
      report: JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')),
    };
  } finally {
    await runCli(['cluster', 'destroy'], { stateDir: dir });
  }
}

const faultStep = (report: any): any => report.scenario.steps.find((s: any) => s.step === 'kill-during-sync');

/**
 * A master killed while its only replica's first full sync is held back:
 * what Redis Cluster does with a replica that never had the data.
 */
describe('kill-during-sync (real servers)', () => {
  test(
    'by default the replica is not promoted (it never had the data); the master comes back with its keys: nothing lost',
    { timeout: 90_000 },
    async () => {
      const { code, stderr, report } = await drill([]);
      expect(code, stderr).toBe(0);
      expect(report.fault.kind).toBe('kill-during-sync');
      expect(faultStep(report).detail, JSON.stringify(report.checks)).toMatch(
        /full sync from it was held back .* was not promoted in \d+ ms: it never had the master's data/,
      );
      expect(report.checks.find((c: any) => c.name === 'no keys lost').passed).toBe(true);
      // The 20 000 keys the drill wrote first, every one read back.
      expect(report.checks.find((c: any) => c.name === 'keys lost')).toMatchObject({ passed: true });
    },
  );

  test(
    'with cluster-replica-validity-factor 0 the empty replica is promoted, and the shard is lost (exit 1)',
    { timeout: 90_000 },
    async () => {
      const { code, report } = await drill(['cluster-replica-validity-factor=0']);
      expect(code).toBe(1);
      expect(faultStep(report).detail, JSON.stringify(report.checks)).toMatch(
        /was promoted after \d+ ms with \d+ keys \(its master held \d+ when it was killed\)/,
      );
      const lost = report.checks.find((c: any) => c.name === 'keys lost');
      expect(lost.passed, lost.detail).toBe(false);
    },
  );
});
