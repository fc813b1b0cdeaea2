import calculateSlot from 'cluster-key-slot';
import type { SlotMap } from './slotmap.js';
import { ownerOf } from './slots.js';

/** Where a key lives: its hash slot ({hash tag} rule included) and the nodes that serve it. */
export interface KeyPlacement {
  key: string;
  slot: number;
  master: { index: number; id: string; host: string; port: number } | null;
  replicas: { id: string; host: string; port: number }[];
}

/** CRC16(key) mod 16384, hashing only the {tag} when the key has a non-empty one (cluster-key-slot, as ioredis uses). */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

export function placeKey(key: string, map: SlotMap | null): KeyPlacement {
  const slot = keySlot(key);
  const owner = map ? ownerOf(map, slot) : undefined;
  return {
    key,
    slot,
    master: owner ? { index: owner.index, id: owner.id, host: owner.host, port: owner.port } : null,
    replicas: owner ? owner.replicas.map((r) => ({ id: r.id, host: r.host, port: r.port })) : [],
  };
}
