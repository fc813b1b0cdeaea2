import type { Deployment } from '../deployment/handle.js';
import { loadTargetOf } from '../drill/load-set.js';
import { loadClient } from '../workload/client.js';
import type { Acknowledged } from './op-log.js';

const BATCH = 2000;
/** A GET that failed: neither kept nor lost. */
const UNREADABLE = Symbol('unreadable');

/**
 * Reads back every write a client was told succeeded, through a cluster (or
 * Sentinel) client of redis-drill's own that follows redirections, then
 * removes them (only keys under the client's `drill:clients:*` prefix come
 * here): how many are missing or hold another value, and how many could not
 * be read at all (a shard still unserved), which are not called lost.
 */
export async function readBack(
  d: Deployment,
  writes: readonly Acknowledged[],
): Promise<{ lost: number; unreadable: number; reason: string | null }> {
  const { client } = loadClient({ ...loadTargetOf(d), clientOptions: { enableAutoPipelining: true } });
  client.on('error', () => {});
  let lost = 0;
  let unreadable = 0;
  let reason: string | null = null;
  try {
    for (let i = 0; i < writes.length; i += BATCH) {
      const batch = writes.slice(i, i + BATCH);
      const values = await Promise.all(
        batch.map((w) =>
          client.get(w.key).catch((e: Error) => {
            reason = e.message;
            return UNREADABLE;
          }),
        ),
      );
      unreadable += values.filter((v) => v === UNREADABLE).length;
      lost += values.filter((v, k) => v !== UNREADABLE && v !== batch[k]!.value).length;
      await Promise.all(batch.map((w) => client.unlink(w.key).catch(() => 0)));
    }
    return { lost, unreadable, reason };
  } finally {
    client.disconnect();
  }
}
