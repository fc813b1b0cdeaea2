import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { sentinelCreateArgs } from '../helpers/cluster.js';
import { shapeChecker } from '../helpers/json-shape-check.js';
import { logLineTime } from '../helpers/log-time.js';
import { freePortRange } from '../helpers/ports.js';
import { freezeOnceRunning, liveServersUnder } from '../helpers/processes.js';
import { raw } from '../helpers/raw.js';

// The JSON of the drills below is checked against docs/json.md here, instead of running them again in json-shapes-sentinel.
const { expectShape } = shapeChecker('sentinel-drills');

const call = (port: number, ...args: (string | number)[]): Promise<unknown> =>
  raw(port, (r) => r.call(String(args[0]), ...args.slice(1)));

/** A deployment on free ports: data nodes from `port`, sentinels from `port + 3` (six consecutive free ports). */
async function deployment(extra: string[] = []) {
  const dir = await stateDir();
  const port = await freePortRange(6);
  const created = await runJson<any>(['sentinel', 'create', ...sentinelCreateArgs(port, extra)], { stateDir: dir });
  return { dir, port, sentinelPorts: [port + 3, port + 4, port + 5], created };
}

describe('sentinel create, status, kill-master, restart-node (real servers and sentinels)', () => {
  let d: Awaited<ReturnType<typeof deployment>>;
  beforeAll(async () => {
    d = await deployment();
  });
  afterAll(async () => {
    if (d) await runCli(['sentinel', 'destroy'], { stateDir: d.dir });
  });

  test('create: every sentinel knows the master, both replicas and the other sentinels; CKQUORUM OK; replicas in sync (raw commands)', async () => {
    expect(d.created.result.exitCode, d.created.result.stderr).toBe(0);
    const j = d.created.json;
    expect(j).toMatchObject({ kind: 'sentinel', masterName: 'mymaster', quorum: 2, downAfterMs: 2000 });
    expect(new Set(j.sentinels.map((s: any) => s.id)).size).toBe(3);
    for (const s of d.sentinelPorts) {
      expect(String(await call(s, 'SENTINEL', 'CKQUORUM', 'mymaster'))).toMatch(/^OK 3 usable Sentinels/);
      expect((await call(s, 'SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).toHaveLength(2);
      expect((await call(s, 'SENTINEL', 'SENTINELS', 'mymaster')) as unknown[]).toHaveLength(2);
      expect(await call(s, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual(['127.0.0.1', String(d.port)]);
    }
    expect(((await call(d.port, 'ROLE')) as unknown[])[0]).toBe('master');
    for (const r of [d.port + 1, d.port + 2]) {
      const role = (await call(r, 'ROLE')) as unknown[];
      expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', d.port, 'connected']);
    }
    // Each sentinel's config file is its own (written, and kept writable for Sentinel's rewrites), with its own id.
    for (const s of j.sentinels)
      expect(readFileSync(path.join(s.dir, 'sentinel.conf'), 'utf8')).toContain(`sentinel myid ${s.id}`);
    const status = await runJson<any>(['sentinel', 'status'], { stateDir: d.dir });
    expect(status.json).toMatchObject({ master: `127.0.0.1:${d.port}`, agreed: true });
    expect(status.json.sentinels.every((s: any) => s.replicas === 2 && s.otherSentinels === 2)).toBe(true);
  });

  test('kill-master: every sentinel names a former replica, the other replica follows it; timed from +switch-master (within 50 ms of the log); restart: the old master ends a replica', async () => {
    const { result, json } = await runJson<any>(['sentinel', 'kill-master'], { stateDir: d.dir });
    expect(result.exitCode, result.stderr).toBe(0);
    expectShape('sentinel kill-master', json);
    const promoted = `${json.promoted.host}:${json.promoted.port}`;
    expect([`127.0.0.1:${d.port + 1}`, `127.0.0.1:${d.port + 2}`]).toContain(promoted);
    for (const s of d.sentinelPorts)
      expect(await call(s, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual([
        json.promoted.host,
        String(json.promoted.port),
      ]);
    const other = json.promoted.port === d.port + 1 ? d.port + 2 : d.port + 1;
    // The other replica is reconfigured by the leader (a moment after +switch-master).
    let role: unknown[] = [];
    for (let i = 0; i < 100 && !(role[0] === 'slave' && role[2] === json.promoted.port); i++) {
      role = (await call(other, 'ROLE')) as unknown[];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(role[0]).toBe('slave');
    expect(role[2]).toBe(json.promoted.port);
    expect(json.promotionSource).toBe('log');
    expect(json.masterModeMs).toBeGreaterThan(0);
    const switches = d.created.json.sentinels.flatMap((s: any) =>
      readFileSync(path.join(s.dir, 'redis.log'), 'utf8')
        .split('\n')
        .filter((l: string) => l.includes('+switch-master')),
    );
    const first = Math.min(...switches.map(logLineTime));
    expect(Math.abs(first - Date.parse(json.faultAt) - json.promotionMs)).toBeLessThanOrEqual(50);

    // Restarted, the old master is a master again until Sentinel converts it; then a replica of the new one.
    const back = await runJson<any>(['sentinel', 'restart-node', `127.0.0.1:${d.port}`], { stateDir: d.dir });
    expect(back.result.exitCode, back.result.stderr).toBe(0);
    expectShape('sentinel restart-node', back.json);
    expect(back.json.events.some((e: any) => e.kind === 'convert-to-replica')).toBe(true);
    const oldRole = (await call(d.port, 'ROLE')) as unknown[];
    expect(oldRole[0]).toBe('slave');
    expect(oldRole[2]).toBe(json.promoted.port);
  });

  test('freeze and resume through the shared faults; slotmap is refused, populate writes to the master; cluster commands name the right group', async () => {
    const frozen = await runJson<any>(['sentinel', 'kill-master', '--signal', 'freeze'], { stateDir: d.dir });
    expect(frozen.result.exitCode, frozen.result.stderr).toBe(0);
    expect(frozen.json.promoted).not.toBeNull();
    const resumed = await runJson<any>(['sentinel', 'resume-node', `127.0.0.1:${frozen.json.victim.port}`], {
      stateDir: d.dir,
    });
    expect(resumed.result.exitCode, resumed.result.stderr).toBe(0);
    expectShape('sentinel resume-node', resumed.json);
    expect(((await call(frozen.json.victim.port, 'ROLE')) as unknown[])[0]).toBe('slave');

    const slotmap = await runCli(['slotmap'], { stateDir: d.dir });
    expect(slotmap.exitCode).toBe(2);
    expect(slotmap.stderr).toMatch(/is a Sentinel deployment: one master holds every key/);
    const populated = await runJson<any>(['populate', '--keys', '500'], { stateDir: d.dir });
    expect(populated.result.exitCode, populated.result.stderr).toBe(0);
    expect(populated.json.written).toBe(500);
    expect(populated.json.masters).toHaveLength(1);
    const wrong = await runCli(['cluster', 'kill-master'], { stateDir: d.dir });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/is a Sentinel deployment, not a Redis Cluster/);
    expect(wrong.stderr).toMatch(/redis-drill sentinel \.\.\./);
  });
});

describe('Sentinel drills with the load running', () => {
  test('sentinel failover-report --fault failover: roles swap; the load rides through (ioredis in Sentinel mode); lost writes reported, not judged', async () => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const out = path.join(dir, 'r');
    const { result, json } = await runJson<any>(
      [
        'sentinel',
        'failover-report',
        '--create',
        '--port',
        String(port),
        '--sentinel-port',
        String(port + 3),
        '--fault',
        'failover',
        '--warmup',
        '1s',
        '--settle',
        '500ms',
        '--clients',
        '10',
        '--format',
        'json',
        '--out',
        out,
      ],
      { stateDir: dir },
    );
    try {
      expect(result.exitCode, result.stderr).toBe(0);
      expectShape('sentinel failover-report', json);
      expect(json.checks.map((c: any) => c.name)).toEqual([
        'promotion',
        'old master is a replica',
        'load recovered',
        'no keys lost',
        'no unexpected failover',
      ]);
      expect(json.sentinel.switchMaster.value).toBeGreaterThan(0);
      expect(json.client.ops.value).toBeGreaterThan(1000);
      expect(json.writeLog.acknowledged).toBeGreaterThan(0);
      expect(json.consistency.unreadable).toBe(0);
      expect(((await call(json.fault.victim.port, 'ROLE')) as unknown[])[0]).toBe('slave');
    } finally {
      await runCli(['sentinel', 'destroy'], { stateDir: dir });
    }
  });

  test('replicas that may never be promoted (replica-priority 0): SENTINEL FAILOVER answers -NOGOODSLAVE (exit 1 with the reply); a kill drill ends with the aborted failover in the report (exit 1)', async () => {
    const d = await deployment(['--config', 'replica-priority=0']);
    try {
      expect(d.created.result.exitCode, d.created.result.stderr).toBe(0);
      const r = await runCli(['sentinel', 'failover'], { stateDir: d.dir });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/SENTINEL FAILOVER mymaster was refused: NOGOODSLAVE/);
      const drill = await runJson<any>(
        [
          'sentinel',
          'failover-report',
          '--fault',
          'kill',
          '--deadline',
          '4000',
          '--warmup',
          '300ms',
          '--clients',
          '4',
          '--format',
          'json',
          '--out',
          path.join(d.dir, 'r'),
        ],
        { stateDir: d.dir },
      );
      expect(drill.result.exitCode).toBe(1);
      expect(drill.json.checks.find((c: any) => c.name === 'promotion')).toMatchObject({ passed: false });
      const aborted = drill.json.checks.find((c: any) => c.name === 'no failover aborted');
      expect(aborted).toMatchObject({ passed: false });
      expect(aborted.detail).toMatch(/-failover-abort-no-good-slave/);
      expect(drill.json.sentinel.aborts.length).toBeGreaterThan(0);
    } finally {
      await runCli(['sentinel', 'destroy'], { stateDir: d.dir });
    }
  });
});

describe('sentinel create refuses bad input (exit 2) and environment problems (exit 3), leaving nothing', () => {
  test.each([
    [['--replicas', '0'], 2, /--replicas must be at least 1/],
    [['--sentinels', '0'], 2, /--sentinels must be at least 1/],
    [['--quorum', '4'], 2, /--quorum 4 does not fit 3 sentinel\(s\)/],
    [['--master-name', 'my master'], 2, /bad --master-name/],
  ])('%j', async (args, code, message) => {
    const dir = await stateDir();
    const port = await freePortRange(6);
    const r = await runCli(
      ['sentinel', 'create', '--port', String(port), '--sentinel-port', String(port + 3), ...args],
      { stateDir: dir },
    );
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(await liveServersUnder(dir)).toEqual([]);
  });

  test('a sentinel port or a data port in use is named; Ctrl-C during create stops everything (exit 130)', async () => {
    const net = await import('node:net');
    const dir = await stateDir();
    const port = await freePortRange(6);
    for (const [busy, what] of [
      [port + 4, `client port ${port + 4}`],
      [port + 1, `client port ${port + 1}`],
    ] as const) {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: busy }, () => r()));
      try {
        const r = await runCli(['sentinel', 'create', '--port', String(port), '--sentinel-port', String(port + 3)], {
          stateDir: dir,
        });
        expect(r.exitCode).toBe(3);
        expect(r.stderr).toContain(`${what} on 127.0.0.1 is already in use`);
        expect(await liveServersUnder(dir)).toEqual([]);
      } finally {
        blocker.close();
      }
    }
    // The master, frozen as soon as it runs, holds the create (its replicas never link) however
    // slow this test is to send the Ctrl-C; what is stopped then includes a frozen process.
    const small = await freePortRange(6);
    const child = spawnCli(['sentinel', 'create', '--port', String(small), '--sentinel-port', String(small + 3)], {
      stateDir: dir,
    });
    await freezeOnceRunning(path.join(dir, 'default', 'nodes', `127.0.0.1-${small}`, 'redis.pid'));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(await liveServersUnder(dir)).toEqual([]);
  });
});
