import { describe, expect, test } from 'vitest';
import { steadySecond } from '../../src/drill/load-set.js';

/** A load as the steady check sees it: counts per 100 ms window, and its oldest operation still waiting. */
function load(o: {
  now: number;
  ops: Record<number, number>;
  errors?: Record<number, number>;
  waitingSince?: number | null;
  asOf?: number;
}) {
  const sum = (m: Record<number, number>, from: number, to: number): number =>
    Object.entries(m).reduce((n, [t, c]) => (Number(t) >= from && Number(t) < to ? n + c : n), 0);
  return {
    clients: 5,
    now: () => o.now,
    waiting: () => ({ sinceMs: o.waitingSince ?? null, asOfMs: o.asOf ?? o.now }),
    opsBetween: (from: number, to: number) => sum(o.ops, from, to),
    errorsBetween: (from: number, to: number) => sum(o.errors ?? {}, from, to),
  };
}

/** Ops in every window from `from` to `to` (exclusive), 10 each. */
const steady = (from: number, to: number): Record<number, number> =>
  Object.fromEntries(Array.from({ length: (to - from) / 100 }, (_, i) => [from + i * 100, 10]));

describe('the steady second after the last step', () => {
  test('a full second of answered operations without errors, after the last step', () => {
    expect(steadySecond(load({ now: 2450, ops: steady(0, 2500) }), 400)).toEqual({ from: 1400, to: 2400 });
  });

  test('not one that begins before the last step', () => {
    expect(steadySecond(load({ now: 1350, ops: steady(0, 1400) }), 400)).toBeNull();
  });

  test('clients stuck on a dead master: the second is not steady while their writes wait, nor once they fail', () => {
    // Writes answered until 400 ms, then every client waits on the dead master (sent at 420 ms).
    const stuck = { ops: { ...steady(0, 500) }, waitingSince: 420 };
    expect(steadySecond(load({ now: 1450, ...stuck }), 400)).toBeNull();
    expect(steadySecond(load({ now: 3000, ...stuck }), 400)).toBeNull();
    // They time out at 1420 ms; the next writes (to the healthy masters) succeed.
    const failed = { ops: { ...steady(0, 500), ...steady(1400, 2000) }, errors: { 1400: 5 } };
    expect(steadySecond(load({ now: 1450, ...failed }), 400)).toBeNull();
    expect(steadySecond(load({ now: 1950, ...failed }), 400)).toBeNull();
  });

  test('an error after the second still counts: the load is not steady yet', () => {
    expect(steadySecond(load({ now: 2450, ops: steady(0, 2500), errors: { 2400: 1 } }), 400)).toBeNull();
  });

  test('a second with no operations is not steady', () => {
    expect(steadySecond(load({ now: 2450, ops: steady(0, 500) }), 400)).toBeNull();
  });

  test('the second ends before the oldest operation still waiting was sent, and by what the load last told', () => {
    expect(steadySecond(load({ now: 2450, ops: steady(0, 2500), waitingSince: 2330 }), 400)).toEqual({
      from: 1300,
      to: 2300,
    });
    expect(steadySecond(load({ now: 2450, ops: steady(0, 2500), asOf: 2280 }), 400)).toEqual({
      from: 1200,
      to: 2200,
    });
  });
});
