import { describe, expect, it } from 'vitest';
import { MAX_KEYS_PER_MIGRATE, adapt } from '../../src/cluster/migrate.js';
import {
  type SlotRange,
  countSlots,
  formatRanges,
  slotsText,
  withoutSlots,
  normalizeRanges,
  rangesContain,
  rangesEqual,
  uncoveredRanges,
} from '../../src/cluster/slots.js';

describe('countSlots', () => {
  it('counts inclusive ranges', () => {
    expect(countSlots([])).toBe(0);
    expect(countSlots([[0, 16383]])).toBe(16384);
    expect(
      countSlots([
        [0, 5460],
        [7, 7],
      ]),
    ).toBe(5462);
  });
});

describe('normalizeRanges', () => {
  it('merges adjacent ranges', () => {
    expect(
      normalizeRanges([
        [0, 5],
        [6, 9],
      ]),
    ).toEqual([[0, 9]]);
  });

  it('merges overlapping and contained ranges', () => {
    expect(
      normalizeRanges([
        [0, 100],
        [50, 150],
        [60, 70],
      ]),
    ).toEqual([[0, 150]]);
  });

  it('sorts unsorted input and keeps gaps', () => {
    expect(
      normalizeRanges([
        [300, 400],
        [0, 100],
        [200, 200],
        [101, 150],
      ]),
    ).toEqual([
      [0, 150],
      [200, 200],
      [300, 400],
    ]);
  });

  it('does not modify its input', () => {
    const input: SlotRange[] = [
      [6, 9],
      [0, 5],
    ];
    normalizeRanges(input);
    expect(input).toEqual([
      [6, 9],
      [0, 5],
    ]);
  });
});

describe('uncoveredRanges', () => {
  it('returns everything when nothing is covered', () => {
    expect(uncoveredRanges([])).toEqual([[0, 16383]]);
  });

  it('returns nothing when all is covered, however split', () => {
    expect(
      uncoveredRanges([
        [10923, 16383],
        [0, 5460],
        [5461, 10922],
      ]),
    ).toEqual([]);
  });

  it('finds holes at the start, in the middle and at the end', () => {
    expect(
      uncoveredRanges([
        [0, 99],
        [200, 16383],
      ]),
    ).toEqual([[100, 199]]);
    expect(uncoveredRanges([[10, 16383]])).toEqual([[0, 9]]);
    expect(uncoveredRanges([[0, 16000]])).toEqual([[16001, 16383]]);
    expect(
      uncoveredRanges([
        [5, 10],
        [20, 16380],
      ]),
    ).toEqual([
      [0, 4],
      [11, 19],
      [16381, 16383],
    ]);
  });
});

describe('formatRanges', () => {
  it('prints ranges as Redis does, single slots without a dash', () => {
    expect(
      formatRanges([
        [0, 5460],
        [7000, 7000],
        [8000, 8001],
      ]),
    ).toBe('0-5460,7000,8000-8001');
  });

  it('prints - for no slots', () => {
    expect(formatRanges([])).toBe('-');
  });
});

describe('rangesEqual', () => {
  it('compares after normalizing', () => {
    expect(
      rangesEqual(
        [
          [0, 100],
          [101, 200],
        ],
        [[0, 200]],
      ),
    ).toBe(true);
    expect(
      rangesEqual(
        [
          [5, 9],
          [0, 4],
        ],
        [[0, 9]],
      ),
    ).toBe(true);
    expect(rangesEqual([], [])).toBe(true);
  });

  it('tells different slot sets apart', () => {
    expect(rangesEqual([[0, 100]], [[0, 101]])).toBe(false);
    expect(
      rangesEqual(
        [[0, 100]],
        [
          [0, 50],
          [52, 100],
        ],
      ),
    ).toBe(false);
    expect(rangesEqual([[0, 100]], [])).toBe(false);
  });
});

describe('rangesContain', () => {
  const ranges: SlotRange[] = [
    [0, 10],
    [20, 20],
  ];
  it.each([
    [0, true],
    [10, true],
    [11, false],
    [20, true],
    [21, false],
  ])('slot %i -> %s', (slot, expected) => {
    expect(rangesContain(ranges, slot)).toBe(expected);
  });

  it('is false for no ranges', () => {
    expect(rangesContain([], 0)).toBe(false);
  });
});

describe('slot lists', () => {
  it('slotsText writes slot numbers as ranges', () => {
    expect(slotsText([515, 512, 513, 514, 900])).toBe('512-515,900');
    expect(slotsText([])).toBe('-');
  });
  it('withoutSlots takes slots out of ranges, splitting them', () => {
    expect(
      withoutSlots(
        [
          [0, 10],
          [20, 30],
        ],
        [0, 1, 5, 30],
      ),
    ).toEqual([
      [2, 4],
      [6, 10],
      [20, 29],
    ]);
    expect(withoutSlots([[0, 3]], [0, 1, 2, 3])).toEqual([]);
  });
});

describe('keys per MIGRATE for a heavy slot', () => {
  it('grows x4 while rounds are fast, halves when slow, within --pipeline and 10 000', () => {
    expect(adapt(100, 100, 5)).toBe(400);
    expect(adapt(4000, 100, 5)).toBe(MAX_KEYS_PER_MIGRATE);
    expect(adapt(400, 100, 60)).toBe(400);
    expect(adapt(400, 100, 400)).toBe(200);
    expect(adapt(150, 100, 400)).toBe(100);
  });
});
