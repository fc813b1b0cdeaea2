import type { NodeProbe } from './probe.js';
import { myselfOf } from './probe.js';
import { buildSlotMap } from './slotmap.js';
import { type SlotRange, rangesContain } from './slots.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { Probe } from '../util/wait.js';

const same = (p: NodeProbe, a: Address): boolean => p.address.port === a.port && p.address.host === a.host;

/**
 * Done when one of `candidates` (the victim's replicas) is master of `slot`
 * in the view of every reachable node but the victim, and all of those
 * report cluster_state:ok. Pure: it reads the latest polls only.
 */
export function promotionDone(
  probes: readonly NodeProbe[],
  victim: Address,
  candidates: readonly string[],
  slot: number,
  exclude: readonly Address[] = [],
): Probe<string> {
  // The victim, and any node cut off with it (a partition's minority side), cannot see the promotion.
  const others = probes.filter((p) => !same(p, victim) && !exclude.some((x) => same(p, x)) && p.up && p.view);
  if (others.length === 0) return { done: false, seen: 'no node answering' };
  const owners = others.map(
    (p) => p.view!.find((n) => n.role === 'master' && rangesContain(n.slots, slot))?.id ?? null,
  );
  const winner = owners[0];
  const notOk = others.filter((p) => p.clusterInfo?.get('cluster_state') !== 'ok').map((p) => formatAddress(p.address));
  if (winner && candidates.includes(winner) && owners.every((o) => o === winner) && notOk.length === 0)
    return { done: true, value: winner };
  const ownerText = [...new Set(owners.map((o) => o?.slice(0, 8) ?? 'nobody'))].join(' / ');
  return {
    done: false,
    seen: `slot ${slot} owned by ${ownerText}${notOk.length ? `; cluster_state not ok on ${notOk.join(', ')}` : ''}`,
  };
}

/**
 * A manual failover is done when the roles have swapped: `replica` serves
 * `master`'s slots in every reachable node's view with cluster_state:ok, and
 * the old master (if it answers) calls itself a replica.
 */
export function rolesSwapped(
  probes: readonly NodeProbe[],
  replica: { id: string },
  master: Address & { slots: readonly SlotRange[] },
): Probe<string> {
  const promotion = promotionDone(probes, { host: '', port: -1 }, [replica.id], master.slots[0]![0]);
  if (!promotion.done) return promotion;
  const old = probes.find((p) => same(p, master));
  if (old?.up && myselfOf(old)?.role !== 'replica')
    return { done: false, seen: `${formatAddress(master)} not yet a replica` };
  return promotion;
}

/**
 * Done when `node` answers and is either a replica with its link up (the
 * usual rejoin after a failover) or, if no failover happened, a master
 * again with every reachable node reporting cluster_state:ok.
 */
export function rejoinDone(
  probes: readonly NodeProbe[],
  node: Address,
): Probe<{ role: 'master' | 'replica'; masterId: string | null }> {
  const p = probes.find((x) => same(x, node));
  if (!p?.up) return { done: false, seen: `${formatAddress(node)} not answering${p?.error ? ` (${p.error})` : ''}` };
  const me = myselfOf(p);
  const role = p.replication?.get('role');
  if (role === 'slave') {
    const link = p.replication?.get('master_link_status');
    if (link !== 'up') return { done: false, seen: `a replica, master_link_status:${link}` };
    // A restarted master keeps cluster_state:fail for a while after it
    // became a replica; until it says ok it answers CLUSTERDOWN.
    const state = p.clusterInfo?.get('cluster_state');
    return state === 'ok'
      ? { done: true, value: { role: 'replica', masterId: me?.masterId ?? null } }
      : { done: false, seen: `a replica with its link up, but cluster_state:${state ?? '?'}` };
  }
  const notOk = probes.filter((x) => x.up && x.clusterInfo?.get('cluster_state') !== 'ok');
  if (role === 'master' && me && me.slots.length > 0 && notOk.length === 0)
    return { done: true, value: { role: 'master', masterId: null } };
  return { done: false, seen: `role ${role ?? '?'}, cluster_state not ok on ${notOk.length} node(s)` };
}

