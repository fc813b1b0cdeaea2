import { UsageError } from '../errors.js';
import { type Address, formatAddress, withNode } from '../nodes/client.js';
import {
  type DrillContext,
  type DrillNode,
  defaultDeadline,
  findDrillNode,
  pidOf,
  probesNow,
  recordPid,
} from './drill-context.js';
import { observeFault } from './observe-fault.js';
import type { FaultResult } from './report.js';
import type { Observer } from '../observe/observer.js';
import { selectNode } from './target.js';

export interface RejoinOptions {
  node: string;
  mode: 'restart' | 'resume';
  deadlineMs?: number;
  abort?: AbortSignal;
  /** Default true: wait until it has rejoined. */
  wait?: boolean;
  /** Watch with this running observer instead of a new one (a scenario's single timeline). */
  observer?: Observer;
}

/** Known nodes with the ids the reachable nodes give them (a dead node's id comes from the others). */
export async function nodesWithIds(
  ctx: DrillContext,
  observer?: Observer,
): Promise<(DrillNode & { id: string | null })[]> {
  // A Sentinel deployment's nodes have no cluster ids: host:port is theirs (sentinels included, for partitions).
  if (ctx.ops.kind === 'sentinel') return [...ctx.nodes, ...ctx.sentinels].map((n) => ({ ...n, id: formatAddress(n) }));
  const probes = await probesNow(ctx, observer);
  const entries = probes.flatMap((p) => p.view ?? []);
  return ctx.nodes.map((n) => ({
    ...n,
    id: entries.find((e) => e.port === n.port && (e.host === n.host || e.host === ''))?.id ?? null,
  }));
}

/**
 * Brings a broken node back (restart: start its process again from its own
 * redis.conf and nodes.conf; resume: SIGCONT a frozen one) and watches it
 * rejoin: reconfigured as a replica of the new master, sync, link up.
 */
export async function rejoinNode(ctx: DrillContext, o: RejoinOptions): Promise<FaultResult> {
  if (!ctx.managed)
    throw new UsageError(`${o.mode}-node needs a cluster redis-drill started`, {
      hint: 'drop --seed; on an attached cluster restart the server by hand',
    });
  const node = selectNode(await nodesWithIds(ctx, o.observer), o.node);
  const pid = await pidOf(ctx, node);
  const processState = pid === null ? 'gone' : await node.redis!.processState(pid);
  if (o.mode === 'restart' && processState !== 'gone') {
    throw new UsageError(
      `${node.label} is ${processState === 'stopped' ? 'frozen (SIGSTOP), not dead' : 'running'} (pid ${pid})`,
      {
        hint:
          processState === 'stopped'
            ? `resume it with: redis-drill cluster resume-node ${node.label}`
            : `kill it first, e.g. redis-drill cluster kill-master --master ${node.label}`,
      },
    );
  }
  if (o.mode === 'resume' && processState !== 'stopped') {
    throw new UsageError(`${node.label} is not frozen (it is ${processState === 'gone' ? 'not running' : 'running'})`, {
      hint:
        processState === 'gone'
          ? `start it with: redis-drill cluster restart-node ${node.label}`
          : 'freeze a master with: redis-drill cluster kill-master --signal stop',
    });
  }
  const deadlineMs = o.deadlineMs ?? defaultDeadline(ctx);
  const run = await observeFault(ctx, {
    what: `${node.label} rejoining (a replica with its link up, or a master with cluster_state:ok)`,
    deadlineMs,
    wait: o.wait ?? true,
    signal: o.abort,
    observer: o.observer,
    action: async () => {
      if (o.mode === 'resume') {
        await node.redis!.signal(pid!, 'CONT');
        return { node: node.label, detail: `SIGCONT sent to pid ${pid}` };
      }
      const newPid = await node.redis!.start({ timeoutMs: 10_000, signal: o.abort });
      await recordPid(ctx, node, newPid);
      return {
        node: node.label,
        detail: `restarted as pid ${newPid} from its own ${ctx.ops.kind === 'cluster' ? 'redis.conf and nodes.conf' : 'redis.conf'}`,
      };
    },
    condition: (probes) => ctx.ops.rejoinDone(probes, node),
  });
  // The last word is ROLE, asked directly of the node.
  const role = run.outcome === 'done' ? await roleOf(ctx, node) : null;
  const linkUp = run.events.find(
    (e) => e.node === node.label && (e.kind === 'link-up' || e.kind === 'sync-finished') && e.at >= run.t0,
  );
  return {
    action: o.mode === 'restart' ? 'restart-node' : 'resume-node',
    cluster: ctx.name,
    victim: { id: node.id, host: node.host, port: node.port },
    how: o.mode === 'restart' ? 'restart' : 'SIGCONT',
    faultAt: new Date(run.t0).toISOString(),
    outcome: run.outcome,
    waitedFor: `${node.label} back as a replica with master_link_status:up (or a master, if no failover happened)`,
    lastSeen: run.lastSeen,
    promoted: null,
    promotionMs: null,
    promotionSource: null,
    rejoined: role,
    rejoinMs: linkUp ? Math.round(linkUp.at - run.t0) : run.outcome === 'done' ? Math.round(run.tEnd - run.t0) : null,
    elapsedMs: Math.round(run.tEnd - run.t0),
    deadlineMs,
    events: run.events,
    log: { node: node.label, lines: run.observer.logLines(node, run.t0 - 50, run.tEnd) },
    clock: run.observer.clockNote(),
  };
}

/** ROLE, parsed: ["slave", host, port, state, offset] or ["master", offset, replicas]. */
export async function roleOf(
  ctx: DrillContext,
  a: Address,
): Promise<{ role: 'master' | 'replica'; master: string | null }> {
  const reply = await withNode(a, { timeoutMs: ctx.timeoutMs, password: ctx.password }, (c) => c.call('ROLE'));
  const r = reply as unknown[];
  if (String(r[0]) === 'slave')
    return { role: 'replica', master: formatAddress({ host: String(r[1]), port: Number(r[2]) }) };
  return { role: 'master', master: null };
}

/** SIGCONT to a node if it is frozen (a drill that ends early must not leave a hung node behind). */
export async function resumeIfFrozen(ctx: DrillContext, a: Address): Promise<boolean> {
  const node = findDrillNode(ctx, a);
  const pid = node ? await pidOf(ctx, node) : null;
  if (!node?.redis || pid === null || (await node.redis.processState(pid)) !== 'stopped') return false;
  await node.redis.signal(pid, 'CONT');
  return true;
}
