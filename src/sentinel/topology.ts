import type { NodeProbe } from '../cluster/probe.js';
import type { SlotMap, SlotMapMaster, SlotMapReplica } from '../cluster/slotmap.js';
import { SLOT_COUNT } from '../cluster/slots.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { Probe } from '../util/wait.js';

/**
 * A Sentinel deployment seen as what the rest of redis-drill knows: one
 * master serving every key (all 16384 slots, as one shard), its replicas,
 * and any other data node that calls itself a master (an old master that
 * came back before Sentinel converted it: it serves nothing). Nodes have no
 * cluster ids: "host:port" is their id. Pure.
 */

const same = (a: Address, b: Address | null | undefined): boolean =>
  Boolean(b) && a.port === b!.port && a.host === b!.host;
const label = formatAddress;

/** The master most answering sentinels name (ties: the first); null when no sentinel answers with one. */
export function sentinelsMaster(probes: readonly NodeProbe[]): {
  master: Address | null;
  agreed: boolean;
  disagreeing: string[];
} {
  const views = probes.filter((p) => p.kind === 'sentinel' && p.up && p.sentinel?.master);
  const votes = new Map<string, { a: Address; n: number }>();
  for (const p of views) {
    const a = p.sentinel!.master!;
    const v = votes.get(label(a)) ?? { a, n: 0 };
    v.n++;
    votes.set(label(a), v);
  }
  const best = [...votes.values()].sort((x, y) => y.n - x.n)[0];
  const master = best?.a ?? null;
  return {
    master,
    agreed: votes.size <= 1,
    disagreeing: views.filter((p) => !same(p.sentinel!.master!, master)).map((p) => label(p.address)),
  };
}

const role = (p: NodeProbe | undefined): string | undefined => p?.replication?.get('role');
const masterOf = (p: NodeProbe): Address | null => {
  const host = p.replication?.get('master_host');
  const port = Number(p.replication?.get('master_port'));
  return host && port ? { host, port } : null;
};

export function buildSentinelMap(probes: readonly NodeProbe[]): SlotMap {
  const data = probes.filter((p) => p.kind === 'data');
  const { master, agreed, disagreeing } = sentinelsMaster(probes);
  const elected = master ?? data.find((p) => p.up && role(p) === 'master')?.address ?? null;
  const mp = elected ? data.find((p) => same(p.address, elected)) : undefined;
  const masterOffset = Number(mp?.replication?.get('master_repl_offset'));
  const failing = probes.some(
    (p) =>
      p.kind === 'sentinel' && p.up && (p.sentinel?.flags.includes('s_down') || p.sentinel?.flags.includes('o_down')),
  );
  const replicaOf = (p: NodeProbe): SlotMapReplica => {
    const offset = Number(p.replication?.get('slave_repl_offset'));
    return {
      id: label(p.address),
      host: p.address.host,
      port: p.address.port,
      up: p.up,
      dbsize: p.dbsize,
      linkUp: p.up ? p.replication?.get('master_link_status') === 'up' : null,
      lagBytes:
        p.up && mp?.up && Number.isFinite(masterOffset) && Number.isFinite(offset)
          ? Math.max(0, masterOffset - offset)
          : null,
    };
  };
  const others = data.filter((p) => !elected || !same(p.address, elected));
  // A node that says it is a master, but is not the one the sentinels name, serves nothing: listed apart.
  const stray = others.filter((p) => p.up && role(p) === 'master');
  const replicas = others
    .filter((p) => !stray.includes(p))
    .sort((a, b) => a.address.port - b.address.port)
    .map(replicaOf);
  const masters: SlotMapMaster[] = [];
  if (elected) {
    masters.push({
      index: 0,
      id: label(elected),
      host: elected.host,
      port: elected.port,
      slots: [[0, SLOT_COUNT - 1]],
      slotCount: SLOT_COUNT,
      up: Boolean(mp?.up),
      state: failing ? 'failing' : mp?.up ? 'ok' : 'unreachable',
      dbsize: mp?.dbsize ?? null,
      replicas,
    });
  }
  for (const p of stray)
    masters.push({
      index: masters.length,
      id: label(p.address),
      host: p.address.host,
      port: p.address.port,
      slots: [],
      slotCount: 0,
      up: true,
      state: 'ok',
      dbsize: p.dbsize,
      replicas: [],
    });
  return {
    masters,
    uncovered: elected ? [] : [[0, SLOT_COUNT - 1]],
    totalKeys: mp?.dbsize ?? 0,
    totalKeysComplete: mp?.dbsize !== undefined && mp?.dbsize !== null,
    slotsCovered: elected ? SLOT_COUNT : 0,
    agreed,
    disagreeing,
    unreachable: probes.filter((p) => !p.up).map((p) => label(p.address)),
  };
}

