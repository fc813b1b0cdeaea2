import type { Command } from 'commander';
import { SENTINEL_DEFAULTS } from '../sentinel/defaults.js';
import { type CreateFlags, addServerAndHostOptions, createRequest } from './cluster.js';
import type { Context } from './context.js';
import { intArg, portArg } from './options.js';

export interface SentinelFlags extends Omit<CreateFlags, 'masters' | 'nodeTimeout'> {
  sentinels: number;
  quorum?: number;
  sentinelPort: number;
  downAfter: number;
  failoverTimeout: number;
  masterName: string;
}

/** The options of `sentinel create` (shared with `sentinel failover-report --create`). */
export function addSentinelCreateOptions(cmd: Command): Command {
  cmd
    .option('--replicas <n>', 'replicas of the master (at least 1)', intArg(0, 100), SENTINEL_DEFAULTS.replicas)
    .option('--sentinels <n>', 'how many sentinels watch it', intArg(0, 100), SENTINEL_DEFAULTS.sentinels)
    .option(
      '--quorum <n>',
      'sentinels that must agree the master is down (default: 2, at most --sentinels)',
      intArg(0, 100),
    )
    .option('--port <port>', 'first data port: the master, then the replicas', portArg, SENTINEL_DEFAULTS.port)
    .option('--sentinel-port <port>', 'first sentinel port', portArg, SENTINEL_DEFAULTS.sentinelPort)
    .option(
      '--down-after <ms>',
      'down-after-milliseconds: how long until a silent master counts as down',
      intArg(1),
      SENTINEL_DEFAULTS.downAfterMs,
    )
    .option(
      '--failover-timeout <ms>',
      'failover-timeout of the sentinels',
      intArg(1),
      SENTINEL_DEFAULTS.failoverTimeoutMs,
    )
    .option('--master-name <name>', 'the name the sentinels know the master by', SENTINEL_DEFAULTS.masterName)
    .option(
      '--bind <address>',
      "the nodes' address: one for all (127.0.0.1), one per node counting up (127.0.1.1+: data nodes, then sentinels), or a list",
      '127.0.0.1',
    );
  return addServerAndHostOptions(cmd, {
    nodes: 'data node',
    first: 'sentinels one per host first',
    perHost: 'data nodes on each --hosts host',
  });
}

/** The create request a `sentinel ...` command's flags make. */
export function sentinelRequest(ctx: Context, f: SentinelFlags & { force?: boolean }) {
  const base = createRequest(ctx, { ...f, masters: 1, nodeTimeout: f.downAfter, force: Boolean(f.force) });
  return {
    ...base,
    sentinels: f.sentinels,
    quorum: f.quorum,
    sentinelPort: f.sentinelPort,
    downAfterMs: f.downAfter,
    failoverTimeoutMs: f.failoverTimeout,
    masterName: f.masterName,
  };
}
