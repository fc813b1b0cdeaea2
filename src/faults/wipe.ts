import { myselfOf } from '../cluster/probe.js';
import type { Deployment } from '../deployment/handle.js';
import { probesNow } from '../deployment/lookup.js';
import { type Address, formatAddress } from '../nodes/address.js';

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

/** The keys each replica of `master` holds now (DBSIZE), asked directly. */
export async function replicaKeys(
  d: Deployment,
  master: { id: string | null },
): Promise<{ node: Address; keys: number }[]> {
  if (master.id === null) return [];
  const probes = await probesNow(d);
  return probes.flatMap((p) => {
    const self = myselfOf(p);
    return self?.masterId === master.id && p.dbsize !== null ? [{ node: p.address, keys: p.dbsize }] : [];
  });
}

/** The wipe, if `node` is back as a master with no key while a replica of it held some before; else null. */
export async function shardWipe(
  d: Deployment,
  node: Address,
  before: readonly { node: Address; keys: number }[],
): Promise<ShardWipe | null> {
  if (!before.some((r) => r.keys > 0)) return null;
  const probes = await probesNow(d);
  const at = (a: Address) => probes.find((p) => p.address.host === a.host && p.address.port === a.port);
  const keysAfter = at(node)?.dbsize;
  if (keysAfter !== 0) return null;
  return {
    node: formatAddress(node),
    keysAfter,
    replicas: before.map((r) => ({
      node: formatAddress(r.node),
      keysBefore: r.keys,
      keysNow: at(r.node)?.dbsize ?? null,
    })),
  };
}
