import path from 'node:path';
import { type SessionOptions, type SessionResult, runDrillSession } from '../drill/session.js';
import { chooseCluster } from './cluster.js';
import { type Override, loadScenario, parseSetOption } from './load.js';
import type { Scenario } from './schema.js';

/** `scenario run FILE`: the session's own options (which deployment, the report), and what the command line overrides. */
export interface ScenarioRunRequest extends Omit<SessionOptions, 'create' | 'spec' | 'policy'> {
  file: string;
  /** Whether --cluster was given (it then names the cluster the file would create). */
  clusterGiven: boolean;
  /** --port, --node-timeout and --set: values that override the file's. */
  port?: number;
  nodeTimeoutMs?: number;
  set: readonly string[];
  /** Keep the cluster the file creates (default: it is a throw-away one). */
  keep: boolean;
  /** The server binary when the file does not name one (--redis-server / REDIS_SERVER). */
  redisServer?: string;
}

export interface ScenarioRunResult extends SessionResult {
  scenario: Scenario;
}

/** `scenario run FILE`: load and check the file (with the command line's overrides), pick its cluster, run it as a drill. */
export async function runScenarioFile(r: ScenarioRunRequest): Promise<ScenarioRunResult> {
  const noCreate = (flag: string): string =>
    `${flag} applies only to a scenario that creates its deployment (cluster: create: or cluster: sentinel:)`;
  const overrides: Override[] = [
    ...(r.port !== undefined
      ? [
          {
            path: ['cluster', 'create', 'port'],
            alternatives: [['cluster', 'sentinel', 'port']],
            value: r.port,
            option: '--port',
            requireParent: noCreate('--port'),
          },
        ]
      : []),
    // A Sentinel deployment's node timeout is its down-after-milliseconds.
    ...(r.nodeTimeoutMs !== undefined
      ? [
          {
            path: ['cluster', 'create', 'node-timeout'],
            alternatives: [['cluster', 'sentinel', 'down-after']],
            value: r.nodeTimeoutMs,
            option: '--node-timeout',
            requireParent: noCreate('--node-timeout'),
          },
        ]
      : []),
    ...r.set.map(parseSetOption),
  ];
  const scenario = await loadScenario(r.file, overrides);
  for (const notice of scenario.notices) r.reporter?.warn(notice);
  const choice = chooseCluster(scenario, { cluster: r.cluster, clusterGiven: r.clusterGiven, seed: r.seed }, r.file);
  const c = choice.kind === 'create' ? choice.create : null;
  const st = choice.kind === 'create-sentinel' ? choice.sentinel : null;
  const result = await runDrillSession({
    stateDir: r.stateDir,
    cluster: choice.kind === 'attach' ? r.cluster : choice.name,
    seed: choice.kind === 'attach' ? choice.seed : undefined,
    password: r.password,
    timeoutMs: r.timeoutMs,
    create:
      c || st
        ? {
            request: (c
              ? {
                  masters: c.masters,
                  replicas: c.replicas,
                  port: c.port,
                  bind: c.bind,
                  nodeTimeoutMs: c['node-timeout'],
                  redisServer: c['redis-server'] ?? r.redisServer,
                  config: Object.entries(c.config ?? {}).map(([k, v]) => `${k}=${String(v)}`),
                  persistence: c.persistence,
                  password: c.password,
                  // An inventory's path is relative to the scenario file.
                  remote: c.inventory ? { inventory: path.resolve(path.dirname(r.file), c.inventory) } : undefined,
                }
              : st
                ? {
                    replicas: st.replicas,
                    sentinels: st.sentinels,
                    quorum: st.quorum,
                    port: st.port,
                    sentinelPort: st['sentinel-port'],
                    downAfterMs: st['down-after'],
                    failoverTimeoutMs: st['failover-timeout'],
                    masterName: st['master-name'],
                    bind: st.bind,
                    redisServer: st['redis-server'] ?? r.redisServer,
                    config: Object.entries(st.config ?? {}).map(([k, v]) => `${k}=${String(v)}`),
                    persistence: st.persistence,
                    password: st.password,
                  }
                : undefined)!,
            kind: st ? 'sentinel' : 'cluster',
            throwAway: !r.keep,
          }
        : undefined,
    spec: scenario,
    report: r.report,
    deadlineMs: r.deadlineMs,
    abortSignal: r.abortSignal,
    reporter: r.reporter,
  });
  return { ...result, scenario };
}
