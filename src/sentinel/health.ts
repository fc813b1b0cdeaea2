import { type NodeProbe, probeAll, sentinelFields } from '../cluster/probe.js';
import { formatAddress } from '../nodes/address.js';
import type { Address, ConnectOptions } from '../nodes/client.js';
import type { NodePool } from '../nodes/pool.js';
import type { Clock } from '../util/clock.js';
import { waitUntil } from '../util/wait.js';
import { sentinelHealthy } from './topology.js';

/** Every data node and every sentinel, asked once (data nodes about replication, sentinels about the master). */
export async function probeSentinelDeployment(
  data: readonly Address[],
  sentinels: readonly Address[],
  masterName: string,
  options: ConnectOptions,
): Promise<NodeProbe[]> {
  const [d, s] = await Promise.all([
    probeAll(data, options, { kind: 'data' }),
    probeAll(sentinels, options, { kind: 'sentinel', masterName }),
  ]);
  return [...d, ...s];
}

/** Waits until every replica answers INFO replication with its link to the master up. */
export async function waitReplicasLinked(
  replicas: readonly Address[],
  connect: ConnectOptions,
  abortSignal: AbortSignal | undefined,
  clock?: Clock,
): Promise<void> {
  await waitUntil(
    async () => {
      const probes = await probeAll(replicas, connect, { kind: 'data' });
      const lagging = probes.filter((p) => p.replication?.get('master_link_status') !== 'up');
      return lagging.length
        ? { done: false, seen: `replicas not in sync yet: ${lagging.map((p) => formatAddress(p.address)).join(', ')}` }
        : { done: true, value: undefined };
    },
    { what: 'every replica in sync with the master', timeoutMs: 20_000, intervalMs: 10, clock, abortSignal },
  );
}

/**
 * Why a sentinel could not promote a replica yet, from its SENTINEL REPLICAS
 * reply; null once it is connected to each one and each one's last INFO
 * showed its link to the master up. A sentinel lists the replicas of its
 * config file (known-replica) before it has connected to them, and until
 * its first INFO of a replica that replica's link reads "err": a SENTINEL
 * FAILOVER right after a create answered -NOGOODSLAVE.
 */
export function replicasNotReady(reply: unknown): string | null {
  const bad = (Array.isArray(reply) ? reply : []).flatMap((entry) => {
    const f = sentinelFields(entry);
    const name = `${f.get('ip')}:${f.get('port')}`;
    const flags = (f.get('flags') ?? '').split(',');
    const down = flags.filter((x) => x === 'disconnected' || x === 's_down' || x === 'o_down');
    if (down.length) return [`${name} ${down.join(',')}`];
    const link = f.get('master-link-status');
    return link === 'ok' ? [] : [`${name} link ${link ?? 'unknown'}`];
  });
  return bad.length ? bad.join(', ') : null;
}

/**
 * Waits until the deployment is fully formed: every sentinel names the
 * same master, it answers as master, every replica's link is up, and each
 * sentinel knows every replica and every other sentinel (num-slaves,
 * num-other-sentinels), reaches its quorum (SENTINEL CKQUORUM) and could
 * promote a replica (replicasNotReady).
 */
export async function waitSentinelFormed(
  o: {
    data: readonly Address[];
    sentinels: readonly Address[];
    masterName: string;
    connect: ConnectOptions;
    /** The caller's connections to the sentinels. */
    pool: Pick<NodePool, 'call'>;
  },
  w: { timeoutMs: number; clock?: Clock; abortSignal?: AbortSignal },
): Promise<void> {
  const replicas = o.data.length - 1;
  const others = o.sentinels.length - 1;
  const each = (reply: (s: Address) => Promise<string | null>): Promise<(string | null)[]> =>
    Promise.all(o.sentinels.map((s) => reply(s).catch((e: Error) => `${formatAddress(s)}: ${e.message}`)));
  await waitUntil(
    async () => {
      const probes = await probeSentinelDeployment(o.data, o.sentinels, o.masterName, o.connect);
      const healthy = sentinelHealthy(probes);
      if (!healthy.done) return healthy;
      const short = probes.filter(
        (p) =>
          p.kind === 'sentinel' &&
          (!p.up || p.sentinel!.numReplicas < replicas || p.sentinel!.numOtherSentinels < others),
      );
      if (short.length)
        return { done: false, seen: `sentinels that do not know every replica and sentinel yet: ${short.length}` };
      const [quorum, ready] = await Promise.all([
        each(async (s) => {
          const q = String(await o.pool.call(s, 'SENTINEL', 'CKQUORUM', o.masterName));
          return q.startsWith('OK') ? null : q;
        }),
        each(async (s) => {
          const why = replicasNotReady(await o.pool.call(s, 'SENTINEL', 'REPLICAS', o.masterName));
          return why && `sentinel ${formatAddress(s)} cannot promote yet: ${why}`;
        }),
      ]);
      const bad = quorum.find((q) => q !== null);
      if (bad) return { done: false, seen: `SENTINEL CKQUORUM: ${bad}` };
      const unready = ready.find((r) => r !== null);
      return unready ? { done: false, seen: unready } : { done: true, value: undefined };
    },
    {
      what: 'every sentinel knowing the master, every replica and every other sentinel, CKQUORUM OK, replica links up, as each sentinel sees them',
      timeoutMs: w.timeoutMs,
      intervalMs: 20,
      clock: w.clock,
      abortSignal: w.abortSignal,
    },
  );
}
