// node-redis (npm "redis"): createCluster / createSentinel, with its defaults
// or with the settings its docs give for failover (socket and connect
// timeouts, a short reconnect strategy).
import { addresses, config, kind, password, run } from './loop.mjs';

await run('redis', async () => {
  const { createCluster, createSentinel } = await import('redis');
  const failover = config() === 'failover';
  const socket = failover
    ? { connectTimeout: 1000, socketTimeout: 1000, reconnectStrategy: (n) => Math.min(n * 50, 500) }
    : {};
  const auth = password() ? { password: password() } : {};
  const c =
    kind() === 'sentinel'
      ? createSentinel({
          name: process.env.REDIS_DRILL_MASTER_NAME,
          sentinelRootNodes: addresses('REDIS_DRILL_SENTINELS'),
          nodeClientOptions: { socket, ...auth },
        })
      : createCluster({
          rootNodes: addresses().map((a) => ({ socket: { host: a.host, port: a.port } })),
          defaults: { socket, ...auth },
          ...(failover ? { maxCommandRedirections: 16 } : {}),
        });
  // Without a listener an 'error' event would end the process: an application always has one.
  c.on('error', () => {});
  await c.connect();
  return { set: (k, v) => c.set(k, v), close: () => c.close?.() ?? c.quit() };
});
