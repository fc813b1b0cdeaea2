import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DrillEvent } from '../../src/observe/events.js';
import { classifyLogMessage, parseLogLine } from '../../src/observe/log-parser.js';
import { resyncKind } from '../../src/observe/measure.js';

const FIXTURE = readFileSync(new URL('./fixtures/redis-7.0.15-failovers.log', import.meta.url), 'utf8');

/** The fixture's lines of one node (by its pid prefix) as the observer would turn them into events. */
function eventsOf(pid: string, node: string): DrillEvent[] {
  return FIXTURE.split('\n')
    .filter((l) => l.startsWith(`${pid}:`))
    .flatMap((raw) => {
      const line = parseLogLine(raw);
      const ev = line && classifyLogMessage(line.message, line.role);
      return line && ev
        ? [{ at: line.time, tMs: 0, node, source: 'log' as const, kind: ev.kind, detail: ev.detail }]
        : [];
    });
}

/** How a rejoin resynchronized, from real Redis 7.0.15 log lines. */
describe('resyncKind', () => {
  const partial = eventsOf('10276', '127.0.0.1:23000');
  const full = eventsOf('10283', '127.0.0.1:23003');
  const t0 = 0;

  it('a demoted master that the backlog served: partial', () => {
    expect(resyncKind(partial, ['127.0.0.1:23000'], t0)).toBe('partial');
  });

  it('a replica that had to take an RDB of the whole data set: full', () => {
    expect(resyncKind(full, ['127.0.0.1:23003'], t0)).toBe('full');
  });

  it('full wins over partial among several replicas; other nodes and earlier lines do not count', () => {
    const all = [...partial, ...full];
    expect(resyncKind(all, ['127.0.0.1:23000', '127.0.0.1:23003'], t0)).toBe('full');
    expect(resyncKind(all, ['127.0.0.1:9999'], t0)).toBe('unknown');
    expect(resyncKind(all, ['127.0.0.1:23000'], Number.MAX_SAFE_INTEGER)).toBe('unknown');
  });
});
