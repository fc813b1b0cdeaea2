import type { Deployment } from '../deployment/handle.js';
import { namesNode, probeEach, probesNow } from '../deployment/lookup.js';
import { type Address, formatAddress, sameAddress } from '../nodes/address.js';
import { DeadlineError } from '../errors.js';
import { waitUntil } from '../util/wait.js';

/**
 * A master that came back empty while its replicas held its shard: a
 * restart before the cluster flagged it failed (a supervisor's quick
 * restart), without persistence. Its replicas then resynchronize from it
 * and the shard is gone on every node.
 */
export interface ShardWipe {
  /** host:port of the restarted master. */
  node: string;
  /** Its keys once back (DBSIZE): 0. */
  keysAfter: number;
  /** Each of its replicas: keys before the restart, and now (after a full resync from the empty master, 0). */
  replicas: { node: string; keysBefore: number; keysNow: number | null }[];
}

/**
 * The keys each replica of `master` holds now (DBSIZE), asked directly. A
 * replica is one that any node's view names as the master's; one that missed
 * the short first probe (a busy machine) is asked again with --timeout, since
 * leaving it out would hide a wipe.
 */
export async function replicaKeys(
  d: Deployment,
  master: { id: string | null },
): Promise<{ node: Address; keys: number }[]> {
  if (master.id === null) return [];
  let probes = await probesNow(d);
  const replicas = d.nodes.filter((n) =>
    probes.some((p) => p.view?.some((e) => e.masterId === master.id && namesNode(e, n))),
  );
  const keysOf = (a: Address) => probes.find((p) => sameAddress(p.address, a))?.dbsize ?? null;
  if (replicas.some((r) => keysOf(r) === null)) probes = await probeEach(d);
  return replicas.flatMap((r) => {
    const keys = keysOf(r);
    return keys === null ? [] : [{ node: { host: r.host, port: r.port }, keys }];
  });
}

/**
 * The wipe, if `node` is back as a master with no key while a replica of it
 * held some before; else null. A node started again a moment ago may not
 * answer yet (or still be loading its files): its keys are read once it
 * answers, within `answerWithinMs`; a node that never does is not called wiped.
 */
export async function shardWipe(
  d: Deployment,
  node: Address,
  before: readonly { node: Address; keys: number }[],
  answerWithinMs = 10_000,
): Promise<ShardWipe | null> {
  if (!before.some((r) => r.keys > 0)) return null;
  const at = (probes: Awaited<ReturnType<typeof probesNow>>, a: Address) =>
    probes.find((p) => sameAddress(p.address, a));
  const probes = await waitUntil(
    async () => {
      const now = await probesNow(d);
      const keys = at(now, node)?.dbsize;
      return typeof keys === 'number' ? { done: true, value: now } : { done: false, seen: 'no DBSIZE answer' };
    },
    { what: `${formatAddress(node)} answering`, timeoutMs: answerWithinMs, intervalMs: 100 },
  ).catch((e: unknown) => {
    if (e instanceof DeadlineError) return null;
    throw e;
  });
  if (!probes || at(probes, node)?.dbsize !== 0) return null;
  return {
    node: formatAddress(node),
    keysAfter: 0,
    replicas: before.map((r) => ({
      node: formatAddress(r.node),
      keysBefore: r.keys,
      keysNow: at(probes, r.node)?.dbsize ?? null,
    })),
  };
}
