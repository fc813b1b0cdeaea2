import { describe, expect, it } from 'vitest';
import { availableFaults, buildSchedule, generator, parseFaults, parseTarget } from '../../src/soak/schedule.js';
import { distribution } from '../../src/soak/section.js';
import { loopSteps, soakSpec } from '../../src/soak/spec.js';
import { LOAD_DEFAULTS } from '../../src/drill/spec.js';

const base = {
  loops: 50,
  faults: parseFaults('kill=3,failover=1'),
  target: 'any-master' as const,
  masters: 3,
  nodes: 6,
  intervalMs: 2000,
};

describe('soak schedule', () => {
  it('reads faults with weights, and names unknown or repeated ones', () => {
    expect(parseFaults('kill=3,failover')).toEqual([
      { fault: 'kill', weight: 3 },
      { fault: 'failover', weight: 1 },
    ]);
    expect(() => parseFaults('kill,kil')).toThrow(/unknown fault "kil"/);
    expect(() => parseFaults('kill=0')).toThrow(/whole number from 1/);
    expect(() => parseFaults('kill,kill=2')).toThrow(/listed twice/);
    expect(parseTarget('Master[2]')).toBe(2);
    expect(parseTarget('any-master')).toBe('any-master');
    expect(parseTarget('random-node')).toBe('random-node');
    expect(() => parseTarget('random')).toThrow(/any-master, random-node or Master\[N\]/);
  });

  it('partition without root: refused (exit 3) before anything starts, or left out with --skip-unavailable', () => {
    const mix = parseFaults('kill,partition=2');
    expect(availableFaults(mix, { mayChangeFirewall: true, skipUnavailable: false }).faults).toEqual(mix);
    expect(() => availableFaults(mix, { mayChangeFirewall: false, skipUnavailable: false })).toThrow(/needs root/);
    expect(availableFaults(mix, { mayChangeFirewall: false, skipUnavailable: true })).toEqual({
      faults: [{ fault: 'kill', weight: 1 }],
      dropped: ['partition'],
    });
    expect(() =>
      availableFaults(parseFaults('partition'), { mayChangeFirewall: false, skipUnavailable: true }),
    ).toThrow(/leaves no fault/);
    expect(availableFaults(parseFaults('kill'), { mayChangeFirewall: false, skipUnavailable: false }).dropped).toEqual(
      [],
    );
  });

  it('the same seed gives the same schedule; another seed another one', () => {
    expect(buildSchedule({ ...base, seed: 7 })).toEqual(buildSchedule({ ...base, seed: 7 }));
    expect(buildSchedule({ ...base, seed: 8 })).not.toEqual(buildSchedule({ ...base, seed: 7 }));
    const g = generator(1);
    const xs = Array.from({ length: 1000 }, () => g());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('follows the weights, the target and the jitter bounds', () => {
    const s = buildSchedule({ ...base, loops: 400, seed: 3 });
    const kills = s.filter((l) => l.fault === 'kill').length;
    expect(kills / 400).toBeGreaterThan(0.65);
    expect(kills / 400).toBeLessThan(0.85);
    expect(new Set(s.map((l) => l.master))).toEqual(new Set([0, 1, 2]));
    expect(s.every((l) => l.pauseMs >= 1600 && l.pauseMs <= 2400)).toBe(true);
    expect(buildSchedule({ ...base, target: 1, seed: 3 }).every((l) => l.master === 1)).toBe(true);
    expect(() => buildSchedule({ ...base, target: 3, seed: 3 })).toThrow(/Master\[3\] does not exist/);
  });

  it('random-node: every data node, replicas too, except reshard-kill, whose victim must be a master; any-master schedules unchanged', () => {
    const s = buildSchedule({
      ...base,
      loops: 400,
      seed: 3,
      target: 'random-node',
      faults: parseFaults('kill=3,reshard-kill'),
    });
    const byNode = s.filter((l) => l.fault === 'kill');
    expect(new Set(byNode.map((l) => l.node))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(byNode.every((l) => l.master === null && l.target === `Node[${l.node}]`)).toBe(true);
    // reshard-kill is the older spelling of reshard-kill-source: the schedule names the catalogue's fault.
    const reshard = s.filter((l) => l.fault === 'reshard-kill-source');
    expect(reshard.length).toBeGreaterThan(50);
    expect(reshard.every((l) => l.node === null && l.master! < 3 && l.target === `Master[${l.master}]`)).toBe(true);
    // The same draws as any-master: the fault and pause of each loop do not depend on the target.
    const any = buildSchedule({ ...base, loops: 400, seed: 3, faults: parseFaults('kill=3,reshard-kill') });
    expect(s.map((l) => [l.fault, l.pauseMs])).toEqual(any.map((l) => [l.fault, l.pauseMs]));
  });
});

describe('soak spec and figures', () => {
  it('each loop: fault, promotion, restore, rejoin, cluster ok, pause; its checks named after the loop', () => {
    const steps = loopSteps(
      { loop: 4, fault: 'kill', target: 'Master[2]', master: 2, node: null, pauseMs: 100 },
      undefined,
    );
    expect(steps.map((s) => s.step)).toEqual(['kill', 'wait-for', 'restart-node', 'wait-for', 'wait-for', 'wait-for']);
    expect(steps[0]!.options).toEqual({ master: 'Master[2]', as: 'loop4' });
    expect(steps.every((s) => s.label!.startsWith('loop 4: '))).toBe(true);
    // A Node[N] loop: the node's own steps, whatever its role when its turn comes.
    const node = (fault: 'kill' | 'freeze' | 'failover' | 'partition') =>
      loopSteps({ loop: 1, fault, target: 'Node[4]', master: null, node: 4, pauseMs: 100 }, undefined)[0]!;
    expect(node('kill')).toMatchObject({ step: 'kill', options: { node: 'Node[4]', as: 'loop1' } });
    expect(node('freeze')).toMatchObject({ step: 'freeze', options: { node: 'Node[4]' } });
    expect(node('failover')).toMatchObject({ step: 'failover', options: { node: 'Node[4]' } });
    expect(node('partition')).toMatchObject({ step: 'partition', options: { sides: 'Node[4]|' } });
    const spec = soakSpec({
      schedule: buildSchedule({ ...base, loops: 3, seed: 1, faults: parseFaults('kill,reshard-kill') }),
      load: {
        ...LOAD_DEFAULTS,
        rate: undefined,
        kinds: ['kv'],
        lock: { clients: 1, locks: 1, holdMs: 1, ttlMs: 1 },
        pubsub: { channels: 1, mode: 'classic', intervalMs: 1 },
      },
      plan: {
        seed: 1,
        faults: 'kill,reshard-kill',
        target: 'any-master',
        intervalMs: 2000,
        reproduce: '',
        judgeFailoverLoss: true,
        keepGoing: false,
        force: false,
      },
    });
    // Loops follow each other without gaps, after the one populate a reshard-kill needs.
    const loops = spec.soak!.loops;
    expect(spec.steps[0]!.step).toBe('populate');
    expect(loops[0]!.firstStep).toBe(1);
    for (let i = 1; i < loops.length; i++) expect(loops[i]!.firstStep).toBe(loops[i - 1]!.lastStep + 1);
    expect(loops.at(-1)!.lastStep).toBe(spec.steps.length - 1);
  });

  it('distribution: nearest-rank percentiles and a histogram that counts every value', () => {
    const d = distribution([100, null, 300, 200, 400, 1000, 500, 600, 700, 800, 900]);
    expect(d).toMatchObject({ count: 10, min: 100, p50: 500, p90: 900, max: 1000 });
    expect(d.histogram.reduce((n, b) => n + b.count, 0)).toBe(10);
    expect(distribution([null])).toMatchObject({ count: 0, min: null, p50: null });
    expect(distribution([5])).toMatchObject({ count: 1, min: 5, p90: 5, max: 5 });
  });
});

describe('report compare', () => {
  const report = (over: Record<string, unknown>): any => ({
    schemaVersion: 1,
    tool: { name: 'redis-drill', version: 'x' },
    generatedAt: 't',
    verdict: 'pass',
    setup: { server: 'redis-server 7.0.15', nodeTimeoutMs: { value: 1000 }, masters: 3, replicas: 3 },
    fault: { kind: 'kill', how: 'SIGKILL' },
    promotion: { ms: { value: 2000 } },
    rejoin: null,
    availability: null,
    client: {
      unavailableVictimSlots: { value: 900 },
      ops: { value: 1000 },
      errors: { value: 10 },
      phases: { during: { opsPerSec: { value: 500 }, latency: null } },
    },
    writeLog: null,
    consistency: null,
    soak: null,
    ...over,
  });

  it('figures side by side, each later one against the first; figures nobody has are left out', async () => {
    const { compareReports, notAReport } = await import('../../src/report/compare.js');
    const c = compareReports([
      { file: 'a.json', report: report({}) },
      {
        file: 'b.json',
        report: report({
          setup: { server: 'redis-server 7.0.15', nodeTimeoutMs: { value: 5000 }, masters: 3, replicas: 3 },
          promotion: { ms: { value: 6000 } },
        }),
      },
    ]);
    expect(c.reports.map((r) => r.label)).toEqual(['A', 'B']);
    expect(c.figures.find((f) => f.name === 'promotion')).toMatchObject({
      values: [2000, 6000],
      diffs: [null, 4000],
      diffPercents: [null, 200],
    });
    expect(c.figures.find((f) => f.name === 'node timeout')).toMatchObject({
      values: [1000, 5000],
      diffs: [null, 4000],
    });
    expect(c.figures.some((f) => f.name === 'rejoin' || f.name.startsWith('soak'))).toBe(false);
    expect(notAReport({ tool: { name: 'other' } })).toMatch(/not a redis-drill report/);
    expect(notAReport([1])).toMatch(/not a redis-drill report/);
    expect(notAReport(report({ schemaVersion: 2 }))).toMatch(/schemaVersion 2/);
    expect(notAReport(report({}))).toBeNull();
  });
});

describe('observer poll gaps', () => {
  it('bounded 1 ms buckets give the nearest-rank percentiles of the gaps, and the longest with its node', async () => {
    const { GapCounts } = await import('../../src/observe/cadence.js');
    const g = new GapCounts();
    const gaps = [50, 52, 51, 49, 400, 50, 53, 55, 50, 48];
    gaps.forEach((x, i) => g.add(x, `n${i}`));
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(g.percentile(0.5)).toBe(sorted[Math.ceil(0.5 * gaps.length) - 1]);
    expect(g.percentile(0.99)).toBe(400);
    expect([g.count, g.max, g.maxNode]).toEqual([10, 400, 'n4']);
    g.add(120_000, 'slow');
    expect(g.percentile(1)).toBe(60_000);
    expect(g.max).toBe(120_000);
    expect(new GapCounts().percentile(0.5)).toBeNull();
  });
});

describe('soak preflight', () => {
  const master = (index: number, replicas: number): any => ({
    index,
    id: `m${index}`,
    host: '127.0.0.1',
    port: 7000 + index,
    slots: [[index * 100, index * 100 + 99]],
    slotCount: 100,
    up: true,
    state: 'ok',
    dbsize: 0,
    replicas: Array.from({ length: replicas }, (_, i) => ({ id: `r${index}${i}` })),
  });
  const map: any = { masters: [master(0, 1), master(1, 1), master(2, 0)] };
  const plan = (loops: { master: number | null }[], force = false): any => ({
    force,
    loops: loops.map((l, i) => ({
      loop: i + 1,
      fault: 'kill',
      target: l.master === null ? 'Node[0]' : `Master[${l.master}]`,
      master: l.master,
      firstStep: 0,
      lastStep: 0,
    })),
  });
  it('refuses a schedule that would break a master without a replica, unless --force', async () => {
    const { refuseUnreplicatedTargets } = await import('../../src/soak/preflight.js');
    expect(() => refuseUnreplicatedTargets(map, plan([{ master: 0 }, { master: 1 }]))).not.toThrow();
    expect(() => refuseUnreplicatedTargets(map, plan([{ master: 0 }, { master: 2 }]))).toThrow(
      /no replica, so nothing could take over: Master\[2\] 127\.0\.0\.1:7002 \(slots 200-299\)/,
    );
    expect(() => refuseUnreplicatedTargets(map, plan([{ master: null }]))).toThrow(/Master\[2\]/);
    expect(() => refuseUnreplicatedTargets(map, plan([{ master: 2 }], true))).not.toThrow();
  });
});

describe('soak: flaky', () => {
  it('a lossy link for 3 node timeouts, healed, then settled; needs root like partition', () => {
    const steps = loopSteps(
      { loop: 2, fault: 'flaky', target: 'Master[1]', master: 1, node: null, pauseMs: 100 },
      undefined,
    );
    expect(steps.map((s) => [s.step, s.options])).toEqual([
      ['flaky', { master: 'Master[1]', loss: 0.3, as: 'loop2' }],
      ['wait-for', { elapsed: { nodeTimeouts: 3 } }],
      ['heal', {}],
      ['wait-for', { 'cluster-ok': true }],
      ['wait-for', { settled: true }],
      ['wait-for', { duration: 100 }],
    ]);
    expect(() =>
      availableFaults(parseFaults('kill,flaky'), { mayChangeFirewall: false, skipUnavailable: false }),
    ).toThrow(/--faults flaky changes the firewall/);
    expect(
      availableFaults(parseFaults('kill,flaky,partition'), { mayChangeFirewall: false, skipUnavailable: true }).dropped,
    ).toEqual(['flaky', 'partition']);
  });
});
