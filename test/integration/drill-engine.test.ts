import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { raw } from '../helpers/raw.js';

describe('the drill engine measures availability per master and watches on one connection per node', () => {
  test("kill drill: the victim's slots are unwritable from the fault to about the promotion; the others only while cluster_state was fail", async () => {
    const dir = await stateDir();
    const out = path.join(dir, 'report');
    const port = await freePortRange(6);
    const create = await runCli(['cluster', 'create', '--port', String(port), '--node-timeout', '1000'], {
      stateDir: dir,
    });
    expect(create.exitCode, create.stderr).toBe(0);
    try {
      // The observer's connections, sampled on a node that is not the victim while the drill runs.
      const watched = port + 1;
      const drill = spawnCli(
        [
          'failover-report',
          '--fault',
          'kill',
          '--warmup',
          '1s',
          '--settle',
          '500ms',
          '--clients',
          '20',
          '--format',
          'json',
          '--out',
          out,
        ],
        { stateDir: dir },
      );
      const observerConnections: number[] = [];
      let sampling = true;
      void drill.finally(() => (sampling = false));
      while (sampling) {
        const list = await raw(watched, (r) => r.call('CLIENT', 'LIST')).catch(() => '');
        observerConnections.push(
          String(list)
            .split('\n')
            .filter((l) => /\bname=redis-drill:observer\b/.test(l)).length,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await drill;
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(Math.max(...observerConnections)).toBe(1);
      expect(observerConnections.filter((n) => n === 1).length).toBeGreaterThan(10);

      const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
      const a = report.availability;
      const victim = a.masters.find((m: any) => m.victim);
      const others = a.masters.filter((m: any) => !m.victim);
      expect(victim.id).toBe(report.fault.victim.id);
      expect(a.victimUnavailable.value).toBe(victim.longestGap.ms);
      // At least the promotion time, less one probe deadline: the fault's time is taken as SIGKILL goes out, and on a busy
      // machine the dying process may still acknowledge a write or two (43 ms after it was seen in CI)...
      expect(victim.longestGap.ms).toBeGreaterThanOrEqual(report.promotion.ms.value - a.deadlineMs);
      // ...and at most the deadline of the promotion wait.
      expect(victim.longestGap.ms).toBeLessThanOrEqual(3 * 1000 + 10_000);
      expect(victim.failed).toBeGreaterThan(0);

      // The other masters: every failed write lies in the window the cluster said it was failing
      // (first "cluster_state fail" to last "cluster_state ok" on the timeline), give or take one
      // probe deadline and one poll.
      const faultMarker = report.markers.find((m: any) => m.label === 'fault');
      const loadStart = Date.parse(report.fault.at) - faultMarker.tMs;
      const states = report.timeline.filter(
        (e: any) => e.kind === 'cluster-state' && e.at >= Date.parse(report.fault.at),
      );
      const failFrom = Math.min(...states.filter((e: any) => /fail/.test(e.detail)).map((e: any) => e.at)) - loadStart;
      const okTo = Math.max(...states.filter((e: any) => /ok/.test(e.detail)).map((e: any) => e.at)) - loadStart;
      expect(Number.isFinite(failFrom) && Number.isFinite(okTo)).toBe(true);
      const margin = a.deadlineMs + 60;
      // What each node said about the cluster's state, for a failure's message (a window that missed a node's own flip).
      const flips = states.map((e: any) => `${e.at - loadStart} ${e.node} ${e.source} ${e.detail}`).join('; ');
      for (const m of others) {
        const said = `${m.label} outages ${JSON.stringify(m.outages)}; fail window ${failFrom}..${okTo}; first failures ${JSON.stringify(m.failures.slice(0, 3))}; cluster-state events: ${flips}; its log: ${clusterLog(dir, m.label)}`;
        // An outage that starts in the window ends once that master's writes succeed again. The window ends when a
        // poll saw ok, and on a busy host polls come late: its end may be up to 500 ms past (286 ms seen).
        const late = 500;
        const inWindow = (t: number) => t >= failFrom - margin && t <= okTo + margin;
        for (const o of m.outages.filter((x: any) => inWindow(x.fromMs)))
          expect(o.toMs, said).toBeLessThanOrEqual(okTo + margin + late);
        // Outside the window, only stalls: a busy machine can keep a healthy server from answering within the probe's
        // deadline (one of 83 ms in a full suite run on two cores; three of 57-110 ms on a host twice as slow). Each
        // is a timeout and far shorter than the victim's outage, which lasts until the promotion (seconds).
        for (const o of m.outages.filter((x: any) => !inWindow(x.fromMs)))
          expect(o.toMs - o.fromMs, said).toBeLessThan(3 * a.deadlineMs);
        const outside = m.failures.filter((f: any) => f.tMs < failFrom - margin || f.tMs > okTo + margin + late);
        expect(new Set(outside.map((f: any) => f.cls)), said).toEqual(new Set(outside.length ? ['timeout'] : []));
        expect(m.longestGap.ms).toBeLessThanOrEqual(okTo - failFrom + 2 * margin + late);
        expect(Object.keys(m.failedByClass).every((k) => k === 'CLUSTERDOWN' || k === 'timeout')).toBe(true);
      }
      // The closed-loop load's own figure is there too, and says what it is.
      expect(report.client.unavailableVictimSlots.source).toMatch(/closed loop, client side/);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});

describe('--via debug-sleep on a stock server', () => {
  test('DEBUG is refused (enable-debug-command no): exit 3 within the node deadline, naming the option and the alternatives; nothing is broken', async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const create = await runCli(['cluster', 'create', '--port', String(port), '--node-timeout', '1000'], {
      stateDir: dir,
    });
    expect(create.exitCode, create.stderr).toBe(0);
    try {
      const r = await runCli(
        ['--seed', `127.0.0.1:${port}`, '--timeout', '1000', 'cluster', 'kill-master', '--via', 'debug-sleep'],
        { stateDir: dir },
      );
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/refuses DEBUG .*--via debug-sleep cannot freeze it/);
      expect(r.stderr).toMatch(/hint: .*enable-debug-command.*--via shutdown.*redis-drill cluster failover/);
      // Not the 13 s wait for a promotion (3 x node timeout + 10 s): the refusal ends it. 8 s leaves room for a busy
      // machine (3.9 s seen in CI: a CLI start, the seed's discovery and the probes, each slower there).
      expect(r.durationMs).toBeLessThan(8000);
      // Nothing happened to the cluster.
      const state = await raw(port, (c) => c.call('CLUSTER', 'INFO'));
      expect(String(state)).toMatch(/cluster_state:ok/);
    } finally {
      await runCli(['cluster', 'destroy'], { stateDir: dir });
    }
  });
});

describe('a load that never recovers is a failed check', () => {
  test(
    'a master killed with no replica allowed to take over and nothing waited for: "load recovered" fails with the client\'s last errors (exit 1)',
    { timeout: 60_000 },
    async () => {
      const dir = await stateDir();
      const file = path.join(dir, 'unserved.yaml');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        file,
        [
          'cluster:',
          '  create: { node-timeout: 1000, config: { cluster-replica-no-failover: "yes" } }',
          'workload: { warmup: 300ms, clients: 5 }',
          'steps:',
          '  - kill-master: 0',
          '',
        ].join('\n'),
      );
      const port = await freePortRange(6);
      const r = await runCli(
        ['scenario', 'run', file, '--port', String(port), '--out', path.join(dir, 'out'), '--format', 'json'],
        { stateDir: dir },
      );
      expect(r.exitCode, r.stderr).toBe(1);
      const report = JSON.parse(readFileSync(path.join(dir, 'out', 'report.json'), 'utf8'));
      const check = report.checks.find((c: any) => c.name === 'load recovered');
      expect(check.passed).toBe(false);
      expect(check.detail).toMatch(
        /no full second without errors in the 15000 ms after the last step: the client's last errors: \w/,
      );
      expect(report.verdict).toBe('fail');
    },
  );
});

/** The cluster-related lines of a node's redis.log (found by its port under the state directory), for a failure's message. */
function clusterLog(dir: string, label: string): string {
  const port = /:(\d+)/.exec(label)?.[1];
  const file = readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((f) =>
    f.endsWith(`${port}${path.sep}redis.log`),
  );
  if (!file) return `(no redis.log for port ${port} under ${dir})`;
  const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
  return lines
    .filter((l) => /Cluster state|FAIL|Marking|Clear|epoch|[Ff]ailover|minority/.test(l))
    .slice(-40)
    .join(' | ');
}
