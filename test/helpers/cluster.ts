import { afterAll, beforeAll } from 'vitest';
import { type CliResult, runCli, runJson, stateDir } from './cli.js';
import { freePortRange } from './ports.js';

export interface CreatedNode {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  slots: [number, number][];
  pid: number;
  dir: string;
}

export interface TestCluster {
  stateDir: string;
  port: number;
  nodes: CreatedNode[];
  masters: CreatedNode[];
  create: CliResult;
  /** Runs the CLI against this cluster's state directory. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  json<T = any>(args: string[]): Promise<{ result: CliResult; json: T }>;
  destroy(): Promise<void>;
}

/** Creates a cluster through the real CLI on free ports, with a short node timeout. */
export async function createTestCluster(
  o: { masters?: number; replicas?: number; nodeTimeout?: number; extra?: string[]; ownAddresses?: boolean } = {},
): Promise<TestCluster> {
  const masters = o.masters ?? 3;
  const replicas = o.replicas ?? 1;
  const dir = await stateDir();
  const port = await freePortRange(masters * (1 + replicas));
  const bind = o.ownAddresses ? ['--bind', ownAddresses(port)] : [];
  const { result, json } = await runJson<{ nodes: CreatedNode[] }>(
    [
      'cluster',
      'create',
      '--masters',
      String(masters),
      '--replicas',
      String(replicas),
      '--port',
      String(port),
      '--node-timeout',
      String(o.nodeTimeout ?? 1000),
      ...bind,
      ...(o.extra ?? []),
    ],
    { stateDir: dir },
  );
  if (result.exitCode !== 0) throw new Error(`create failed (${result.exitCode}): ${result.stderr}`);
  return {
    stateDir: dir,
    port,
    nodes: json.nodes,
    masters: json.nodes.filter((n) => n.role === 'master'),
    create: result,
    run: (args, env) => runCli(args, { stateDir: dir, env }),
    json: (args) => runJson(args, { stateDir: dir }),
    destroy: async () => {
      const r = await runCli(['cluster', 'destroy'], { stateDir: dir });
      if (r.exitCode !== 0) throw new Error(`destroy failed: ${r.stderr}`);
    },
  };
}

/**
 * One cluster for a describe block: created before its tests and destroyed
 * after them (also when they fail). What it returns stands for that cluster
 * once beforeAll has run.
 */
export function useTestCluster(o: Parameters<typeof createTestCluster>[0] = {}): TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await createTestCluster(o);
  });
  afterAll(async () => cluster?.destroy());
  return new Proxy({} as TestCluster, {
    get(_, key) {
      if (!cluster) throw new Error('the test cluster is used before beforeAll created it');
      return cluster[key as keyof TestCluster];
    },
  });
}

/** One loopback address per node, derived from the first port (as redis-drill does itself), for network-fault tests. */
/**
 * `sentinel create`'s options for a test deployment on six consecutive free
 * ports from `port`: three data nodes, then the three sentinels; down-after
 * 2000 ms (below it Sentinel can fail over a new master twice, docs/sentinel.md).
 */
export function sentinelCreateArgs(port: number, extra: string[] = []): string[] {
  return ['--port', String(port), '--sentinel-port', String(port + 3), '--down-after', '2000', ...extra];
}

export function ownAddresses(port: number): string {
  return `127.${1 + ((port >> 8) % 254)}.${port & 255}.1+`;
}
