import { describe, expect, it } from 'vitest';
import { planPlacement, planSlots } from '../../src/cluster/plan.js';

describe('planSlots', () => {
  // Expected values come from redis-cli's clusterManagerCommandCreate loop
  // (float step = 16384/n, float cursor, last = lround(cursor + step - 1)),
  // compiled in C and run for each n.
  it.each([
    [1, [[0, 16383]]],
    [
      2,
      [
        [0, 8191],
        [8192, 16383],
      ],
    ],
    [
      3,
      [
        [0, 5460],
        [5461, 10922],
        [10923, 16383],
      ],
    ],
    [
      4,
      [
        [0, 4095],
        [4096, 8191],
        [8192, 12287],
        [12288, 16383],
      ],
    ],
    [
      5,
      [
        [0, 3276],
        [3277, 6553],
        [6554, 9829],
        [9830, 13106],
        [13107, 16383],
      ],
    ],
    [
      6,
      [
        [0, 2730],
        [2731, 5460],
        [5461, 8191],
        [8192, 10922],
        [10923, 13652],
        [13653, 16383],
      ],
    ],
    [
      7,
      [
        [0, 2340],
        [2341, 4680],
        [4681, 7021],
        [7022, 9361],
        [9362, 11702],
        [11703, 14042],
        [14043, 16383],
      ],
    ],
    [
      10,
      [
        [0, 1637],
        [1638, 3276],
        [3277, 4914],
        [4915, 6553],
        [6554, 8191],
        [8192, 9829],
        [9830, 11468],
        [11469, 13106],
        [13107, 14745],
        [14746, 16383],
      ],
    ],
  ])('splits like redis-cli for %i masters', (n, expected) => {
    expect(planSlots(n)).toEqual(expected);
  });

  it('matches redis-cli at the edges of a 200-master split', () => {
    const r = planSlots(200);
    expect(r.slice(0, 2)).toEqual([
      [0, 81],
      [82, 163],
    ]);
    expect(r.slice(-2)).toEqual([
      [16220, 16301],
      [16302, 16383],
    ]);
  });

  it('covers 0..16383 contiguously with sizes differing by at most 1, for 3..200 masters', () => {
    for (let n = 3; n <= 200; n++) {
      const ranges = planSlots(n);
      expect(ranges).toHaveLength(n);
      expect(ranges[0]![0]).toBe(0);
      expect(ranges[n - 1]![1]).toBe(16383);
      ranges.forEach(([s, e], i) => {
        expect(e).toBeGreaterThanOrEqual(s);
        if (i > 0) expect(s).toBe(ranges[i - 1]![1] + 1);
      });
      const sizes = ranges.map(([s, e]) => e - s + 1);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(16384);
      expect(Math.max(...sizes) - Math.min(...sizes), `n=${n}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([0, -1, 1.5, 16385, Number.NaN])('throws RangeError for %s masters', (n) => {
    expect(() => planSlots(n)).toThrow(RangeError);
  });
});

const hosts = (...names: string[]) => names.map((host) => ({ host }));

describe('planPlacement on one host', () => {
  it('makes the first M nodes masters and replica k follow master k mod M', () => {
    const p = planPlacement(hosts(...Array<string>(9).fill('local')), 3, 2);
    expect(p.masters).toEqual([0, 1, 2]);
    expect(p.replicasOf).toEqual([
      [3, 6],
      [4, 7],
      [5, 8],
    ]);
  });

  it('reports every replica as sharing its master host', () => {
    const p = planPlacement(hosts(...Array<string>(6).fill('local')), 3, 1);
    expect(p.sameHostPairs).toEqual([
      { master: 0, replica: 3 },
      { master: 1, replica: 4 },
      { master: 2, replica: 5 },
    ]);
  });

  it('has no replicas and no pairs with replicas=0', () => {
    const p = planPlacement(hosts('h', 'h', 'h'), 3, 0);
    expect(p).toEqual({ masters: [0, 1, 2], replicasOf: [[], [], []], sameHostPairs: [] });
  });
});

describe('planPlacement on several hosts', () => {
  it('spreads masters one per host first, in input order', () => {
    const p = planPlacement(hosts('a', 'a', 'b', 'b'), 2, 1);
    expect(p.masters).toEqual([0, 2]);
    expect(p.replicasOf).toEqual([[3], [1]]);
    expect(p.sameHostPairs).toEqual([]);
  });

  it('keeps every replica off its master host with 2 hosts, 2 masters x 1 replica', () => {
    const nodes = hosts('a', 'b', 'a', 'b');
    const p = planPlacement(nodes, 2, 1);
    expect(p.masters).toEqual([0, 1]);
    p.masters.forEach((m, i) => {
      for (const r of p.replicasOf[i]!) expect(nodes[r]!.host).not.toBe(nodes[m]!.host);
    });
    expect(p.sameHostPairs).toEqual([]);
  });

  it('uses every node exactly once', () => {
    const nodes = hosts('a', 'b', 'c', 'd', 'a', 'b', 'c', 'd');
    const p = planPlacement(nodes, 4, 1);
    const used = [...p.masters, ...p.replicasOf.flat()].sort((x, y) => x - y);
    expect(used).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(p.masters.map((m) => nodes[m]!.host)).size).toBe(4);
    expect(p.sameHostPairs).toEqual([]);
  });

  it.each([
    ['a', 'b', 'c', 'a', 'b', 'c'],
    ['a', 'a', 'b', 'b', 'c', 'c'],
  ])('keeps replicas off their master host with 3 hosts x 2 nodes (%s,%s,%s,...)', (...names) => {
    const nodes = hosts(...names);
    const p = planPlacement(nodes, 3, 1);
    expect(new Set(p.masters.map((m) => nodes[m]!.host)).size).toBe(3);
    expect(p.sameHostPairs).toEqual([]);
    p.masters.forEach((m, i) => expect(nodes[p.replicasOf[i]![0]!]!.host).not.toBe(nodes[m]!.host));
  });

  it('throws when the node count does not match masters x (1 + replicas)', () => {
    expect(() => planPlacement(hosts('a', 'b', 'c', 'd', 'e'), 3, 1)).toThrow(/need 6 nodes/);
    expect(() => planPlacement(hosts('a', 'b', 'c', 'd', 'e', 'f', 'g'), 3, 1)).toThrow(RangeError);
  });
});
