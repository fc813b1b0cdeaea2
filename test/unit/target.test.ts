import { describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import type { SlotMap, SlotMapMaster } from '../../src/cluster/slotmap.js';
import type { SlotRange } from '../../src/cluster/slots.js';
import { type KnownNode, selectMaster, selectNode } from '../../src/faults/target.js';

const ID0 = '5c94ee85f831d9240a9589fb6ea496922e3368ef';
const ID1 = '7ebc7a7f23bf4599e5ea5f8f12dd67dbb51bf0b2';
const ID2 = 'f997d19e6ac0e47412bf2d31c092c883befa4756';
// A node id whose first characters are all decimal digits (about 1 id in 6 for 4 characters).
const DIGITS = '439957741f0e798973bb231939be99e1d8d0c665';

function master(index: number, id: string, port: number, slots: SlotRange[]): SlotMapMaster {
  const slotCount = slots.reduce((n, [s, e]) => n + e - s + 1, 0);
  return { index, id, host: '127.0.0.1', port, slots, slotCount, up: true, state: 'ok', dbsize: 0, replicas: [] };
}

function mapOf(masters: SlotMapMaster[]): SlotMap {
  return {
    masters,
    uncovered: [],
    totalKeys: 0,
    totalKeysComplete: true,
    slotsCovered: 16384,
    agreed: true,
    disagreeing: [],
    unreachable: [],
  };
}

const MAP = mapOf([
  master(0, ID0, 7000, [[0, 5460]]),
  master(1, ID1, 7001, [[5461, 10922]]),
  master(2, ID2, 7002, [[10923, 16383]]),
  // A failed-over master that lost its slots: never a target.
  master(3, 'aaaa000000000000000000000000000000000000', 7006, []),
]);

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).exitCode).toBe(2);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('selectMaster', () => {
  it('defaults to Master[0]', () => {
    expect(selectMaster(MAP, {}).id).toBe(ID0);
  });

  it('says no node could be asked (exit 3), not "no master matches", when no master answered with slots', () => {
    const none = mapOf([master(0, ID0, 7000, [])]);
    expect(() => selectMaster(none, { master: '0' })).toThrow(EnvironmentError);
    expect(() => selectMaster(mapOf([]), {})).toThrow(/no master answered with its slots/);
  });

  it.each([
    ['1', ID1],
    ['Master[1]', ID1],
    ['master[2]', ID2],
    [' 2 ', ID2],
  ])('selects by index %j', (text, id) => {
    expect(selectMaster(MAP, { master: text }).id).toBe(id);
  });

  it('selects by node-id prefix of 4 or more hex characters', () => {
    expect(selectMaster(MAP, { master: '7ebc' }).id).toBe(ID1);
    expect(selectMaster(MAP, { master: ID2 }).id).toBe(ID2);
  });

  it('refuses a node-id prefix shorter than 4 characters', () => {
    usageError(() => selectMaster(MAP, { master: '7eb' }));
  });

  it('selects by an id prefix made only of digits when no master has that index', () => {
    const map = mapOf([master(0, ID0, 7000, [[0, 8191]]), master(1, DIGITS, 7001, [[8192, 16383]])]);
    expect(selectMaster(map, { master: '43995774' }).id).toBe(DIGITS);
    // A small number is still an index.
    expect(selectMaster(map, { master: '1' }).id).toBe(DIGITS);
  });

  it('selects by host:port', () => {
    expect(selectMaster(MAP, { master: '127.0.0.1:7001' }).id).toBe(ID1);
  });

  it('selects the owner of a slot', () => {
    expect(selectMaster(MAP, { slot: 5461 }).id).toBe(ID1);
    expect(selectMaster(MAP, { slot: 5460 }).id).toBe(ID0);
    expect(selectMaster(MAP, { slot: 16383 }).id).toBe(ID2);
  });

  it('selects the owner of a key ("foo" is slot 12182)', () => {
    expect(selectMaster(MAP, { key: 'foo' }).id).toBe(ID2);
    expect(selectMaster(MAP, { key: '{user1}.a' }).id).toBe(selectMaster(MAP, { key: 'user1' }).id);
  });

  it.each(['3', 'Master[7]', 'abcd', '127.0.0.1:7999'])('names every master when nothing matches %j', (text) => {
    const e = usageError(() => selectMaster(MAP, { master: text }));
    expect(e.message).toContain(text);
    expect(e.hint).toContain('Master[0] 127.0.0.1:7000 5c94ee85 (slots 0-5460)');
    expect(e.hint).toContain('Master[1] 127.0.0.1:7001 7ebc7a7f (slots 5461-10922)');
    expect(e.hint).toContain('Master[2] 127.0.0.1:7002 f997d19e (slots 10923-16383)');
    expect(e.hint).not.toContain('7006');
  });

  it('never selects a master without slots', () => {
    usageError(() => selectMaster(MAP, { master: '127.0.0.1:7006' }));
    usageError(() => selectMaster(MAP, { master: 'aaaa' }));
  });

  it('refuses an ambiguous id prefix', () => {
    const map = mapOf([
      master(0, ID0, 7000, [[0, 8191]]),
      master(1, `${ID0.slice(0, 6)}${'0'.repeat(34)}`, 7001, [[8192, 16383]]),
    ]);
    const e = usageError(() => selectMaster(map, { master: '5c94' }));
    expect(e.message).toContain('matches 2 masters');
    expect(selectMaster(map, { master: '5c94ee85' }).id).toBe(ID0);
  });

  it('refuses a slot or key nobody covers', () => {
    const map = mapOf([master(0, ID0, 7000, [[0, 5460]]), master(1, ID1, 7001, [[5461, 10922]])]);
    expect(usageError(() => selectMaster(map, { slot: 16000 })).message).toContain('slot 16000');
    expect(usageError(() => selectMaster(map, { key: 'foo' })).message).toContain('slot 12182 (key "foo")');
  });
});

describe('selectNode', () => {
  const NODES: KnownNode[] = [
    { host: '127.0.0.1', port: 7000, id: ID0 },
    { host: '127.0.0.1', port: 7001, id: ID1 },
    { host: '127.0.0.1', port: 7002, id: null },
  ];

  it('selects by host:port, even a node whose id is unknown', () => {
    expect(selectNode(NODES, '127.0.0.1:7001')).toBe(NODES[1]);
    expect(selectNode(NODES, '127.0.0.1:7002')).toBe(NODES[2]);
  });

  it('selects by node-id prefix', () => {
    expect(selectNode(NODES, '5c94ee')).toBe(NODES[0]);
  });

  it('lists the nodes when nothing matches', () => {
    for (const text of ['127.0.0.1:7999', 'ffff', '5c9', 'node-1']) {
      const e = usageError(() => selectNode(NODES, text));
      expect(e.message).toContain(text);
      expect(e.hint).toContain('127.0.0.1:7000 (5c94ee85), 127.0.0.1:7001 (7ebc7a7f), 127.0.0.1:7002');
    }
  });

  it('refuses an ambiguous id prefix', () => {
    const nodes = [...NODES, { host: '127.0.0.1', port: 7003, id: `${ID0.slice(0, 5)}${'1'.repeat(35)}` }];
    expect(usageError(() => selectNode(nodes, '5c94')).message).toContain('matches 2 nodes');
  });
});
