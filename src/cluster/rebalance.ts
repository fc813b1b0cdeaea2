import { EnvironmentError } from '../errors.js';
import { formatAddress } from '../nodes/client.js';
import { systemClock } from '../util/clock.js';
import { probeAll } from './probe.js';
import { type ReshardOptions, type ReshardResult, reshard, saysMaster, unstableSlots } from './reshard.js';
import { buildSlotMap } from './slotmap.js';

/** `cluster rebalance`: even out the slots over every master, one reshard per move. */

export interface RebalanceMove {
  from: number;
  to: number;
  slots: number;
}

/**
 * The moves that even out the slots over the masters (empty ones included,
 * as redis-cli's --cluster-use-empty-masters): each master ends with
 * floor(16384 / n) or one more; the ones with the most to give feed the ones
 * with the most to take. Indices are those of `counts`. Pure.
 */
export function planRebalance(counts: readonly number[]): RebalanceMove[] {
  const total = counts.reduce((n, c) => n + c, 0);
  const n = counts.length;
  const base = Math.floor(total / n);
  // The first (total mod n) masters by index get one slot more.
  const want = counts.map((_, i) => base + (i < total % n ? 1 : 0));
  const give = counts.map((c, i) => ({ i, d: c - want[i]! })).filter((x) => x.d > 0);
  const take = counts.map((c, i) => ({ i, d: want[i]! - c })).filter((x) => x.d > 0);
  const moves: RebalanceMove[] = [];
  for (const t of take) {
    while (t.d > 0) {
      const g = give.filter((x) => x.d > 0).sort((a, b) => b.d - a.d)[0]!;
      const k = Math.min(g.d, t.d);
      moves.push({ from: g.i, to: t.i, slots: k });
      g.d -= k;
      t.d -= k;
    }
  }
  return moves;
}

export interface RebalanceResult {
  moves: (ReshardResult & { planned: number })[];
  slots: number;
  keys: number;
  elapsedMs: number;
  /** Slots per master after it, by Master[N] as before. */
  after: { index: number; host: string; port: number; slots: number }[];
}

/** `cluster rebalance`: the planned moves, one reshard each. */
export async function rebalance(o: Omit<ReshardOptions, 'slots' | 'from' | 'to'>): Promise<RebalanceResult> {
  const clock = o.clock ?? systemClock;
  const t0 = clock.now();
  const probes = await probeAll(o.targets, o.connect);
  const map = buildSlotMap(probes);
  const unstable = unstableSlots(probes, map);
  if (unstable)
    throw new EnvironmentError(`the cluster's slots are not all stable: ${unstable}`, {
      hint: 'repair it first with: redis-drill cluster fix',
    });
  // A master's own word counts: one emptied a moment ago may already follow another as its replica.
  const masters = map.masters.filter((m) => m.up && saysMaster(probes, m.id));
  const plan = planRebalance(masters.map((m) => m.slotCount));
  const moves: RebalanceResult['moves'] = [];
  for (const m of plan) {
    if (o.abortSignal?.aborted) break;
    const r = await reshard({
      ...o,
      slots: m.slots,
      from: formatAddress(masters[m.from]!),
      to: formatAddress(masters[m.to]!),
    });
    // Named as the masters were numbered before the rebalance: each move renumbers them by their first slot.
    moves.push({
      ...r,
      from: { ...r.from, index: masters[m.from]!.index },
      to: { ...r.to, index: masters[m.to]!.index },
      planned: m.slots,
    });
  }
  const after = buildSlotMap(await probeAll(o.targets, o.connect));
  return {
    moves,
    slots: moves.reduce((n, m) => n + m.slots, 0),
    keys: moves.reduce((n, m) => n + m.keys, 0),
    elapsedMs: Math.round(clock.now() - t0),
    after: after.masters.map((m) => ({ index: m.index, host: m.host, port: m.port, slots: m.slotCount })),
  };
}
