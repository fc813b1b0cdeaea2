import calculateSlot from 'cluster-key-slot';

const SLOTS = 16384;

/**
 * `n` names `prefix{tag}` whose slots are spread evenly over 0..16383: the
 * i-th lies in the i-th of n equal slot ranges, so a cluster's masters (each
 * holding a run of slots) all get their share. The hash tag is found by
 * trying tags in order, about n tries per name. Deterministic and pure.
 */
export function keysAcrossSlots(prefix: string, n: number): { key: string; slot: number }[] {
  const keys: { key: string; slot: number }[] = [];
  let tag = 0;
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * SLOTS) / n);
    const to = Math.floor(((i + 1) * SLOTS) / n);
    for (;;) {
      const key = `${prefix}{${tag++}}`;
      const slot = calculateSlot(key);
      if (slot >= from && slot < to) {
        keys.push({ key, slot });
        break;
      }
    }
  }
  return keys;
}
