import { Cluster } from 'ioredis';
import '../nodes/ioredis-asking.js';
import type { Address, ConnectOptions } from '../nodes/client.js';

/**
 * How many of the keys populate wrote (prefix1..prefixN) exist now, asked
 * through a cluster client (EXISTS, auto-pipelined, following redirections):
 * a key stranded on a node that no longer owns its slot does not count.
 */
export async function keysPresent(
  seeds: readonly Address[],
  connect: ConnectOptions,
  sets: readonly { prefix: string; count: number }[],
): Promise<number> {
  const client = new Cluster(
    seeds.map((s) => ({ host: s.host, port: s.port })),
    {
      enableAutoPipelining: true,
      redisOptions: { password: connect.password ?? undefined, commandTimeout: Math.max(connect.timeoutMs, 5000) },
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
    },
  );
  client.on('error', () => {});
  try {
    let present = 0;
    for (const { prefix, count } of sets) {
      for (let i = 1; i <= count; i += 5000) {
        const found = await Promise.all(
          Array.from({ length: Math.min(count + 1, i + 5000) - i }, (_, k) => client.exists(`${prefix}${i + k}`)),
        );
        present += found.reduce((n, v) => n + v, 0);
      }
    }
    return present;
  } finally {
    client.disconnect();
  }
}
