import { UsageError } from '../errors.js';

export interface NodeConfigInput {
  bind: string;
  port: number;
  dir: string;
  nodeTimeoutMs: number;
  password: string | null;
  /** User overrides from --config key=value, rendered last so they win. */
  extra: readonly ConfigEntry[];
  /** Bind outgoing connections to `bind` too (bind-source-addr, Redis 7.0+): each node has its own address. */
  sourceAddr?: boolean;
  /** protected-mode no: nodes on their own loopback addresses without a password (see createCluster). */
  protectedModeOff?: boolean;
  /** A data node of a Sentinel deployment (no cluster mode); a replica names its master. */
  replication?: { replicaOf: { host: string; port: number } | null };
}

export interface ConfigEntry {
  key: string;
  value: string;
}

/** Keys redis-drill sets itself; --config may not change them or the node would not be found again. */
const MANAGED = new Set([
  'port',
  'bind',
  'dir',
  'daemonize',
  'pidfile',
  'logfile',
  'cluster-enabled',
  'cluster-config-file',
  'requirepass',
  'masterauth',
  'cluster-announce-ip',
  'replica-announce-ip',
  'replicaof',
  'slaveof',
]);

/** Parses one `--config key=value` (or `key value`) option. */
export function parseConfigEntry(text: string): ConfigEntry {
  const m = /^([a-z][a-z0-9-]*)(?:=|\s+)(.*)$/i.exec(text.trim());
  if (!m || m[2] === undefined || /[\r\n]/.test(text)) {
    throw new UsageError(`bad --config "${text}": expected key=value`, {
      hint: 'for example --config cluster-require-full-coverage=no',
    });
  }
  const key = m[1]!.toLowerCase();
  if (MANAGED.has(key)) {
    throw new UsageError(`--config ${key} cannot be set: redis-drill manages it`, {
      hint:
        key === 'port' || key === 'bind' ? `use --${key} instead` : 'leave it out; redis-drill sets it for every node',
    });
  }
  return { key, value: m[2] };
}

/** Quotes a value for redis.conf when it has spaces or quotes. */
function confValue(v: string): string {
  return v === '' || /[\s"'\\]/.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;
}

/**
 * Renders redis.conf for one cluster node. Paths are absolute so the file
 * works whatever the working directory of the process that starts it.
 */
export function renderNodeConfig(c: NodeConfigInput): string {
  const lines = [
    '# Written by redis-drill. Options given with --config are at the end.',
    `port ${c.port}`,
    `bind ${c.bind}`,
    // Peers learn a node's address from the packets it sends; without this a
    // node bound to 127.0.0.2 would be seen as 127.0.0.1, its source address.
    ...(c.replication ? [] : [`cluster-announce-ip ${c.bind}`]),
    `replica-announce-ip ${c.bind}`,
    'daemonize yes',
    `dir ${confValue(c.dir)}`,
    `pidfile ${confValue(`${c.dir}/redis.pid`)}`,
    `logfile ${confValue(`${c.dir}/redis.log`)}`,
    ...(c.replication
      ? c.replication.replicaOf
        ? [`replicaof ${c.replication.replicaOf.host} ${c.replication.replicaOf.port}`]
        : []
      : ['cluster-enabled yes', 'cluster-config-file nodes.conf', `cluster-node-timeout ${c.nodeTimeoutMs}`]),
    // Keys survive stop/start through the append-only file.
    'appendonly yes',
    // An empty replica should sync at once, not after the default 5 s diskless delay.
    'repl-diskless-sync-delay 0',
  ];
  // Its own address for outgoing bus and replication connections: rules between node addresses can then cut them.
  if (c.sourceAddr) lines.push(`bind-source-addr ${c.bind}`);
  if (c.protectedModeOff) lines.push('protected-mode no');
  if (c.password !== null) {
    lines.push(`requirepass ${confValue(c.password)}`, `masterauth ${confValue(c.password)}`);
  }
  for (const e of c.extra) lines.push(`${e.key} ${confValue(e.value)}`);
  return lines.join('\n') + '\n';
}
