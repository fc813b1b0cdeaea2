/** What `sentinel create` does when not told otherwise. Light: the CLI reads it at start-up. */
export const SENTINEL_DEFAULTS = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  port: 7000,
  sentinelPort: 26379,
  downAfterMs: 2000,
  failoverTimeoutMs: 10_000,
  masterName: 'mymaster',
} as const;