/** Every answering sentinel names one of `candidates` (the victim's replicas, as host:port), and that node calls itself master. */
export function sentinelPromotionDone(
  probes: readonly NodeProbe[],
  victim: Address,
  candidates: readonly string[],
  exclude: readonly Address[] = [],
): Probe<string> {
  // Sentinels cut off with the old master (a partition's minority side) cannot take part: the others decide.
  const sentinels = probes.filter(
    (p) => p.kind === 'sentinel' && p.up && p.sentinel && !exclude.some((x) => same(p.address, x)),
  );
  if (sentinels.length === 0) return { done: false, seen: 'no sentinel answering' };
  const named = [...new Set(sentinels.map((p) => (p.sentinel!.master ? label(p.sentinel!.master) : 'nobody')))];
  const winner = named.length === 1 ? named[0]! : null;
  if (!winner || !candidates.includes(winner))
    return {
      done: false,
      seen: `the sentinels name ${named.join(' / ')} as master${named.includes(label(victim)) ? ' (still the old one)' : ''}`,
    };
  const node = probes.find((p) => p.kind === 'data' && label(p.address) === winner);
  if (role(node) !== 'master')
    return { done: false, seen: `the sentinels name ${winner}, which reports role ${role(node) ?? '?'}` };
  return { done: true, value: winner };
}

/** Back as a replica of the master the sentinels name, with its link up (or the master itself, if no failover happened). */
export function sentinelRejoinDone(
  probes: readonly NodeProbe[],
  node: Address,
): Probe<{ role: 'master' | 'replica'; masterId: string | null }> {
  const p = probes.find((x) => x.kind === 'data' && same(x.address, node));
  if (!p?.up) return { done: false, seen: `${label(node)} not answering${p?.error ? ` (${p.error})` : ''}` };
  const { master } = sentinelsMaster(probes);
  if (role(p) === 'slave') {
    const link = p.replication?.get('master_link_status');
    const of = masterOf(p);
    if (master && !same(master, of))
      return { done: false, seen: `a replica of ${of ? label(of) : '?'}, not of ${label(master)}` };
    return link === 'up'
      ? { done: true, value: { role: 'replica', masterId: of ? label(of) : null } }
      : { done: false, seen: `a replica, master_link_status:${link}` };
  }
  if (master && same(master, node)) return { done: true, value: { role: 'master', masterId: null } };
  return {
    done: false,
    seen: `reports role ${role(p) ?? '?'} while the sentinels name ${master ? label(master) : 'nobody'}: not yet converted to a replica`,
  };
}

/** The deployment is healthy: every sentinel names the same master, it answers as master, every replica that answers has its link up to it. */
export function sentinelHealthy(probes: readonly NodeProbe[]): Probe<string> {
  const { master, agreed } = sentinelsMaster(probes);
  if (!master) return { done: false, seen: 'no sentinel names a master' };
  if (!agreed) return { done: false, seen: 'the sentinels name different masters' };
  const data = probes.filter((p) => p.kind === 'data' && p.up);
  const m = data.find((p) => same(p.address, master));
  if (role(m) !== 'master')
    return {
      done: false,
      seen: `${label(master)} is named master but reports role ${role(m) ?? 'nothing (not answering)'}`,
    };
  const lagging = data.filter(
    (p) =>
      p !== m &&
      (role(p) !== 'slave' || p.replication?.get('master_link_status') !== 'up' || !same(master, masterOf(p))),
  );
  if (lagging.length)
    return {
      done: false,
      seen: `not yet replicas of ${label(master)} with their link up: ${lagging.map((p) => label(p.address)).join(', ')}`,
    };
  const down = probes.filter((p) => !p.up).map((p) => label(p.address));
  return {
    done: true,
    value: `every sentinel names ${label(master)}; ${data.length - 1} replica(s) linked${down.length ? `; not answering: ${down.join(', ')}` : ''}`,
  };
}

/** Who serves writes now (for the write probe): the master the sentinels name. */
export function sentinelOwner(probes: readonly NodeProbe[]): Address | null {
  return sentinelsMaster(probes).master;
}
