import type { SlotMap } from '../cluster/slotmap.js';
import { formatRanges, rangesEqual } from '../cluster/slots.js';
import { type ConnectOptions, callText, withNode } from '../nodes/client.js';
import type { Check, KeyCounts } from '../report/model.js';

export type { KeyCounts };

/** Every key redis-drill writes itself starts with this (the load, the probe, the witnesses, the locks). */
const OWN_PREFIX = 'drill:';

export const KEY_COUNT_METHOD = `each shard's master: its keys not starting with "${OWN_PREFIX}" (redis-drill's own), counted with SCAN, before the load and after the drill; a shard may lose only keys that had an expiry when the drill began (INFO keyspace)`;

/** What one master holds now: keys not of ours, and keys with an expiry (null: it did not answer). */
export interface ShardKeys {
  index: number;
  keys: number | null;
  expiring: number | null;
}

/**
 * The keys of every serving master, asked directly. SCAN walks the whole
 * keyspace (~1 s per million keys); counting the keys that are not ours,
 * rather than DBSIZE less ours, stays exact while a load of ours writes.
 */
export async function shardKeys(map: SlotMap, connect: ConnectOptions): Promise<ShardKeys[]> {
  const serving = map.masters.filter((m) => m.slots.length > 0);
  return Promise.all(
    serving.map((m) =>
      withNode(m, connect, async (c) => {
        let theirs = 0;
        let cursor = '0';
        do {
          const [next, keys] = (await c.call('SCAN', cursor, 'COUNT', 1000)) as [string, string[]];
          cursor = next;
          for (const k of keys) if (!k.startsWith(OWN_PREFIX)) theirs++;
        } while (cursor !== '0');
        const info = await callText(c, 'INFO', 'keyspace');
        const expiring = [...info.matchAll(/expires=(\d+)/g)].reduce((n, x) => n + Number(x[1]), 0);
        return { index: m.index, keys: theirs, expiring };
      }).catch(() => ({ index: m.index, keys: null, expiring: null })),
    ),
  );
}

/** The two snapshots' counts, shard by shard when the shards are the same. Pure. */
export function keyCounts(
  before: SlotMap,
  after: SlotMap,
  keysBefore: readonly ShardKeys[],
  keysAfter: readonly ShardKeys[],
): KeyCounts {
  const serving = before.masters.filter((m) => m.slots.length > 0);
  const now = serving.map((m) => after.masters.find((a) => rangesEqual(a.slots, m.slots)));
  const same = now.every((a) => a !== undefined) && after.masters.filter((a) => a.slots.length).length === now.length;
  const keysOf = (list: readonly ShardKeys[], index: number | undefined) =>
    list.find((k) => k.index === index)?.keys ?? null;
  const expiring = Object.fromEntries(keysBefore.map((k) => [String(k.index), k.expiring]));
  const base = { expiring, method: KEY_COUNT_METHOD };
  if (same)
    return {
      by: 'shard',
      before: Object.fromEntries(serving.map((m) => [String(m.index), keysOf(keysBefore, m.index)])),
      after: Object.fromEntries(serving.map((m, i) => [String(m.index), keysOf(keysAfter, now[i]!.index)])),
      ...base,
    };
  const total = (list: readonly ShardKeys[]): number | null =>
    list.every((k) => k.keys !== null) ? list.reduce((n, k) => n + k.keys!, 0) : null;
  return { by: 'total', before: { all: total(keysBefore) }, after: { all: total(keysAfter) }, ...base };
}

/** `no keys lost`: no shard (or, when the shards changed, the whole cluster) has fewer keys than it may. Pure. */
export function keysLostCheck(k: KeyCounts, before: SlotMap): Check {
  const name = 'no keys lost';
  const expiringIn = (shard: string): number =>
    shard === 'all' ? Object.values(k.expiring).reduce<number>((n, x) => n + (x ?? 0), 0) : (k.expiring[shard] ?? 0);
  const label = (shard: string): string => {
    if (shard === 'all') return 'the cluster';
    const m = before.masters.find((x) => String(x.index) === shard);
    return m ? `Master[${shard}]'s shard (slots ${formatRanges(m.slots)})` : `shard ${shard}`;
  };
  const rows = Object.keys(k.before).map((shard) => {
    const was = k.before[shard] ?? null;
    const is = k.after[shard] ?? null;
    return { shard, was, is, lost: was === null || is === null ? null : Math.max(0, was - is) };
  });
  const lost = rows.filter((r) => r.lost !== null && r.lost > expiringIn(r.shard));
  if (lost.length)
    return {
      name,
      passed: false,
      detail: lost
        .map(
          (r) =>
            `${label(r.shard)}: ${r.was} keys before, ${r.is} after: ${r.lost} lost${expiringIn(r.shard) ? ` (${expiringIn(r.shard)} had an expiry)` : ''}`,
        )
        .join('; '),
    };
  const unknown = rows.filter((r) => r.lost === null);
  if (unknown.length)
    return {
      name,
      passed: false,
      detail: `cannot tell: ${unknown.map((r) => label(r.shard)).join(', ')}: no master answered in a snapshot`,
    };
  const counted = rows.map((r) => `${r.shard === 'all' ? 'all' : `Master[${r.shard}]`} ${r.was} -> ${r.is}`).join(', ');
  return {
    name,
    passed: true,
    detail: `${k.by === 'shard' ? 'every shard kept its keys' : 'the cluster kept its keys (the shards changed: totals compared)'}: ${counted} (keys not of redis-drill's own)`,
  };
}
