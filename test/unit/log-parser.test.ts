import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyLogMessage, parseLogLine } from '../../src/observe/log-parser.js';

// Real redis.log lines of a Redis 7.0.15 cluster (3 masters x 1 replica): a
// manual failover (epoch 7), then a killed master and an automatic one (epoch 8).
const FIXTURE = readFileSync(new URL('./fixtures/redis-7.0.15-failovers.log', import.meta.url), 'utf8');
const LINES = FIXTURE.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('###'));
const EVENTS = LINES.map((l) => classifyLogMessage(parseLogLine(l)!.message)).filter((e) => e !== null);

const ID = '3f4b1c2d5e6f708192a3b4c5d6e7f8091a2b3c4d';

describe('parseLogLine', () => {
  it('parses every line of the real Redis 7.0.15 log', () => {
    expect(LINES.length).toBeGreaterThan(200);
    for (const line of LINES) {
      const p = parseLogLine(line);
      expect(p, line).not.toBeNull();
      expect(p!.pid).toBeGreaterThan(0);
      expect(['M', 'S', 'C']).toContain(p!.role);
      expect(['*', '#', '.', '-']).toContain(p!.level);
      expect(p!.message.length).toBeGreaterThan(0);
      expect(Number.isFinite(p!.time)).toBe(true);
    }
  });

  it('splits a line into pid, role, local time to the millisecond, level and message', () => {
    const raw = "10283:S 21 Nov 2026 09:55:53.045 # Failover election won: I'm the new master.";
    expect(parseLogLine(raw)).toEqual({
      pid: 10283,
      role: 'S',
      time: new Date(2026, 10, 21, 9, 55, 53, 45).getTime(),
      level: '#',
      message: "Failover election won: I'm the new master.",
      raw,
    });
  });

  it('keeps the milliseconds: two lines 1 ms apart are 1 ms apart', () => {
    const a = parseLogLine('10283:S 21 Nov 2026 09:55:53.044 # Currently unable to failover')!;
    const b = parseLogLine("10283:S 21 Nov 2026 09:55:53.045 # Failover election won: I'm the new master.")!;
    expect(b.time - a.time).toBe(1);
  });

  it('strips a trailing carriage return', () => {
    const p = parseLogLine('10276:M 21 Nov 2026 09:55:52.856 # Cluster state changed: ok\r');
    expect(p?.message).toBe('Cluster state changed: ok');
    expect(p?.raw.endsWith('\r')).toBe(false);
  });

  it('takes the year from `now` for lines without one (Redis < 3.2)', () => {
    const now = new Date(2019, 5, 1, 12, 0, 0);
    const p = parseLogLine('1234:M 21 Nov 09:55:53.045 * Ready to accept connections', now);
    expect(p?.time).toBe(new Date(2019, 10, 21, 9, 55, 53, 45).getTime());
    expect(p?.role).toBe('M');
    expect(p?.message).toBe('Ready to accept connections');
  });

  it('ignores `now` when the line has its year', () => {
    const p = parseLogLine('1:M 01 Jan 2024 00:00:00.000 * x', new Date(2030, 0, 1));
    expect(p?.time).toBe(new Date(2024, 0, 1).getTime());
  });

  it.each([
    '',
    'hello world',
    '                _._                                                  ',
    '10283:S 21 Foo 2026 09:55:53.045 # bad month',
    '10283:S 21 Nov 2026 09:55:53 # no milliseconds',
    '10283 21 Nov 2026 09:55:53.045 # no role',
    '10283:S 21 Nov 2026 09:55:53.045 ! unknown level',
  ])('returns null for %j', (raw) => {
    expect(parseLogLine(raw)).toBeNull();
  });
});

