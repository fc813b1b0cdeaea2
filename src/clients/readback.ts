import type { Deployment } from '../deployment/handle.js';
import { loadTargetOf } from '../drill/load-set.js';
import { loadClient } from '../workload/client.js';
import type { Acknowledged } from './op-log.js';

const BATCH = 2000;

/**
 * Reads back every write a client was told succeeded, through a cluster (or
 * Sentinel) client of redis-drill's own that follows redirections, then
 * removes them (they are redis-drill's keys, `drill:clients:*`): how many
 * are missing or hold another value. A key that cannot be read counts as
 * lost, with the reason in `unreadable`.
 */
export async function readBack(
  d: Deployment,
  writes: readonly Acknowledged[],
): Promise<{ lost: number; unreadable: string | null }> {
  const { client } = loadClient({ ...loadTargetOf(d), clientOptions: { enableAutoPipelining: true } });
  client.on('error', () => {});
  let lost = 0;
  let unreadable: string | null = null;
  try {
    for (let i = 0; i < writes.length; i += BATCH) {
      const batch = writes.slice(i, i + BATCH);
      const values = await Promise.all(
        batch.map((w) =>
          client.get(w.key).catch((e: Error) => {
            unreadable = e.message;
            return null;
          }),
        ),
      );
      lost += values.filter((v, k) => v !== batch[k]!.value).length;
      await Promise.all(batch.map((w) => client.unlink(w.key).catch(() => 0)));
    }
    return { lost, unreadable };
  } finally {
    client.disconnect();
  }
}
