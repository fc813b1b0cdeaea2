import { slotOwner } from '../cluster/owner.js';
import type { NodeProbe } from '../cluster/probe.js';
import { type SlotMap, type SlotMapMaster, buildSlotMap } from '../cluster/slotmap.js';
import type { Address } from '../nodes/address.js';
import {
  buildSentinelMap,
  sentinelHealthy,
  sentinelOwner,
  sentinelPromotionDone,
  sentinelRejoinDone,
} from '../sentinel/topology.js';
import type { Probe } from '../util/wait.js';
import { clusterOk, clusterSettled, promotionDone, rejoinDone, rolesSwapped } from '../cluster/conditions.js';

/**
 * What differs between a Redis Cluster and a Sentinel deployment, for the
 * faults and the drill engine: how the nodes' answers make a slot map, and
 * when a promotion, a rejoin or a healthy deployment is seen. Everything else
 * (signals, partitions, the load, the timeline, the report) is shared.
 */
export interface DeploymentOps {
  kind: 'cluster' | 'sentinel';
  map(probes: readonly NodeProbe[]): SlotMap;
  /** A replica of `victim` serves its slots, as every answering node (cluster) or sentinel sees it. Its value: the new master's id. */
  promotionDone(probes: readonly NodeProbe[], victim: SlotMapMaster, exclude?: readonly Address[]): Probe<string>;
  /** A manual failover is done: `replicaId` (any replica, when null) serves the master's slots and the old master is a replica. */
  rolesSwapped(probes: readonly NodeProbe[], replicaId: string | null, master: SlotMapMaster): Probe<string>;
  rejoinDone(
    probes: readonly NodeProbe[],
    node: Address,
  ): Probe<{ role: 'master' | 'replica'; masterId: string | null }>;
  /** cluster_state:ok everywhere (cluster); one agreed master with its replicas linked (Sentinel). */
  healthy(probes: readonly NodeProbe[]): Probe<string>;
  /** Healthy, every node answering, one slot map, every replica linked (Sentinel: healthy says all that already). */
  settled(probes: readonly NodeProbe[]): Probe<string>;
  /** Who serves a slot now (for the write probe). */
  ownerOf(probes: readonly NodeProbe[], slot: number): Address | null;
}

export const clusterOps: DeploymentOps = {
  kind: 'cluster',
  map: (probes) => buildSlotMap(probes),
  promotionDone: (probes, victim, exclude = []) =>
    promotionDone(
      probes,
      victim,
      victim.replicas.map((r) => r.id),
      victim.slots[0]![0],
      exclude,
    ),
  rolesSwapped: (probes, replicaId, master) =>
    replicaId
      ? rolesSwapped(probes, { id: replicaId }, master)
      : promotionDone(
          probes,
          master,
          master.replicas.map((r) => r.id),
          master.slots[0]![0],
        ),
  rejoinDone: (probes, node) => rejoinDone(probes, node),
  healthy: (probes) => clusterOk(probes),
  settled: (probes) => clusterSettled(probes),
  ownerOf: (probes, slot) => slotOwner(probes, slot),
};

export const sentinelOps: DeploymentOps = {
  kind: 'sentinel',
  map: (probes) => buildSentinelMap(probes),
  promotionDone: (probes, victim, exclude = []) =>
    sentinelPromotionDone(
      probes,
      victim,
      victim.replicas.map((r) => r.id),
      exclude,
    ),
  rolesSwapped: (probes, replicaId, master) => {
    const promoted = sentinelPromotionDone(probes, master, replicaId ? [replicaId] : master.replicas.map((r) => r.id));
    if (!promoted.done) return promoted;
    const old = sentinelRejoinDone(probes, master);
    return old.done && old.value.role === 'replica'
      ? promoted
      : { done: false, seen: `${master.host}:${master.port} not yet a replica of ${promoted.value}` };
  },
  rejoinDone: (probes, node) => sentinelRejoinDone(probes, node),
  healthy: (probes) => sentinelHealthy(probes),
  settled: (probes) => sentinelHealthy(probes),
  ownerOf: (probes) => sentinelOwner(probes),
};
