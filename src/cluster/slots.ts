/** Slot ranges as Redis prints them: inclusive [start, end] pairs. */
export const SLOT_COUNT = 16384;

export type SlotRange = [start: number, end: number];

/** The master that serves `slot` in a slot map, or undefined for an uncovered slot. */
export function ownerOf<M extends { slots: readonly SlotRange[] }>(
  map: { masters: readonly M[] },
  slot: number,
): M | undefined {
  return map.masters.find((m) => m.slots.some(([s, e]) => slot >= s && slot <= e));
}

/** Number of slots in a list of ranges. */
export function countSlots(ranges: readonly SlotRange[]): number {
  return ranges.reduce((n, [s, e]) => n + (e - s + 1), 0);
}

/** Sorts and merges adjacent or overlapping ranges: [[0,5],[6,9]] -> [[0,9]]. */
export function normalizeRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: SlotRange[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The slots in 0..16383 not covered by any of the given ranges. */
export function uncoveredRanges(covered: readonly SlotRange[]): SlotRange[] {
  const out: SlotRange[] = [];
  let next = 0;
  for (const [s, e] of normalizeRanges(covered)) {
    if (s > next) out.push([next, s - 1]);
    next = Math.max(next, e + 1);
  }
  if (next < SLOT_COUNT) out.push([next, SLOT_COUNT - 1]);
  return out;
}

export function formatRanges(ranges: readonly SlotRange[]): string {
  if (ranges.length === 0) return '-';
  return ranges.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(',');
}

export function rangesEqual(a: readonly SlotRange[], b: readonly SlotRange[]): boolean {
  const x = normalizeRanges(a);
  const y = normalizeRanges(b);
  return x.length === y.length && x.every(([s, e], i) => s === y[i]?.[0] && e === y[i]?.[1]);
}

export function rangesContain(ranges: readonly SlotRange[], slot: number): boolean {
  return ranges.some(([s, e]) => slot >= s && slot <= e);
}

/** Slot numbers as ranges (512-767,900). Pure. */
export function slotsText(slots: readonly number[]): string {
  return formatRanges(normalizeRanges(slots.map((x) => [x, x])));
}

/** Every slot of some ranges, in order. Pure. */
export function rangeSlots(ranges: readonly SlotRange[]): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

/** The ranges less some slots. Pure. */
export function withoutSlots(ranges: readonly SlotRange[], slots: readonly number[]): SlotRange[] {
  const drop = new Set(slots);
  return normalizeRanges(
    rangeSlots(ranges)
      .filter((s) => !drop.has(s))
      .map((s) => [s, s]),
  );
}
