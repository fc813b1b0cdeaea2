import type { Address } from '../nodes/address.js';
import { checkSteps } from '../drill/check-steps.js';
import { ScenarioFileError } from './problems.js';
import type { CreateSection, Scenario, SentinelCreateSection } from './schema.js';

/** Which cluster a scenario runs on. */
export type ClusterChoice =
  /** A throw-away local cluster, destroyed at the end (also on failure and Ctrl-C). */
  | { kind: 'create'; name: string; create: CreateSection }
  /** A throw-away Sentinel deployment, destroyed at the end. */
  | { kind: 'create-sentinel'; name: string; sentinel: SentinelCreateSection }
  /** A cluster redis-drill created earlier: used, never destroyed. */
  | { kind: 'managed'; name: string }
  /** A running cluster attached by a seed node: no process faults. */
  | { kind: 'attach'; seed: Address };

export interface ClusterFlags {
  /** --cluster, and whether the user gave it (rather than the default). */
  cluster: string;
  clusterGiven: boolean;
  seed?: Address;
}

/**
 * The file's `cluster:` section decides, but the command line wins: --seed
 * attaches instead; --cluster names the cluster (the one to create, or the
 * managed one to use). Without either, a created cluster is named
 * scenario-<scenario name>. Pure.
 */
export function chooseCluster(s: Scenario, flags: ClusterFlags, file: string): ClusterChoice {
  const seed = flags.seed ?? s.cluster.seed;
  if (seed) {
    // The file may create its cluster and break processes; an attached cluster has none.
    const problems = checkSteps(s.steps, { seed: true }).filter((p) => /needs processes/.test(p.message));
    if (problems.length) {
      throw new ScenarioFileError(
        file,
        problems.map((p) => ({
          ...p,
          line: s.steps.find((x) => x.index === p.path[1])?.line ?? null,
          column: null,
          message: `${p.message} (the cluster is attached with --seed)`,
        })),
      );
    }
    return { kind: 'attach', seed };
  }
  const throwAway = flags.clusterGiven
    ? flags.cluster
    : (s.cluster.name ?? `scenario-${s.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  if (s.cluster.create) return { kind: 'create', name: throwAway, create: s.cluster.create };
  if (s.cluster.sentinel) return { kind: 'create-sentinel', name: throwAway, sentinel: s.cluster.sentinel };
  return { kind: 'managed', name: flags.clusterGiven ? flags.cluster : (s.cluster.name ?? flags.cluster) };
}
