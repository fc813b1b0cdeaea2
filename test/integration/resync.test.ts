import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';

/**
 * A replica frozen past repl-timeout loses its link; resumed, it asks for a
 * partial resync, which the master's backlog serves when it still holds the
 * writes made meanwhile, and refuses (a full resync) when it is too small.
 */
async function frozenReplica(backlog: string): Promise<any> {
  const dir = await stateDir();
  const port = await freePortRange(6);
  const file = path.join(dir, 'backlog.yaml');
  await writeFile(
    file,
    [
      'cluster:',
      `  create: { masters: 3, replicas: 1, port: ${port}, node-timeout: 1000, config: { repl-timeout: 2, repl-backlog-size: ${backlog} } }`,
      'workload: { clients: 20, warmup: 1s }',
      'steps:',
      '  - freeze: { node: "Node[3]", as: r }',
      '  - wait-for: { elapsed: 5s }',
      '  - resume-node: r',
      '  - wait-for: { rejoin: r }',
      '',
    ].join('\n'),
  );
  const out = path.join(dir, 'report');
  const r = await runCli(['scenario', 'run', file, '--format', 'json', '--out', out], {
    stateDir: dir,
    timeoutMs: 90_000,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
}

describe('how a resumed replica resynchronized (real servers)', () => {
  test('the default backlog (1 MB) covers 5 s of writes: partial', { timeout: 120_000 }, async () => {
    const report = await frozenReplica('1mb');
    expect(report.rejoin.resync).toBe('partial');
  });

  test(
    'a 16 kB backlog does not: full, and the rejoin is timed from the resync, not the stale link',
    { timeout: 120_000 },
    async () => {
      const report = await frozenReplica('16kb');
      expect(report.rejoin.resync).toBe('full');
      // The replica's "link up" right after SIGCONT is its old one; the rejoin ends at the sync's own log line.
      const resumed = report.timeline.find((e: any) => e.kind === 'fault' && /SIGCONT/.test(e.detail));
      const finished = report.timeline.find(
        (e: any) => e.node === report.rejoin.node && e.kind === 'sync-finished' && e.tMs >= resumed.tMs,
      );
      expect(finished).toBeDefined();
      // (Both times are rounded to the ms on their own: 1 ms apart at most.)
      expect(Math.abs(report.rejoin.ms.value - (finished.tMs - resumed.tMs))).toBeLessThanOrEqual(1);
    },
  );
});
