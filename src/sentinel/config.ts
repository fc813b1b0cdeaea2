import { randomBytes } from 'node:crypto';

/** One sentinel of a deployment: where it listens and the id it will keep. */
export interface SentinelSeat {
  bind: string;
  port: number;
  /** `sentinel myid`: 40 hex characters, never shared (sentinels with one id ignore each other). */
  id: string;
}

export interface SentinelConfigInput {
  me: SentinelSeat;
  dir: string;
  masterName: string;
  master: { host: string; port: number };
  replicas: readonly { host: string; port: number }[];
  /** Every sentinel of the deployment (this one is skipped). */
  sentinels: readonly SentinelSeat[];
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  password: string | null;
  extra: readonly { key: string; value: string }[];
}

/** A fresh sentinel id. */
export function sentinelId(): string {
  return randomBytes(20).toString('hex');
}

const quote = (v: string): string =>
  v === '' || /[\s"'\\]/.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;

/**
 * sentinel.conf for one sentinel. It knows the master, its replicas and the
 * other sentinels (with their ids) from the start, so nothing waits for the
 * hello messages (every 2 s) before the deployment is fully formed. Sentinel
 * rewrites this file as the deployment changes, so it must stay writable.
 * Pure.
 */
export function renderSentinelConfig(c: SentinelConfigInput): string {
  const n = c.masterName;
  const lines = [
    '# Written by redis-drill; Sentinel rewrites it as the deployment changes.',
    `port ${c.me.port}`,
    `bind ${c.me.bind}`,
    'daemonize yes',
    `dir ${quote(c.dir)}`,
    `pidfile ${quote(`${c.dir}/redis.pid`)}`,
    `logfile ${quote(`${c.dir}/redis.log`)}`,
    `sentinel myid ${c.me.id}`,
    `sentinel monitor ${n} ${c.master.host} ${c.master.port} ${c.quorum}`,
    `sentinel down-after-milliseconds ${n} ${c.downAfterMs}`,
    `sentinel failover-timeout ${n} ${c.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${n} 1`,
    ...(c.password !== null
      ? [
          `sentinel auth-pass ${n} ${quote(c.password)}`,
          `requirepass ${quote(c.password)}`,
          `sentinel sentinel-pass ${quote(c.password)}`,
        ]
      : []),
    ...c.replicas.map((r) => `sentinel known-replica ${n} ${r.host} ${r.port}`),
    ...c.sentinels
      .filter((s) => s.id !== c.me.id)
      .map((s) => `sentinel known-sentinel ${n} ${s.bind} ${s.port} ${s.id}`),
  ];
  for (const e of c.extra) lines.push(`${e.key} ${quote(e.value)}`);
  return lines.join('\n') + '\n';
}
