import type { SlotMap, SlotMapMaster } from '../../src/cluster/slotmap.js';
import type { DrillReport, Measured, SoakLoopRow, SoakSection } from '../../src/report/model.js';
import type { WindowStats } from '../../src/workload/stats.js';

/**
 * A whole DrillReport without servers, for the renderers' unit tests: a
 * soak of 4 loops on 3 masters (127.0.0.1:7000-7002, replicas 7003-7005)
 * whose first fault hit a replica, its loops 2 s apart, so loop 3's fault,
 * FAIL, restart and rejoin land within a second. Overrides replace whole
 * top-level fields.
 */

const HOST = '127.0.0.1';
const idOf = (port: number): string => port.toString(16).padStart(40, '0');
const m = (value: number | null, unit: Measured['unit'], source = 'fixture'): Measured => ({ value, unit, source });

function master(index: number, slots: [number, number]): SlotMapMaster {
  const port = 7000 + index;
  return {
    index,
    id: idOf(port),
    host: HOST,
    port,
    slots: [slots],
    slotCount: slots[1] - slots[0] + 1,
    up: true,
    state: 'ok',
    dbsize: 100,
    replicas: [{ id: idOf(port + 3), host: HOST, port: port + 3, up: true, dbsize: 100, linkUp: true, lagBytes: 0 }],
  };
}

export const fixtureSlotMap = (): SlotMap => ({
  masters: [master(0, [0, 5460]), master(1, [5461, 10922]), master(2, [10923, 16383])],
  uncovered: [],
  totalKeys: 300,
  totalKeysComplete: true,
  slotsCovered: 16384,
  agreed: true,
  disagreeing: [],
  unreachable: [],
});

/** 12 s of 100 ms windows: a dip with errors after each loop's fault. */
function windows(faultsMs: readonly number[]): WindowStats[] {
  return Array.from({ length: 120 }, (_, i) => {
    const tMs = i * 100;
    const hit = faultsMs.some((f) => tMs >= f && tMs < f + 400);
    return {
      tMs,
      ops: hit ? 200 : 2500 + ((i * 37) % 300),
      errors: hit ? 12 : 0,
      p50Ms: 1,
      p99Ms: hit ? 40 : 3 + (i % 4),
      maxMs: hit ? 80 : 9,
      errorsByClass: hit ? { timeout: 12 } : {},
    };
  });
}

const LOOPS: { fault: string; victim: number; role: 'master' | 'replica'; atMs: number }[] = [
  { fault: 'kill', victim: 7004, role: 'replica', atMs: 1000 },
  { fault: 'kill', victim: 7000, role: 'master', atMs: 3500 },
  { fault: 'kill', victim: 7001, role: 'master', atMs: 6000 },
  { fault: 'freeze', victim: 7002, role: 'master', atMs: 8500 },
];

function soakSection(): SoakSection {
  const dist = { count: 3, min: 450, p50: 460, p90: 480, max: 480, histogram: [] };
  const rows: SoakLoopRow[] = LOOPS.map((l, i) => ({
    loop: i + 1,
    fault: l.fault,
    target: 'random-node',
    victim: `${HOST}:${l.victim}`,
    victimRole: l.role,
    promoted: l.role === 'master' ? `${HOST}:${l.victim + 3}` : null,
    promotionMs: l.role === 'master' ? 450 + i * 10 : null,
    promotionSource: l.role === 'master' ? 'log' : null,
    rejoinMs: 60,
    victimUnavailableMs: l.role === 'master' ? 470 : null,
    othersUnavailableMs: 0,
    lostWrites: 0,
    startMs: l.atMs,
    endMs: l.atMs + 2500,
    outcome: 'passed',
    anomalies: [],
    rssMb: 120,
  }));
  return {
    seed: 7,
    loops: 4,
    loopsRun: 4,
    faults: 'kill,freeze',
    target: 'random-node',
    intervalMs: 500,
    rows,
    distributions: [{ fault: 'all', promotionMs: dist, rejoinMs: dist, victimUnavailableMs: dist }],
    resources: {
      method: 'fixture',
      peakRssMb: 130,
      firstLoopRssMb: 120,
      lastLoopRssMb: 121,
      firstLoopHeapMb: 17,
      lastLoopHeapMb: 18,
      cpuMs: 4000,
      samples: [],
      observer: {
        intervalMs: 50,
        nodes: 6,
        polls: 1200,
        medianGapMs: 50,
        p99GapMs: 60,
        maxGapMs: 80,
        maxGapNode: `${HOST}:7000`,
        medianAnswerMs: 1,
        p99AnswerMs: 3,
        eventLoopDelayP99Ms: 2,
        mainLoopDelayP99Ms: 3,
        method: 'fixture',
      },
    },
    firstFailedLoop: null,
    reproduce: 'redis-drill soak --loops 4 --faults kill,freeze --targets random-node --random-seed 7',
    sources: { promotionMs: 'fixture', rejoinMs: 'fixture', unavailableMs: 'fixture', lostWrites: 'fixture' },
  };
}

