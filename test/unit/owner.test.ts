import { describe, expect, test } from 'vitest';
import { keySlot } from '../../src/cluster/keys.js';
import { parseClusterNodes } from '../../src/cluster/nodes-parser.js';
import { keyInRanges, slotOwner } from '../../src/cluster/owner.js';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { describeError } from '../../src/ui/errors.js';
import { UsageError } from '../../src/errors.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function probe(port: number, nodes: string): NodeProbe {
  return {
    address: { host: '127.0.0.1', port },
    up: true,
    error: null,
    view: parseClusterNodes(nodes),
    clusterInfo: null,
    replication: null,
    dbsize: null,
  };
}

describe('who serves a slot now (for the write probe)', () => {
  test('the claim with the highest config epoch wins: a promoted replica over the master it replaced', () => {
    const old = `${A} 127.0.0.1:7000@17000 master,fail - 0 0 1 disconnected 0-5460\n${B} 127.0.0.1:7003@17003 myself,slave ${A} 0 0 1 connected\n`;
    const fresh = `${B} 127.0.0.1:7003@17003 myself,master - 0 0 7 connected 0-5460\n${A} 127.0.0.1:7000@17000 master,fail - 0 0 1 disconnected\n`;
    expect(slotOwner([probe(7003, old)], 100)).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(slotOwner([probe(7001, old), probe(7003, fresh)], 100)).toEqual({ host: '127.0.0.1', port: 7003 });
  });

  test('nobody known: null; a node that is down says nothing', () => {
    const view = `${C} 127.0.0.1:7002@17002 myself,master - 0 0 3 connected 10923-16383\n`;
    expect(slotOwner([probe(7002, view)], 100)).toBeNull();
    expect(slotOwner([{ ...probe(7002, view), up: false }], 12000)).toBeNull();
    expect(slotOwner([probe(7002, view)], 12000)).toEqual({ host: '127.0.0.1', port: 7002 });
  });

  test('a key in any slot ranges, even a single slot', () => {
    for (const ranges of [[[0, 5460]], [[10923, 16383]], [[4242, 4242]]] as [number, number][][]) {
      const { key, slot } = keyInRanges(ranges, 'drill:probe:0:');
      expect(keySlot(key)).toBe(slot);
      expect(slot).toBeGreaterThanOrEqual(ranges[0]![0]);
      expect(slot).toBeLessThanOrEqual(ranges[0]![1]);
    }
  });
});

describe('exit codes of errors', () => {
  test('a bug (any error that is not one of ours) is exit 70 "internal error", never 1', () => {
    const r = describeError(new TypeError("Cannot read properties of undefined (reading 'x')"), false);
    expect(r.exitCode).toBe(70);
    expect(r.lines[0]).toBe("internal error: Cannot read properties of undefined (reading 'x')");
    expect(r.lines[1]).toMatch(/bug in redis-drill; run again with --verbose/);
    expect(describeError(new TypeError('x'), true).lines.some((l) => l.includes('TypeError: x'))).toBe(true);
    expect(describeError(new UsageError('bad'), false).exitCode).toBe(2);
  });
});
