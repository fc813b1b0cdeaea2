import { describe, expect, test } from 'vitest';
import { type OpenSlot, pickOwner, planRepair } from '../../src/cluster/fix.js';
import type { SlotMapMaster } from '../../src/cluster/slotmap.js';
import { rangeSlots } from '../../src/cluster/slots.js';

const master = (index: number, slotCount: number, up = true): SlotMapMaster => ({
  index,
  id: `id${index}`.padEnd(40, '0'),
  host: '127.0.0.1',
  port: 7000 + index,
  slots: [],
  slotCount,
  up,
  state: up ? 'ok' : 'failing',
  dbsize: 0,
  replicas: [],
});
const [m0, m1, m2] = [master(0, 5461), master(1, 5462), master(2, 5461)];
const masters = [m0, m1, m2];
const counts = (entries: [SlotMapMaster, number][]): Map<string, number> => new Map(entries.map(([m, n]) => [m.id, n]));

describe('planRepair: what cluster fix does with one open slot, as redis-cli decides it', () => {
  test('the owner still migrates to a live importer: the migration is finished there', () => {
    const s: OpenSlot = {
      slot: 100,
      owner: m0,
      migrating: [{ node: m0, to: m1.id }],
      importing: [{ node: m1, from: m0.id }],
    };
    const p = planRepair(
      s,
      masters,
      counts([
        [m0, 3],
        [m1, 5],
      ]),
    );
    expect(p).toMatchObject({ slot: 100, action: 'finished', final: m1, owner: m0, strays: [] });
  });

  test('the target importing from a dead source: rolled back to the owner, the keys that reached the target with it', () => {
    // m0 died mid-migration and m2 (its promoted replica) owns the slot; m1 still imports from m0.
    const s: OpenSlot = { slot: 700, owner: m2, migrating: [], importing: [{ node: m1, from: m0.id }] };
    const p = planRepair(
      s,
      [m1, m2],
      counts([
        [m1, 4],
        [m2, 10],
      ]),
    );
    expect(p).toMatchObject({ action: 'rolled back', final: m2, owner: m2, ownerMigrating: false });
    expect(p.strays).toEqual([m1]);
    expect(p.importingOn).toEqual([m1.id]);
  });

  test('the owner migrates to a node that no longer imports: rolled back, the owner marked as still migrating', () => {
    const s: OpenSlot = { slot: 5, owner: m0, migrating: [{ node: m0, to: m1.id }], importing: [] };
    const p = planRepair(
      s,
      masters,
      counts([
        [m0, 2],
        [m1, 1],
        [m2, 0],
      ]),
    );
    expect(p).toMatchObject({ action: 'rolled back', final: m0, ownerMigrating: true, importingOn: [] });
    expect(p.strays).toEqual([m1]);
  });

  test('nobody serves the open slot: it goes to the master with the most of its keys', () => {
    const s: OpenSlot = {
      slot: 9,
      owner: null,
      migrating: [],
      importing: [{ node: m1, from: 'gone'.padEnd(40, '0') }],
    };
    const p = planRepair(
      s,
      masters,
      counts([
        [m0, 1],
        [m1, 0],
        [m2, 7],
      ]),
    );
    expect(p).toMatchObject({ action: 'rolled back', final: m2 });
    expect(p.strays).toEqual([m0]);
  });
});

describe('pickOwner: an unserved slot goes to the master holding its keys, else to the one with the fewest slots', () => {
  test('keys decide first', () => {
    expect(pickOwner(42, masters, counts([[m1, 3]]))).toEqual({ slot: 42, master: m1, keys: 3 });
  });
  test('no keys anywhere: the fewest slots', () => {
    expect(pickOwner(42, masters, counts([])).master).toBe(m0);
    expect(pickOwner(42, [m1, m2], counts([])).master).toBe(m2);
  });
});

test('rangeSlots lists every slot of the ranges, in order', () => {
  expect(
    rangeSlots([
      [3, 5],
      [9, 9],
    ]),
  ).toEqual([3, 4, 5, 9]);
  expect(rangeSlots([])).toEqual([]);
});
