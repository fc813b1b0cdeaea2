import { EnvironmentError } from '../errors.js';
import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { bulkSet } from '../nodes/bulk-set.js';
import { type Clock, systemClock } from '../util/clock.js';
import { keySlot } from './keys.js';
import { type SlotMap, type SlotMapMaster, ownerOf, slotMap } from './slotmap.js';
import { SLOT_COUNT } from './slots.js';

export interface PopulateOptions {
  keys: number;
  prefix: string;
  valueSize: number;
  connect: ConnectOptions;
  abortSignal?: AbortSignal;
  clock?: Clock;
}

export interface PopulateResult {
  keys: number;
  written: number;
  errors: number;
  /** The first few error replies, for the user to read. */
  errorSamples: string[];
  elapsedMs: number;
  opsPerSec: number;
  /** Key counts from DBSIZE after the writes, per master: measured, not computed. */
  masters: { index: number; id: string; host: string; port: number; dbsize: number | null; written: number }[];
  totalKeys: number;
}

/** Key names in the lab's form: key1 .. keyN, grouped by the master that owns their slot. */
export function groupKeysByMaster(map: SlotMap, count: number, prefix: string): Map<SlotMapMaster, string[]> {
  const ownerBySlot: (SlotMapMaster | undefined)[] = Array.from({ length: SLOT_COUNT }, (_, s) => ownerOf(map, s));
  const groups = new Map<SlotMapMaster, string[]>(map.masters.map((m) => [m, []]));
  for (let i = 1; i <= count; i++) {
    const key = `${prefix}${i}`;
    const owner = ownerBySlot[keySlot(key)];
    if (!owner)
      throw new EnvironmentError(`slot ${keySlot(key)} (key "${key}") is not served by any master`, {
        hint: 'check the cluster with: redis-drill slotmap',
      });
    groups.get(owner)!.push(key);
  }
  return groups;
}

/**
 * Writes key1..keyN straight to the master that owns each key's slot,
 * pipelined, then reads DBSIZE from every master: the counts shown are what
 * the servers hold, not what we meant to write.
 */
export async function populate(
  targets: readonly Address[] | (() => Promise<SlotMap>),
  o: PopulateOptions,
): Promise<PopulateResult> {
  const clock = o.clock ?? systemClock;
  // A deployment other than a cluster (Sentinel) brings its own map: one master holding every slot.
  const mapNow = typeof targets === 'function' ? targets : () => slotMap(targets, o.connect);
  const before = await mapNow();
  const down = before.masters.filter((m) => m.slots.length > 0 && m.state !== 'ok');
  if (down.length > 0 || before.uncovered.length > 0) {
    const what =
      down.length > 0
        ? `master ${formatAddress(down[0]!)} is ${down[0]!.state}`
        : `${SLOT_COUNT - before.slotsCovered} slots are not covered`;
    throw new EnvironmentError(`the cluster cannot take all writes: ${what}`, {
      hint: 'check it with: redis-drill cluster status (or slotmap)',
    });
  }
  const groups = groupKeysByMaster(before, o.keys, o.prefix);
  const value = 'x'.repeat(o.valueSize);
  const errorSamples: string[] = [];
  const t0 = clock.now();
  const written = new Map<SlotMapMaster, number>();
  await Promise.all(
    [...groups].map(async ([m, keys]) => {
      const r = await bulkSet(m, keys, value, {
        password: o.connect.password ?? null,
        timeoutMs: Math.max(o.connect.timeoutMs, 10_000),
        abortSignal: o.abortSignal,
      });
      written.set(m, r.ok);
      errorSamples.push(...r.errorSamples.slice(0, 5 - errorSamples.length));
    }),
  );
  const elapsedMs = clock.now() - t0;
  const after = await mapNow();
  const total = [...written.values()].reduce((a, b) => a + b, 0);
  return {
    keys: o.keys,
    written: total,
    errors: o.keys - total,
    errorSamples,
    elapsedMs: Math.round(elapsedMs),
    opsPerSec: Math.round(o.keys / (elapsedMs / 1000)),
    masters: after.masters
      .filter((m) => m.slots.length > 0)
      .map((m) => ({
        index: m.index,
        id: m.id,
        host: m.host,
        port: m.port,
        dbsize: m.dbsize,
        written: [...written].find(([w]) => w.id === m.id)?.[1] ?? 0,
      })),
    totalKeys: after.totalKeys,
  };
}
