import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { type ClusterNodeEntry } from './nodes-parser.js';
import { type NodeProbe, myselfOf, probeAll } from './probe.js';
import { type SlotRange, countSlots, uncoveredRanges } from './slots.js';

export interface SlotMapReplica {
  id: string;
  host: string;
  port: number;
  up: boolean;
  /** null when the replica did not answer: unknown, not 0. */
  dbsize: number | null;
  linkUp: boolean | null;
  /** Master's replication offset minus the replica's, in bytes; null when either is unknown. */
  lagBytes: number | null;
}

export interface SlotMapMaster {
  index: number;
  id: string;
  host: string;
  port: number;
  slots: SlotRange[];
  slotCount: number;
  up: boolean;
  /** "ok"; "failing" when the cluster flags it fail/fail? (its slots are not served); "unreachable" when only we cannot reach it. */
  state: 'ok' | 'failing' | 'unreachable';
  dbsize: number | null;
  replicas: SlotMapReplica[];
}

export interface SlotMap {
  masters: SlotMapMaster[];
  uncovered: SlotRange[];
  /** Keys on the masters that answered; see totalKeysComplete. */
  totalKeys: number;
  totalKeysComplete: boolean;
  slotsCovered: number;
  /** Every reachable node holds the same slot map. */
  agreed: boolean;
  /** Reachable nodes whose slot map differs from the majority view used here. */
  disagreeing: string[];
  unreachable: string[];
}

/** A view's slot ownership, as "id:ranges" lines, for comparing views. */
function signature(view: readonly ClusterNodeEntry[]): string {
  return view
    .filter((n) => n.role === 'master' && n.slots.length > 0)
    .map((n) => `${n.id}:${n.slots.map((r) => r.join('-')).join(',')}`)
    .sort()
    .join(' ');
}

function hostOf(entry: ClusterNodeEntry, fallback: string): string {
  return entry.host === '' ? fallback : entry.host;
}

/**
 * Builds the slot map from what the reachable nodes said. The view the most
 * nodes share is used (ties: the newest config epoch); nodes whose view
 * differs are named. An unreachable node's keys are unknown (null), not 0.
 */
export function buildSlotMap(probes: readonly NodeProbe[]): SlotMap {
  const up = probes.filter((p) => p.up && p.view);
  const groups = new Map<string, NodeProbe[]>();
  for (const p of up) {
    const sig = signature(p.view!);
    groups.set(sig, [...(groups.get(sig) ?? []), p]);
  }
  const maxEpoch = (ps: NodeProbe[]): number =>
    Math.max(...ps.map((p) => Number(p.clusterInfo?.get('cluster_current_epoch') ?? 0)));
  const best = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || maxEpoch(b[1]) - maxEpoch(a[1]))[0];
  const reference = best?.[1][0];
  const fallbackHost = reference?.address.host ?? '';
  const probeOf = (e: ClusterNodeEntry): NodeProbe | undefined =>
    probes.find(
      (p) => p.address.port === e.port && (p.address.host === hostOf(e, fallbackHost) || myselfOf(p)?.id === e.id),
    );
  // A replica's own word on whom it replicates wins over the reference view:
  // a restarted old master says "myself,slave" at once, while other nodes'
  // gossip can still list it as a slotless master for a few hundred ms.
  const view = (reference?.view ?? []).map((e): ClusterNodeEntry => {
    const own = probeOf(e);
    const self = own ? myselfOf(own) : null;
    return self?.id === e.id && self.role === 'replica' && e.slots.length === 0
      ? { ...e, role: 'replica', masterId: self.masterId }
      : e;
  });
  const flaggedFailing = (id: string): boolean =>
    up.some((p) =>
      p.view!.some((n) => n.id === id && !n.myself && (n.flags.includes('fail') || n.flags.includes('fail?'))),
    );

  const masters = view
    .filter((n) => n.role === 'master' && !n.flags.includes('noaddr'))
    .sort((a, b) => (a.slots[0]?.[0] ?? Infinity) - (b.slots[0]?.[0] ?? Infinity) || a.port - b.port)
    .map((m, index): SlotMapMaster => {
      const mp = probeOf(m);
      const masterOffset = Number(mp?.replication?.get('master_repl_offset'));
      const replicas = view
        .filter((r) => r.masterId === m.id && r.role === 'replica')
        .sort((a, b) => a.port - b.port)
        .map((r): SlotMapReplica => {
          const rp = probeOf(r);
          const replicaOffset = Number(rp?.replication?.get('slave_repl_offset'));
          return {
            id: r.id,
            host: hostOf(r, fallbackHost),
            port: r.port,
            up: Boolean(rp?.up),
            dbsize: rp?.dbsize ?? null,
            linkUp: rp?.up ? rp.replication?.get('master_link_status') === 'up' : null,
            lagBytes:
              rp?.up && mp?.up && Number.isFinite(masterOffset) && Number.isFinite(replicaOffset)
                ? Math.max(0, masterOffset - replicaOffset)
                : null,
          };
        });
      const failing = flaggedFailing(m.id);
      return {
        index,
        id: m.id,
        host: hostOf(m, fallbackHost),
        port: m.port,
        slots: m.slots,
        slotCount: countSlots(m.slots),
        up: Boolean(mp?.up),
        state: failing ? 'failing' : mp?.up ? 'ok' : 'unreachable',
        dbsize: mp?.dbsize ?? null,
        replicas,
      };
    });

  const covered = masters.flatMap((m) => m.slots);
  const refSig = best?.[0];
  return {
    masters,
    uncovered: uncoveredRanges(covered),
    totalKeys: masters.reduce((n, m) => n + (m.dbsize ?? 0), 0),
    totalKeysComplete: masters.every((m) => m.slots.length === 0 || m.dbsize !== null),
    slotsCovered: countSlots(covered),
    agreed: groups.size <= 1,
    disagreeing: up.filter((p) => signature(p.view!) !== refSig).map((p) => formatAddress(p.address)),
    unreachable: probes.filter((p) => !p.up).map((p) => formatAddress(p.address)),
  };
}

export async function slotMap(targets: readonly Address[], options: ConnectOptions): Promise<SlotMap> {
  return buildSlotMap(await probeAll(targets, options));
}

export { ownerOf } from './slots.js';