/** Every node that answers reports cluster_state:ok (and at least one answers). Pure. */
export function clusterOk(probes: readonly NodeProbe[]): Probe<string> {
  const up = probes.filter((p) => p.up);
  const down = probes.filter((p) => !p.up).map((p) => formatAddress(p.address));
  const notOk = up
    .filter((p) => p.clusterInfo?.get('cluster_state') !== 'ok')
    .map((p) => `${formatAddress(p.address)} (${p.clusterInfo?.get('cluster_state') ?? '?'})`);
  const downText = down.length ? `; not answering: ${down.join(', ')}` : '';
  if (up.length === 0) return { done: false, seen: 'no node answering' };
  if (notOk.length) return { done: false, seen: `cluster_state not ok on ${notOk.join(', ')}${downText}` };
  return { done: true, value: `cluster_state:ok on all ${up.length} answering nodes${downText}` };
}

/**
 * Settled: every node answers, every one reports cluster_state:ok, they
 * all hold the same slot map, and every replica's link to its master is up.
 * What a soak waits for before its next loop: a replica that never links up
 * or nodes that keep disagreeing are a stuck cluster, not a pause. Pure.
 */
export function clusterSettled(probes: readonly NodeProbe[]): Probe<string> {
  const ok = clusterOk(probes);
  if (!ok.done) return ok;
  const down = probes.filter((p) => !p.up).map((p) => formatAddress(p.address));
  if (down.length) return { done: false, seen: `not answering: ${down.join(', ')}` };
  const map = buildSlotMap(probes);
  if (!map.agreed)
    return {
      done: false,
      seen: `the nodes hold different slot maps: ${map.disagreeing.join(', ')} differ from the others`,
    };
  const unlinked = probes
    .filter((p) => p.replication?.get('role') === 'slave' && p.replication.get('master_link_status') !== 'up')
    .map((p) => formatAddress(p.address));
  if (unlinked.length) return { done: false, seen: `replica link not up on ${unlinked.join(', ')}` };
  const lagging = roleDisagreement(probes);
  if (lagging) return { done: false, seen: lagging };
  return {
    done: true,
    value: `all ${probes.length} nodes answer with cluster_state:ok, one slot map and the same roles; every replica's link is up`,
  };
}

/**
 * The first node whose view still gives another node a role (or a master)
 * other than the one that node gives itself, or null. Gossip carries a
 * restarted old master's new role to the others a few hundred ms after it
 * links up, and until its master hears it, that master ignores the
 * replica's manual-failover request (cluster.c: MFSTART from a node it
 * does not know as its replica). Pure.
 */
export function roleDisagreement(probes: readonly NodeProbe[]): string | null {
  const own = new Map<string, { role: string; masterId: string | null; address: Address }>();
  for (const p of probes) {
    const me = p.up ? myselfOf(p) : null;
    if (me) own.set(me.id, { role: me.role, masterId: me.masterId, address: p.address });
  }
  const roleText = (role: string, masterId: string | null): string =>
    role === 'replica' ? `a replica of ${masterId?.slice(0, 8)}` : 'a master';
  for (const p of probes) {
    for (const e of p.view ?? []) {
      const self = own.get(e.id);
      if (e.myself || !self || (e.role === self.role && e.masterId === self.masterId)) continue;
      return `${formatAddress(p.address)} still sees ${formatAddress(self.address)} as ${roleText(e.role, e.masterId)}; it says it is ${roleText(self.role, self.masterId)}`;
    }
  }
  return null;
}

/** Every answering node but `node` itself flags it `fail` (the cluster's verdict on a dead or cut-off node). Its value: how many did. Pure. */
export function flaggedFailEverywhere(probes: readonly NodeProbe[], node: { id: string }): Probe<number> {
  const others = probes.filter((p) => p.up && p.view && myselfOf(p)?.id !== node.id);
  const not = others
    .filter((p) => !p.view!.some((e) => e.id === node.id && e.flags.includes('fail')))
    .map((p) => formatAddress(p.address));
  if (others.length === 0) return { done: false, seen: 'no other node answering' };
  return not.length
    ? { done: false, seen: `not (yet) flagged fail by ${not.join(', ')}` }
    : { done: true, value: others.length };
}
