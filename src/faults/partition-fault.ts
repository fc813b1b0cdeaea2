import { formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import { minorityFailEvent } from '../observe/measure.js';
import { systemClock } from '../util/clock.js';
import type { Probe } from '../util/wait.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { nodesWithIds, roleOf } from '../deployment/lookup.js';
import { observeFault, openObserver } from './observe-fault.js';
import { type PartitionRequest, applyPartition, clusterChain, planPartition, removePartition } from './partition.js';
import { type FaultResult, type PartitionInfo, faultResult } from './result.js';

export interface PartitionOptions extends PartitionRequest {
  /** Heal by itself this long after the cut (and watch the rejoin); otherwise it stays until `cluster heal`. */
  durationMs?: number;
  wait: boolean;
  deadlineMs?: number;
}

/**
 * The minority master's own window: from the cut to its own "Cluster state
 * changed: fail" log line, the moment it stops acknowledging writes.
 */
export function minorityFail(
  events: readonly DrillEvent[],
  node: string | null,
  t0: number,
): PartitionInfo['minorityFail'] {
  if (!node) return null;
  const e = minorityFailEvent(events, node, t0);
  return {
    node,
    ms: e ? Math.round(e.at - t0) : null,
    source: e
      ? `cut -> "Cluster state changed: fail" in ${node}'s redis.log`
      : 'no "Cluster state changed: fail" line in its log',
  };
}

/**
 * `cluster partition`: cut the network as asked and watch the cut-off
 * master's replica take over; with a duration, heal when it ends and watch
 * the old master come back as a replica. A command that does not finish
 * (an error, Ctrl-C) removes its rules before it returns.
 */
export async function partitionDeployment(d: Deployment, o: PartitionOptions): Promise<FaultResult> {
  const clock = systemClock;
  const observer = openObserver(d, clock);
  await observer.start();
  let cutInPlace = false;
  let finished = false;
  try {
    const planned = planPartition(await nodesWithIds(d, observer), d.ops.map(observer.snapshot()), o, d.sentinels);
    const victim = planned.cutOff[0] ?? null;
    const label = victim ? formatAddress(victim) : null;
    const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
    const cut = await observeFault(d, {
      what: victim
        ? `a replica of ${label} master of its slots with cluster_state:ok on the majority`
        : 'a promotion (no master is cut off from a replica of its own)',
      // With a duration, the promotion is watched until the heal at the latest: a short partition may end before any.
      deadlineMs: o.durationMs !== undefined ? Math.min(deadlineMs, o.durationMs) : deadlineMs,
      // Nothing to wait for when no master lost its replicas (e.g. masters on one side, replicas on the other).
      wait: (o.wait && victim !== null) || o.durationMs !== undefined,
      observer,
      action: async () => {
        await applyPartition(d, planned);
        cutInPlace = true;
        return { node: planned.sides[0].map(formatAddress).join(','), detail: `partition: ${planned.how}` };
      },
      condition: (p) =>
        victim
          ? d.ops.promotionDone(p, victim, planned.minority)
          : { done: false, seen: 'no master is cut off from a replica of its own' },
    });
    const replica = victim?.replicas.find((r) => r.id === cut.value) ?? null;
    const promoted = replica ? { id: replica.id, host: replica.host, port: replica.port } : null;
    let outcome = cut.outcome;
    let lastSeen = cut.lastSeen;
    let rejoined: FaultResult['rejoined'] = null;
    let healed: { t0: number; seenBackAt: number | null } | null = null;
    if (o.durationMs !== undefined) {
      const left = cut.t0 + o.durationMs - clock.now();
      if (left > 0) await clock.sleep(left, d.abortSignal);
      const heal = await observeFault(d, {
        what: label
          ? `${label} back as a replica with master_link_status:up (or a master, if no failover happened)`
          : 'cluster_state:ok on every node',
        deadlineMs,
        wait: true,
        observer,
        kind: 'heal',
        action: async () => {
          await removePartition(d);
          cutInPlace = false;
          return { node: '', detail: "the partition's rules removed" };
        },
        condition: (p): Probe<unknown> => (victim ? d.ops.rejoinDone(p, victim) : d.ops.healthy(p)),
      });
      healed = { t0: heal.t0, seenBackAt: heal.outcome === 'done' ? heal.tEnd : null };
      // A partition shorter than the failover needs is healed before any promotion: an outcome, not a failure.
      outcome = heal.outcome;
      lastSeen = heal.lastSeen;
      rejoined = heal.outcome === 'done' && victim ? await roleOf(d, victim) : null;
    }
    await observer.catchUpLogs();
    const events = (await observer.stop())
      .filter((e) => e.at >= cut.t0 - 1)
      .map((e) => ({ ...e, tMs: Math.round(e.at - cut.t0) }));
    const first = planned.sides[0][0]!;
    finished = true;
    const watched = { outcome, lastSeen, events, t0: cut.t0, tEnd: clock.now(), observer };
    return faultResult(d, watched, {
      action: 'partition',
      fault: o.mode === 'flaky' || o.mode === 'blackhole' ? o.mode : 'partition',
      victim: victim
        ? { id: victim.id, host: victim.host, port: victim.port, index: victim.index }
        : { id: null, host: first.host, port: first.port },
      how: planned.how,
      waitedFor: label
        ? `a replica of ${label} master of its slots, cluster_state:ok on the majority${o.durationMs !== undefined ? `; after the heal, ${label} back` : ''}`
        : 'the end of the partition',
      deadlineMs,
      promoted,
      rejoined,
      ...(healed ? { restore: healed } : {}),
      logOf: victim,
      partition: {
        chain: clusterChain(d),
        mode: o.mode,
        direction: o.mode === 'one-way' ? o.direction : 'both',
        loss: o.mode === 'flaky' ? o.loss : null,
        sides: [planned.sides[0].map(formatAddress), planned.sides[1].map(formatAddress)],
        healedAt: healed !== null ? new Date(healed.t0).toISOString() : null,
        minorityFail: minorityFail(events, label, cut.t0),
        nodeTimeoutMs: d.nodeTimeoutMs,
      },
    });
  } finally {
    await observer.stop();
    // Unfinished (an error, Ctrl-C): no rule outlives the command. A finished one without --duration leaves the cut for `cluster heal`.
    if (!finished && cutInPlace) await removePartition(d);
  }
}

/**
 * `cluster heal`: removes every rule of this cluster (also a chain a crashed
 * run left) and watches the cut-off masters come back as replicas of their
 * successors, with every node at cluster_state:ok. Nothing to heal is not
 * an error: the result says so.
 */
export async function healDeployment(d: Deployment, o: { wait: boolean; deadlineMs?: number }): Promise<FaultResult> {
  const clock = systemClock;
  const cutOff = d.state?.partition?.cutOff ?? [];
  const observer = openObserver(d, clock);
  await observer.start();
  try {
    const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
    let record: Awaited<ReturnType<typeof removePartition>> = { removed: false, record: null };
    const labels = cutOff.map(formatAddress);
    const run = await observeFault(d, {
      what: labels.length
        ? `${labels.join(', ')} back as replicas with master_link_status:up, cluster_state:ok everywhere`
        : 'cluster_state:ok on every node',
      deadlineMs,
      wait: o.wait,
      observer,
      kind: 'heal',
      action: async () => {
        record = await removePartition(d);
        return {
          node: '',
          detail: record.removed
            ? "the partition's rules removed"
            : 'nothing to heal: no rule of this cluster was in place',
        };
      },
      condition: (p): Probe<unknown> => {
        for (const m of cutOff) {
          const r = d.ops.rejoinDone(p, m);
          if (!r.done) return r;
        }
        return d.ops.healthy(p);
      },
    });
    const first = cutOff[0] ?? null;
    const role = run.outcome === 'done' && first && record.removed ? await roleOf(d, first) : null;
    await observer.catchUpLogs();
    const events = (await observer.stop())
      .filter((e) => e.at >= run.t0 - 1)
      .map((e) => ({ ...e, tMs: Math.round(e.at - run.t0) }));
    const p = record.record;
    return faultResult(
      d,
      { ...run, events, tEnd: clock.now() },
      {
        action: 'heal',
        fault: 'heal',
        victim: first
          ? { id: first.id, host: first.host, port: first.port }
          : { id: null, host: d.nodes[0]!.host, port: d.nodes[0]!.port },
        how: record.removed ? `removed iptables chain ${clusterChain(d)}` : 'nothing to heal',
        waitedFor: labels.length
          ? `${labels.join(', ')} back as replicas, cluster_state:ok everywhere`
          : 'cluster_state:ok on every node',
        deadlineMs,
        rejoined: role,
        logOf: first,
        ...(p
          ? {
              partition: {
                chain: p.chain,
                mode: p.mode,
                direction: p.mode === 'one-way' ? p.direction : 'both',
                loss: p.mode === 'flaky' ? p.loss : null,
                sides: p.sides,
                healedAt: new Date(run.t0).toISOString(),
                minorityFail: null,
                nodeTimeoutMs: d.nodeTimeoutMs,
              },
            }
          : {}),
      },
    );
  } finally {
    await observer.stop();
  }
}
