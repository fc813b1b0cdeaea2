import { callText } from '../nodes/client.js';
import type { NodePool } from '../nodes/pool.js';
import type { Clock } from '../util/clock.js';
import { waitUntil } from '../util/wait.js';
import { parseInfo } from './nodes-parser.js';

/** Waits until every node says cluster_state:ok and every replica's master link is up. */
export async function waitClusterHealthy(
  addresses: { host: string; port: number }[],
  pool: NodePool,
  o: { timeoutMs: number; clock?: Clock; abortSignal?: AbortSignal },
): Promise<void> {
  await waitUntil(
    async () => {
      const states = await Promise.all(
        addresses.map(async (a) => {
          try {
            const c = await pool.get(a);
            const [info, repl] = await Promise.all([
              callText(c, 'CLUSTER', 'INFO'),
              callText(c, 'INFO', 'replication'),
            ]);
            const r = parseInfo(repl);
            return {
              ok: parseInfo(info).get('cluster_state') === 'ok',
              linkUp: r.get('role') !== 'slave' || r.get('master_link_status') === 'up',
            };
          } catch {
            return { ok: false, linkUp: false };
          }
        }),
      );
      const notOk = states.filter((s) => !s.ok).length;
      const down = states.filter((s) => !s.linkUp).length;
      if (notOk === 0 && down === 0) return { done: true, value: undefined };
      return { done: false, seen: `${notOk} node(s) without cluster_state:ok, ${down} replica link(s) down` };
    },
    {
      what: 'every node reporting cluster_state:ok with replica links up',
      timeoutMs: o.timeoutMs,
      intervalMs: 25,
      clock: o.clock,
      abortSignal: o.abortSignal,
    },
  );
}
