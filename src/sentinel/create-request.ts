import { type CreateRequest, configOf, hostEntries, passwordFor } from '../cluster/create-request.js';
import { CREATE_DEFAULTS } from '../cluster/create-defaults.js';
import type { HostEntry } from '../cluster/layout.js';
import { type SentinelCreateResult, createSentinel } from './create.js';
import { SENTINEL_DEFAULTS } from './defaults.js';

/** A Sentinel deployment as a user asks for it: the shared create options, and Sentinel's own. */
export interface SentinelCreateRequest extends Omit<CreateRequest, 'masters' | 'nodeTimeoutMs'> {
  sentinels?: number;
  quorum?: number;
  sentinelPort?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  masterName?: string;
}

/**
 * On SSH hosts, the data nodes spread as a cluster's nodes do, and the
 * sentinels go one per host first (a host that fails takes as few
 * sentinels with it as it can), on consecutive ports from --sentinel-port.
 */
function sentinelEntries(data: HostEntry[], count: number, port: number): HostEntry[] {
  const byHost = data.map((e) => ({ ...e, ports: [] as number[] }));
  for (let i = 0; i < count; i++) byHost[i % byHost.length]!.ports.push(port + Math.floor(i / byHost.length));
  return byHost.filter((e) => e.ports.length > 0);
}

export async function createSentinelFromRequest(r: SentinelCreateRequest): Promise<SentinelCreateResult> {
  const replicas = r.replicas ?? SENTINEL_DEFAULTS.replicas;
  const sentinels = r.sentinels ?? SENTINEL_DEFAULTS.sentinels;
  const port = r.port ?? SENTINEL_DEFAULTS.port;
  const sentinelPort = r.sentinelPort ?? SENTINEL_DEFAULTS.sentinelPort;
  const data = await hostEntries(r.remote, r.redisServer, 1 + replicas, port);
  return createSentinel({
    cluster: r.cluster,
    stateDir: r.stateDir,
    replicas,
    sentinels,
    quorum: r.quorum ?? Math.min(SENTINEL_DEFAULTS.quorum, sentinels),
    port,
    sentinelPort,
    bind: r.bind ?? CREATE_DEFAULTS.bind,
    downAfterMs: r.downAfterMs ?? SENTINEL_DEFAULTS.downAfterMs,
    failoverTimeoutMs: r.failoverTimeoutMs ?? SENTINEL_DEFAULTS.failoverTimeoutMs,
    masterName: r.masterName ?? SENTINEL_DEFAULTS.masterName,
    redisServer: r.redisServer,
    config: configOf(r),
    force: Boolean(r.force),
    password: passwordFor(r.password, data !== undefined, (m) => r.reporter?.warn(m)),
    hosts: data ? { data, sentinels: sentinelEntries(data, sentinels, sentinelPort) } : undefined,
    sshConnectTimeoutMs: r.remote?.sshTimeoutMs,
    abortSignal: r.abortSignal,
    reporter: r.reporter,
    clock: r.clock,
  });
}
