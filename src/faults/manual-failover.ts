import { CheckFailedError, UsageError } from '../errors.js';
import { myselfOf } from '../cluster/probe.js';
import { type SlotMapMaster, buildSlotMap } from '../cluster/slotmap.js';
import { formatAddress, withNode } from '../nodes/client.js';
import { rolesSwapped } from '../cluster/conditions.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { probesNow } from '../deployment/lookup.js';
import { observeFault } from './observe-fault.js';
import { type FaultResult, faultResult } from './result.js';
import type { ObserverView } from '../observe/observer.js';
import { selectNode } from './target.js';

export interface FailoverOptions {
  /** The replica to promote (host:port or id prefix); default: a replica of Master[0]. */
  replica?: string;
  mode: 'default' | 'force' | 'takeover';
  deadlineMs?: number;
  /** Default true: wait until the roles have swapped. */
  wait?: boolean;
  /** Watch with this running observer instead of a new one (a scenario's single timeline). */
  observer?: ObserverView;
}

/**
 * A manual failover: CLUSTER FAILOVER on a replica, then wait until it is
 * master of its old master's slots and the cluster is ok. In the default
 * mode the master stops writes until the replica has caught up, so no
 * acknowledged write is lost.
 */
export async function manualFailover(d: Deployment, o: FailoverOptions): Promise<FaultResult> {
  if (d.ops.kind === 'sentinel') return sentinelFailover(d, o);
  const probes = await probesNow(d, o.observer);
  const map = buildSlotMap(probes);
  const replicas = map.masters.flatMap((m) => m.replicas.map((r) => ({ ...r, master: m })));
  let chosen: (typeof replicas)[number];
  if (o.replica) {
    const known = [
      ...map.masters.map((m) => ({ id: m.id, host: m.host, port: m.port, master: null as SlotMapMaster | null })),
      ...replicas,
    ];
    const node = selectNode(known, o.replica);
    // Just after a failover the others' gossip may still call the old master a master (with no slots):
    // its own word, that it replicates a master, is the one that counts.
    const own = probes.map(myselfOf).find((me) => me?.id === node.id);
    const ownMaster =
      !node.master && own?.role === 'replica' ? map.masters.find((m) => m.id === own.masterId) : undefined;
    if (ownMaster)
      replicas.push({
        id: node.id,
        host: node.host,
        port: node.port,
        up: true,
        dbsize: null,
        linkUp: null,
        lagBytes: null,
        master: ownMaster,
      });
    if (!node.master && !ownMaster)
      throw new UsageError(`${formatAddress(node)} is a master, not a replica`, {
        hint: `choose one of the replicas: ${replicas.map((r) => formatAddress(r)).join(', ')}`,
      });
    chosen = replicas.find((r) => r.id === node.id)!;
  } else {
    const first = map.masters.find((m) => m.slots.length > 0 && m.replicas.length > 0);
    if (!first)
      throw new UsageError('no master has a replica to fail over to', {
        hint: 'create the cluster with --replicas 1 or more',
      });
    chosen = replicas.find((r) => r.master.id === first.id)!;
  }
  const master = chosen.master;
  const args = o.mode === 'default' ? [] : [o.mode.toUpperCase()];
  const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
  const label = formatAddress(chosen);
  const run = await observeFault(d, {
    what: `${label} becoming master of ${formatAddress(master)}'s slots with cluster_state:ok everywhere`,
    deadlineMs,
    wait: o.wait ?? true,
    observer: o.observer,
    action: async () => {
      await withNode(chosen, d.connect, (c) => c.call('CLUSTER', 'FAILOVER', ...args));
      return { node: label, detail: `CLUSTER FAILOVER${args.length ? ` ${args[0]}` : ''} sent to ${label}` };
    },
    condition: (probes) => rolesSwapped(probes, chosen, master),
    retryOn:
      o.mode !== 'takeover' ? { kind: 'manual-failover-timeout', nodes: [label, formatAddress(master)] } : undefined,
  });
  return faultResult(d, run, {
    action: 'failover',
    fault: 'failover',
    victim: { id: master.id, host: master.host, port: master.port, index: master.index },
    how: `CLUSTER FAILOVER${args.length ? ` ${args[0]}` : ''}`,
    waitedFor: `${label} master of ${formatAddress(master)}'s slots, cluster_state:ok everywhere`,
    deadlineMs,
    promoted: run.outcome === 'done' ? { id: chosen.id, host: chosen.host, port: chosen.port } : null,
    logOf: chosen,
  });
}

/**
 * A Sentinel deployment's manual failover: SENTINEL FAILOVER on a sentinel,
 * which picks the replica itself; done when every sentinel names a former
 * replica, it answers as master, and the old master is its replica.
 * -NOGOODSLAVE (no replica fit to promote) and -INPROG (a failover is under
 * way) are the deployment's answer: a failed check (exit 1) with the reply.
 */
async function sentinelFailover(d: Deployment, o: FailoverOptions): Promise<FaultResult> {
  if (o.replica)
    throw new UsageError('Sentinel chooses the replica to promote itself', {
      hint: 'leave out --replica; to steer its choice, give the other replicas a higher replica-priority (redis.conf)',
    });
  if (o.mode !== 'default')
    throw new UsageError(`--${o.mode} is a Redis Cluster option`, {
      hint: 'SENTINEL FAILOVER has no such modes; leave it out',
    });
  const map = d.ops.map(await probesNow(d, o.observer));
  const master = map.masters.find((m) => m.slots.length > 0);
  if (!master)
    throw new UsageError('the sentinels name no master', {
      hint: 'check the deployment with: redis-drill sentinel status',
    });
  const sentinel = d.sentinels.find((s) => s.redis !== null) ?? d.sentinels[0]!;
  const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
  const run = await observeFault(d, {
    what: `a replica of ${formatAddress(master)} named master by every sentinel, the old master its replica`,
    deadlineMs,
    wait: o.wait ?? true,
    observer: o.observer,
    action: async () => {
      await withNode(sentinel, d.connect, async (c) => {
        try {
          await c.call('SENTINEL', 'FAILOVER', d.masterName!);
        } catch (e) {
          const reply = (e as Error).message;
          if (/NOGOODSLAVE|NOGOODREPLICA|INPROG/.test(reply))
            throw new CheckFailedError(`SENTINEL FAILOVER ${d.masterName} was refused: ${reply}`, {
              hint: /INPROG/.test(reply)
                ? 'a failover is already under way: wait for it (redis-drill sentinel status)'
                : 'no replica is fit to be promoted: are they up and in sync? (redis-drill sentinel status)',
            });
          throw e;
        }
      });
      return {
        node: formatAddress(sentinel),
        detail: `SENTINEL FAILOVER ${d.masterName} sent to sentinel ${formatAddress(sentinel)}`,
      };
    },
    condition: (probes) => d.ops.rolesSwapped(probes, null, master),
  });
  const winner = master.replicas.find((r) => r.id === run.value) ?? null;
  const promoted = winner ? { id: winner.id, host: winner.host, port: winner.port } : null;
  return faultResult(d, run, {
    action: 'failover',
    fault: 'failover',
    victim: { id: master.id, host: master.host, port: master.port, index: master.index },
    how: `SENTINEL FAILOVER ${d.masterName}`,
    waitedFor: `a replica of ${formatAddress(master)} named master by every sentinel, the old master its replica`,
    deadlineMs,
    promoted,
    logOf: promoted,
  });
}