/** Each loop's fault, FAIL, promotion (a master's loop), restore and rejoin, as the soak's markers are labelled. */
function markers(): DrillReport['markers'] {
  return LOOPS.flatMap((l, i) => {
    const loop = `loop ${i + 1}`;
    return [
      { label: `${loop}: fault`, tMs: l.atMs },
      { label: 'FAIL', tMs: l.atMs + 380 },
      ...(l.role === 'master' ? [{ label: 'promotion', tMs: l.atMs + 450 + i * 10 }] : []),
      { label: `${loop}: ${l.fault === 'freeze' ? 'resume' : 'restart'}`, tMs: l.atMs + 600 },
      { label: 'rejoin', tMs: l.atMs + 660 },
    ];
  }).sort((a, b) => a.tMs - b.tMs);
}

export function fixtureReport(overrides: Partial<DrillReport> = {}): DrillReport {
  const first = LOOPS[0]!;
  const probe = (index: number, victim: boolean): NonNullable<DrillReport['availability']>['masters'][number] => {
    const own = LOOPS.filter((l) => l.role === 'master' && l.victim === 7000 + index);
    return {
      index,
      label: `Master[${index}] ${HOST}:${7000 + index}`,
      id: idOf(7000 + index),
      slots: [],
      key: `probe:${index}`,
      slot: index * 5461,
      writes: 1200,
      failed: own.length * 9,
      failedByClass: own.length ? { timeout: own.length * 9 } : {},
      longestGap: {
        ms: own.length ? 470 : 20,
        fromMs: own[0]?.atMs ?? 0,
        toMs: (own[0]?.atMs ?? 0) + 470,
        boundMs: 20,
        ownerLagMs: 0,
      },
      firstFailureMs: own[0] ? own[0].atMs + 10 : null,
      lastFailureMs: own[0] ? own[0].atMs + 460 : null,
      outages: own.map((l) => ({ fromMs: l.atMs, toMs: l.atMs + 470 })),
      outagesDropped: 0,
      failures: [],
      failuresDropped: 0,
      sendDelay: { maxMs: 2, p99Ms: 1, missed: 0 },
      victim,
    };
  };
  const report: DrillReport = {
    schemaVersion: 1,
    generatedAt: '2024-01-01T00:00:00.000Z',
    tool: { name: 'redis-drill', version: '0.1.0' },
    setup: {
      cluster: 'default',
      server: 'redis-server 7.0.15',
      nodeTimeoutMs: m(1000, 'ms'),
      persistence: 'aof',
      masters: 3,
      replicas: 3,
      clock: 'one local clock',
    },
    fault: {
      kind: 'kill',
      how: 'SIGKILL',
      victim: { id: idOf(first.victim), host: HOST, port: first.victim },
      at: '2024-01-01T00:00:01.000Z',
    },
    slotMapBefore: fixtureSlotMap(),
    slotMapAfter: fixtureSlotMap(),
    timelineFrom: 'start',
    timeline: [
      { tMs: 1000, at: 1000, node: `${HOST}:7004`, source: 'scenario', kind: 'fault', detail: 'SIGKILL (a replica)' },
    ],
    promotion: { promoted: { id: idOf(7003), host: HOST, port: 7003 }, ms: m(460, 'ms') },
    rejoin: { node: `${HOST}:7004`, role: 'replica', master: `${HOST}:7001`, ms: m(60, 'ms'), resync: 'partial' },
    client: {
      mode: 'closed loop',
      clients: 20,
      ops: m(290000, 'ops'),
      errors: m(192, 'ops'),
      errorsByClass: { timeout: 192 },
      lastErrors: { timeout: 'Command timed out' },
      restarts: [],
      unavailableVictimSlots: m(480, 'ms'),
      unavailableAll: m(300, 'ms'),
      phases: {
        before: { fromMs: 0, toMs: 1000, opsPerSec: m(26000, 'ops/s'), errors: 0, latency: null },
        during: { fromMs: 1000, toMs: 11000, opsPerSec: m(24000, 'ops/s'), errors: 192, latency: null },
        after: { fromMs: 11000, toMs: 12000, opsPerSec: m(26000, 'ops/s'), errors: 0, latency: null },
      },
      windows: windows(LOOPS.filter((l) => l.role === 'master').map((l) => l.atMs)),
      clientOptions: {},
    },
    availability: {
      method: 'fixture',
      intervalMs: 10,
      deadlineMs: 1000,
      victimUnavailable: m(null, 'ms'),
      othersUnavailable: m(470, 'ms'),
      masters: [probe(0, false), probe(1, false), probe(2, false)],
      sendDelay: { maxMs: 2, p99Ms: 1, missed: 0 },
    },
    witness: null,
    partition: null,
    consistency: null,
    keys: {
      by: 'shard',
      before: { '0': 1001, '1': 998, '2': 1001 },
      after: { '0': 1450, '1': 1432, '2': 1460 },
      expiring: { '0': 0, '1': 0, '2': 0 },
      method: 'DBSIZE of each shard master',
    },
    writeLog: null,
    sentinel: null,
    lock: null,
    pubsub: null,
    programs: [],
    migrations: [],
    soak: soakSection(),
    fixes: [],
    logs: [],
    markers: markers(),
    checks: [{ name: 'loop 1: settled', passed: true, detail: 'all 6 nodes answer' }],
    verdict: 'pass',
    scenario: { name: 'soak', file: null, builtIn: true, description: 'built in: 4 loops', steps: [] },
  };
  return { ...report, ...overrides };
}
