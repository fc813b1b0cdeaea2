import { type NodeProbe, probeAll } from '../cluster/probe.js';
import type { Address, ConnectOptions } from '../nodes/client.js';
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

/**
 * Waits until the deployment is fully formed: every sentinel names the
 * same master, it answers as master, every replica's link is up, and each
 * sentinel knows every replica and every other sentinel (num-slaves,
 * num-other-sentinels) and reaches its quorum (SENTINEL CKQUORUM).
 */
export async function waitSentinelFormed(
  o: {
    data: readonly Address[];
    sentinels: readonly Address[];
    masterName: string;
    connect: ConnectOptions;
    withCkquorum: (s: Address) => Promise<string>;
  },
  w: { timeoutMs: number; clock?: Clock; abortSignal?: AbortSignal },
): Promise<void> {
  const replicas = o.data.length - 1;
  const others = o.sentinels.length - 1;
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
      const quorum = await Promise.all(o.sentinels.map((s) => o.withCkquorum(s).catch((e: Error) => e.message)));
      const bad = quorum.find((q) => !q.startsWith('OK'));
      return bad === undefined ? { done: true, value: undefined } : { done: false, seen: `SENTINEL CKQUORUM: ${bad}` };
    },
    {
      what: 'every sentinel knowing the master, every replica and every other sentinel, CKQUORUM OK, replica links up',
      timeoutMs: w.timeoutMs,
      intervalMs: 20,
      clock: w.clock,
      abortSignal: w.abortSignal,
    },
  );
}
