import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Host } from '../../src/hosts/host.js';
import { Observer } from '../../src/observe/observer.js';
import type { Clock } from '../../src/util/clock.js';

// No node is ever polled here: start() is not called, so the observer only
// reads logs (through a fake host) and orders events.
const FIXTURE = readFileSync(new URL('./fixtures/redis-7.0.15-failovers.log', import.meta.url), 'utf8');
const SECTION = FIXTURE.split('### node ')
  .find((s) => s.startsWith('127.0.0.1-23003'))!
  .split('\n')
  .slice(1)
  .join('\n');
const NODE = { host: '127.0.0.1', port: 23003 };
/** 09:55:53.043, when 23003 logged "Manual failover user request accepted". */
const FAULT = new Date(2026, 10, 21, 9, 55, 53, 43).getTime();

const clockAt = (now: number): Clock => ({ now: () => now, sleep: async () => undefined });
const hostWith = (text: string): Host =>
  ({ readFrom: async () => ({ text, size: Buffer.byteLength(text) }) }) as unknown as Host;

function observer(): Observer {
  return new Observer([{ address: NODE, log: { host: hostWith(SECTION), path: '/x/redis.log' } }], {
    connect: { timeoutMs: 100 },
    clock: clockAt(FAULT),
  });
}

describe('Observer timeline from a real log', () => {
  it('turns the log into events in time order, counted from the fault', async () => {
    const o = observer();
    expect(o.markFault()).toBe(FAULT);
    const events = await o.stop();
    expect(events.map((e) => e.kind)).toEqual([
      'sync-started',
      'full-resync',
      'sync-finished',
      'cluster-state',
      'fault',
      'manual-failover-accepted',
      'election-delayed',
      'election-started',
      'election-won',
      'config-epoch',
      'master-link-lost',
      'partial-resync',
      'fail-received',
      'cluster-state',
      'vote-granted',
      'cluster-state',
      'fail-cleared',
    ]);
    const won = events.find((e) => e.kind === 'election-won')!;
    expect(won).toMatchObject({ tMs: 2, node: '127.0.0.1:23003', source: 'log', logTime: FAULT + 2 });
    expect(won.raw).toBe("10283:S 21 Nov 2026 09:55:53.045 # Failover election won: I'm the new master.");
    expect(events.find((e) => e.kind === 'sync-started')!.tMs).toBe(-2083);
    expect(events.find((e) => e.kind === 'fail-cleared')!.tMs).toBe(5569);
  });

  it('quotes the raw lines of a window, to the millisecond', async () => {
    const o = observer();
    await o.stop();
    const lines = o.logLines(NODE, FAULT + 2, FAULT + 2);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.every((l) => /09:55:53\.04[456] /.test(l))).toBe(true);
    expect(lines).toContain('10283:S 21 Nov 2026 09:55:53.045 # configEpoch set to 7 after successful failover');
    expect(o.logLines({ host: '127.0.0.1', port: 1 }, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });
});

describe('Observer.timeline', () => {
  it('sorts pushed events by time and rounds tMs from the fault', () => {
    const o = new Observer([], { connect: { timeoutMs: 100 }, clock: clockAt(1000) });
    o.markFault();
    o.events.push({ tMs: 0, at: 1500.6, node: 'a', source: 'poll', kind: 'promoted', detail: '' });
    o.events.push({ tMs: 0, at: 900, node: 'a', source: 'poll', kind: 'pfail', detail: '' });
    expect(o.timeline().map((e) => [e.kind, e.tMs])).toEqual([
      ['pfail', -100],
      ['fault', 0],
      ['promoted', 501],
    ]);
  });
});
