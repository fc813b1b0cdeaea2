import type { Address } from '../nodes/address.js';
import { keySlot } from './keys.js';
import type { NodeProbe } from './probe.js';
import { type SlotRange, rangesContain } from './slots.js';

/**
 * Who serves `slot` now, from the latest polls: among the masters the
 * answering nodes say own it, the claim with the highest config epoch wins,
 * as it does in Redis itself (a promoted replica's claim carries a new
 * epoch). Null when no answering node knows an owner. Pure.
 */
export function slotOwner(probes: readonly NodeProbe[], slot: number): Address | null {
  let best: { address: Address; epoch: number; votes: number } | null = null;
  const claims = new Map<string, { address: Address; epoch: number; votes: number }>();
  for (const p of probes) {
    if (!p.up || !p.view) continue;
    const owner = p.view.find((n) => n.role === 'master' && rangesContain(n.slots, slot));
    if (!owner) continue;
    const address = { host: owner.host === '' ? p.address.host : owner.host, port: owner.port };
    const key = `${address.host}:${address.port}`;
    const c = claims.get(key) ?? { address, epoch: owner.configEpoch, votes: 0 };
    c.epoch = Math.max(c.epoch, owner.configEpoch);
    c.votes++;
    claims.set(key, c);
  }
  for (const c of claims.values()) if (!best || c.epoch > best.epoch || (c.epoch === best.epoch && c.votes > best.votes)) best = c;
  return best?.address ?? null;
}

/** A key whose hash slot lies in `ranges` (`prefix{N}` for the first N that fits). Pure. */
export function keyInRanges(ranges: readonly SlotRange[], prefix: string): { key: string; slot: number } {
  for (let i = 0; i < 1_000_000; i++) {
    const key = `${prefix}{${i}}`;
    const slot = keySlot(key);
    if (rangesContain(ranges, slot)) return { key, slot };
  }
  // A million tries cover every slot many times over; only empty ranges get here.
  throw new Error(`no key found for slots ${JSON.stringify(ranges)}`);
}