describe('classifyLogMessage on the real log', () => {
  it('finds every kind of event the fixture contains', () => {
    const kinds = new Set(EVENTS.map((e) => e.kind));
    for (const k of [
      'fail-marked',
      'fail-received',
      'election-delayed',
      'election-started',
      'vote-granted',
      'election-won',
      'config-epoch',
      'cluster-state',
      'manual-failover-accepted',
      'manual-failover-requested',
      'reconfigured-as-replica',
      'sync-started',
      'full-resync',
      'partial-resync',
      'sync-finished',
      'fail-cleared',
      'master-link-lost',
    ] as const) {
      expect(kinds, k).toContain(k);
    }
  });

  it('gives the details of the elections', () => {
    const details = EVENTS.map((e) => e.detail);
    expect(details).toContain('election delayed 0 ms (rank #0, offset 0)');
    expect(details).toContain('election delayed 892 ms (rank #0, offset 0)');
    expect(details).toContain('election started for epoch 7');
    expect(details).toContain('election started for epoch 8');
    expect(details).toContain('configEpoch set to 7');
    expect(details).toContain('voted for 18fc4c67 in epoch 7');
    expect(details).toContain('voted for 43995774 in epoch 8');
    expect(EVENTS.filter((e) => e.kind === 'election-won')).toHaveLength(2);
  });

  it('counts only "after successful failover" as config-epoch', () => {
    expect(EVENTS.filter((e) => e.kind === 'config-epoch').map((e) => e.detail)).toEqual([
      'configEpoch set to 7',
      'configEpoch set to 8',
    ]);
    expect(classifyLogMessage('configEpoch set to 1 via CLUSTER SET-CONFIG-EPOCH')).toBeNull();
  });
});

describe('classifyLogMessage', () => {
  it.each([
    [
      'Marking node 7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2 as failing (quorum reached).',
      'fail-marked',
      'marked 7ebc7a7f as failing (quorum reached)',
    ],
    [
      'FAIL message received from 5c94ee85f831d9240a9589fb6ea496922e3368ef about 7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2',
      'fail-received',
      'FAIL about 7ebc7a7f received from 5c94ee85',
    ],
    ['Cluster state changed: fail', 'cluster-state', 'cluster_state fail'],
    [
      'Full resync from master: 309c02738587656417fcbd3505f39be9ab75ba12:0',
      'full-resync',
      'full resync from master (309c0273...)',
    ],
    [
      'Clear FAIL state for node 7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2: master without slots is reachable again.',
      'fail-cleared',
      'cleared FAIL for 7ebc7a7f: master without slots is reachable again.',
    ],
    [
      'Partial resynchronization request from 127.0.0.1:23000 accepted. Sending 0 bytes of backlog starting from offset 1.',
      'partial-resync',
      'partial resynchronization',
    ],
    ['Manual failover timed out.', 'manual-failover-timeout', 'manual failover timed out'],
    [
      'Failover auth denied to 7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2: its master is up',
      'vote-denied',
      'refused its vote to 7ebc7a7f: its master is up',
    ],
    [
      "Failover auth denied to 7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2 (node-3): can't vote about this master before 1204 milliseconds",
      'vote-denied',
      "refused its vote to 7ebc7a7f: can't vote about this master before 1204 milliseconds",
    ],
  ])('classifies %j', (message, kind, detail) => {
    expect(classifyLogMessage(message)).toEqual({ kind, detail });
  });

  it.each([
    ['MASTER <-> SLAVE sync started', 'sync-started'],
    ['MASTER <-> SLAVE sync: Finished with success', 'sync-finished'],
    ['MASTER <-> SLAVE sync: Master accepted a Partial Resynchronization.', 'partial-resync'],
    [`Configuration change detected. Reconfiguring myself as a slave of ${ID}`, 'reconfigured-as-replica'],
    [`Manual failover requested by slave ${ID}.`, 'manual-failover-requested'],
  ])('classifies the older "slave" wording %j', (message, kind) => {
    expect(classifyLogMessage(message)?.kind).toBe(kind);
  });

  it('names the new master of the older wording by its id prefix', () => {
    expect(classifyLogMessage(`Configuration change detected. Reconfiguring myself as a slave of ${ID}`)?.detail).toBe(
      'reconfigured as a replica of 3f4b1c2d',
    );
    expect(classifyLogMessage(`Manual failover requested by slave ${ID}.`)?.detail).toBe(
      'manual failover requested by 3f4b1c2d',
    );
  });

  it.each([
    'Background AOF rewrite finished successfully',
    'Partial resynchronization not accepted: Replication ID mismatch',
    'Connection with replica 127.0.0.1:23003 lost.',
    'Ready to accept connections',
    'Currently unable to failover: Waiting for votes, but majority still not reached.',
    'MASTER <-> REPLICA sync: Loading DB in memory',
  ])('returns null for the non-event %j', (message) => {
    expect(classifyLogMessage(message)).toBeNull();
  });
});
