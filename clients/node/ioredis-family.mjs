// ioredis and iovalkey share one API: one connect for both.

/** The failover settings (ioredis README, "Cluster" and "Sentinel"): commands time out, the slot map is re-read soon. */
const FAILOVER = {
  redisOptions: { connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 2, keepAlive: 1000 },
  slotsRefreshTimeout: 1000,
  slotsRefreshInterval: 1000,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  retryDelayOnTryAgain: 100,
  clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
};

export async function ioredisFamily(lib, env) {
  const { default: Redis, Cluster } = await lib;
  const failover = env.config() === 'failover';
  const auth = env.password() ? { password: env.password() } : {};
  if (env.kind() === 'sentinel') {
    const r = new Redis({
      sentinels: env.addresses('REDIS_DRILL_SENTINELS'),
      name: process.env.REDIS_DRILL_MASTER_NAME,
      ...auth,
      ...(failover ? { ...FAILOVER.redisOptions, sentinelRetryStrategy: (t) => Math.min(100 * t, 1000) } : {}),
    });
    r.on('error', () => {});
    return { set: (k, v) => r.set(k, v), close: () => r.quit() };
  }
  const c = new Cluster(env.addresses(), {
    ...(failover ? FAILOVER : {}),
    redisOptions: { ...(failover ? FAILOVER.redisOptions : {}), ...auth },
  });
  // ioredis prints "Unhandled error event" without a listener; an application has one.
  c.on('error', () => {});
  return { set: (k, v) => c.set(k, v), close: () => c.quit() };
}
