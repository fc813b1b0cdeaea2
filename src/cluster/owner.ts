import type { Address } from '../nodes/address.js';
import { keySlot } from './keys.js';
import type { ClusterNodeEntry } from './nodes-parser.js';
import type { NodeProbe } from './probe.js';
import { type SlotRange, rangesContain } from './slots.js';

/**
 * Who serves `slot` now, from the latest polls: among the masters the
 * answering nodes say own it, the claim with the highest config epoch wins,
 * as it does in Redis itself (a promoted replica's claim carries a new
 * epoch). Null when no answering node knows an owner. Pure.
 */
export function slotOwner(probes: readonly NodeProbe[], slot: number): Address | null {
  if (!sameViews(probes)) memo.clear();
  if (memo.has(slot)) return memo.get(slot)!;
  const owner = computeOwner(probes, slot);
  memo.set(slot, owner);
  return owner;
}

/**
 * The last answers' views, and the owners found from them: an observer's
 * polls of an unchanged cluster give the very same view arrays (see
 * ClusterNodesCache), so the write probe's thousands of questions a second
 * are answered from here until a view changes.
 */
let memoViews: (readonly ClusterNodeEntry[] | null)[] = [];
const memo = new Map<number, Address | null>();
function sameViews(probes: readonly NodeProbe[]): boolean {
  const views = probes.map((p) => (p.up ? p.view : null));
  const same = views.length === memoViews.length && views.every((v, i) => v === memoViews[i]);
  memoViews = views;
  return same;
}

function computeOwner(probes: readonly NodeProbe[], slot: number): Address | null {
  let best: { address: Address; epoch: number; votes: number } | null = null;
  const claims = new Map<string, { address: Address; epoch: number; votes: number }>();
  for (const p of probes) {
    if (!p.up || !p.view) continue;
    const owner = claimAt(claimsOf(p.view), slot);
    if (!owner) continue;
    let c = claims.get(owner.id);
    if (!c)
      claims.set(
        owner.id,
        (c = {
          address: { host: owner.host === '' ? p.address.host : owner.host, port: owner.port },
          epoch: owner.configEpoch,
          votes: 0,
        }),
      );
    c.epoch = Math.max(c.epoch, owner.configEpoch);
    c.votes++;
  }
  for (const c of claims.values())
    if (!best || c.epoch > best.epoch || (c.epoch === best.epoch && c.votes > best.votes)) best = c;
  return best?.address ?? null;
}

interface Claim {
  start: number;
  end: number;
  owner: ClusterNodeEntry;
}

/**
 * A view's slot claims, sorted by first slot, made once per view (a view
 * never changes, and an unchanged one is the same array poll after poll):
 * the write probe asks for owners thousands of times a
 * second, and a search of every line's ranges of a hundred views each time
 * was most of redis-drill's CPU on a 100-node cluster.
 */
const claimIndex = new WeakMap<readonly ClusterNodeEntry[], Claim[]>();
function claimsOf(view: readonly ClusterNodeEntry[]): Claim[] {
  let claims = claimIndex.get(view);
  if (!claims) {
    claims = view
      .filter((n) => n.role === 'master')
      .flatMap((owner) => owner.slots.map(([start, end]) => ({ start, end, owner })));
    claims.sort((a, b) => a.start - b.start);
    claimIndex.set(view, claims);
  }
  return claims;
}

/** The claim whose range holds `slot` (binary search over ranges sorted by start; one view never has two owners of a slot). */
function claimAt(claims: readonly Claim[], slot: number): ClusterNodeEntry | null {
  let lo = 0;
  let hi = claims.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = claims[mid]!;
    if (slot < c.start) hi = mid - 1;
    else if (slot > c.end) lo = mid + 1;
    else return c.owner;
  }
  return null;
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
