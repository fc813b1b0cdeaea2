import type { Deployment, DeploymentNode } from '../deployment/handle.js';
import { findNode, pidOf, probesNow } from '../deployment/lookup.js';
import { keyCounts, keysLostCheck, shardKeys } from '../drill/key-counts.js';
import { CheckFailedError, UsageError } from '../errors.js';
import type { ConfigEntry } from '../nodes/config.js';
import { formatAddress, withNode } from '../nodes/client.js';
import type { Check, KeyCounts } from '../report/model.js';
import type { Reporter } from '../util/reporter.js';
import type { SlotMapMaster } from '../cluster/slotmap.js';
import type { ObserverView } from '../observe/observer.js';
import { manualFailover } from './manual-failover.js';
import { rejoinNode } from './rejoin.js';

export interface RollingRestartOptions {
  /** redis.conf lines applied to every node as it restarts (CONFIG SET, then CONFIG REWRITE), checked with CONFIG GET. */
  config: readonly ConfigEntry[];
  reporter: Reporter;
  /** A drill's running observer (one timeline, no new connections); a command watches with its own. */
  observer?: ObserverView;
  /** Told before each master's failover (a drill expects that promotion). */
  onFailover?: (master: SlotMapMaster, to: { id: string }) => void;
}

export interface RestartedNode {
  node: string;
  /** Its role when the restart began: replicas go first, then each master after a failover to its replica. */
  role: 'master' | 'replica';
  oldPid: number | null;
  newPid: number | null;
  /** Restart -> back (a replica with its link up), from its rejoin. */
  rejoinMs: number | null;
  /** A master's slots went to this replica by a manual failover first. */
  failedOverTo: string | null;
}

export interface RollingRestartResult {
  cluster: string;
  nodes: RestartedNode[];
  /** Each --config line as CONFIG GET reads it back on every node afterwards. */
  config: { key: string; value: string; applied: boolean; differs: string[] }[];
  keys: KeyCounts;
  checks: Check[];
  passed: boolean;
  elapsedMs: number;
}

/**
 * The planned maintenance every operator does: every node restarted, one
 * at a time, without losing a write. Replicas first (each shut down,
 * started again from its own files, waited until its link is up), then
 * each master: a manual failover hands its slots to its replica (no
 * acknowledged write lost), the old master is restarted and waited for as
 * a replica in sync. An optional config change goes to each node as it
 * restarts. Every node ends with a new pid; every shard keeps its keys.
 */
export async function rollingRestart(d: Deployment, o: RollingRestartOptions): Promise<RollingRestartResult> {
  if (!d.managed || d.ops.kind !== 'cluster')
    throw new UsageError('rolling-restart restarts the processes of a Redis Cluster redis-drill created', {
      hint: 'name it with --cluster NAME (no --seed)',
    });
  const t0 = Date.now();
  const before = d.ops.map(await probesNow(d, o.observer));
  const masters = before.masters.filter((m) => m.slots.length > 0);
  const bare = masters.find((m) => !m.replicas.some((r) => r.up));
  if (bare)
    throw new UsageError(`Master[${bare.index}] ${formatAddress(bare)} has no replica that answers to take its slots`, {
      hint: 'a rolling restart without losing availability needs --replicas 1 or more',
    });
  const keysBefore = await shardKeys(before, d.connect);
  const nodes: RestartedNode[] = [];
  for (const r of masters.flatMap((m) => m.replicas))
    nodes.push(
      await o.reporter.step(`Restarting replica ${formatAddress(r)}`, () => restart(d, r, 'replica', null, o)),
    );
  for (const m of masters) {
    const to = m.replicas.find((r) => r.up)!;
    const label = `Master[${m.index}] ${formatAddress(m)}`;
    o.onFailover?.(m, to);
    await o.reporter.step(`Failing ${label} over to ${formatAddress(to)}`, () =>
      manualFailover(d, { replica: formatAddress(to), mode: 'default', observer: o.observer }),
    );
    nodes.push(await o.reporter.step(`Restarting ${label}`, () => restart(d, m, 'master', formatAddress(to), o)));
  }
  const after = d.ops.map(await probesNow(d, o.observer));
  const keys = keyCounts(before, after, keysBefore, await shardKeys(after, d.connect));
  const config = await checkConfig(d, o.config);
  const checks = [
    keysLostCheck(keys, before),
    {
      name: 'every node restarted',
      passed: nodes.every((n) => n.newPid !== null && n.newPid !== n.oldPid),
      detail: nodes.map((n) => `${n.node} pid ${n.oldPid ?? '?'} -> ${n.newPid ?? '?'}`).join(', '),
    },
    ...config.map((c) => ({
      name: `config ${c.key}`,
      passed: c.applied,
      detail: c.applied
        ? `${c.key} ${c.value} on every node`
        : `CONFIG GET ${c.key} differs on ${c.differs.join(', ')}`,
    })),
  ];
  return {
    cluster: d.name,
    nodes,
    config,
    keys,
    checks,
    passed: checks.every((c) => c.passed),
    elapsedMs: Date.now() - t0,
  };
}

/** Shuts a node down, starts it again (its config change applied), and waits until it is back as a replica. */
async function restart(
  d: Deployment,
  at: { host: string; port: number },
  role: 'master' | 'replica',
  failedOverTo: string | null,
  o: RollingRestartOptions,
): Promise<RestartedNode> {
  const node = findNode(d, at) as DeploymentNode;
  const oldPid = await pidOf(d, node);
  await node.redis!.stop(oldPid);
  const r = await rejoinNode(d, { node: node.label, mode: 'restart', observer: o.observer });
  if (r.outcome !== 'done')
    throw new CheckFailedError(`rolling-restart: ${node.label} did not rejoin within ${r.deadlineMs} ms`, {
      details: [`last seen: ${r.lastSeen}`, 'the nodes before it were restarted; the ones after it were not touched'],
    });
  for (const c of o.config)
    await withNode(node, d.connect, async (client) => {
      await client.call('CONFIG', 'SET', c.key, c.value);
      // Kept in its redis.conf, so the next restart keeps it too.
      await client.call('CONFIG', 'REWRITE');
    });
  return { node: node.label, role, oldPid, newPid: await pidOf(d, node), rejoinMs: r.rejoinMs, failedOverTo };
}

/** Each config line as every node reports it now (CONFIG GET). */
async function checkConfig(d: Deployment, config: readonly ConfigEntry[]): Promise<RollingRestartResult['config']> {
  return Promise.all(
    config.map(async (c) => {
      const differs: string[] = [];
      for (const n of d.nodes) {
        // CONFIG GET answers [key, value]; a node that does not answer differs too.
        const got = await withNode(n, d.connect, (client) => client.call('CONFIG', 'GET', c.key)).catch(() => null);
        if (!Array.isArray(got) || String(got[1]) !== c.value) differs.push(n.label);
      }
      return { key: c.key, value: c.value, applied: differs.length === 0, differs };
    }),
  );
}
