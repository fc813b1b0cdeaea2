import { DeploymentNotFoundError, UsageError } from '../errors.js';
import { readState } from '../cluster/state.js';
import { faultEntry } from '../faults/catalog.js';
import { parseDuration } from '../workload/options.js';
import { type SoakLoop, availableFaults, buildSchedule, parseFaults, parseTarget, randomSeed } from './schedule.js';

export interface SoakRequest {
  stateDir: string;
  cluster: string;
  /** A fresh cluster is made first (with these create options); else the named deployment is used. */
  create: boolean;
  createShape: { masters: number; replicas: number; nodeTimeoutMs: number };
  /** Only the schedule is wanted (--plan): no deployment needed. */
  planOnly: boolean;
  loops?: number;
  duration?: string;
  faults: string;
  targets: string;
  interval: string;
  randomSeed?: number;
  skipUnavailable: boolean;
  keepGoing: boolean;
  force: boolean;
  /** Whether this process may change the firewall (root or CAP_NET_ADMIN). */
  mayChangeFirewall: boolean;
}

export interface SoakSchedule {
  seed: number;
  loops: number;
  intervalMs: number;
  schedule: SoakLoop[];
  kind: 'cluster' | 'sentinel';
  /** The command that runs the same schedule again. */
  reproduce: string;
  /** Faults left out for want of root (--skip-unavailable), and older spellings read as their new names. */
  dropped: string[];
  deprecated: string[];
}

/** Loops when none are given. */
const DEFAULT_LOOPS = 20;

/**
 * Plans a soak from what the user asked: the faults this machine can send,
 * the target, the seed (a random one when none is given), the number of
 * loops (from --duration: as many as fit, planned from what a loop takes at
 * least), and the schedule. Refuses, before anything starts, a soak that
 * could only fail: no replicas, or a Redis Cluster fault on Sentinel.
 */
export async function planSoak(r: SoakRequest): Promise<SoakSchedule> {
  if (r.loops !== undefined && r.duration !== undefined)
    throw new UsageError('--loops and --duration exclude each other', { hint: 'give one of them' });
  if (r.loops !== undefined && r.loops < 1)
    throw new UsageError(`--loops must be at least 1 (got ${r.loops})`, { hint: 'e.g. --loops 20' });
  const deprecated: string[] = [];
  const usable = availableFaults(parseFaults(r.faults, deprecated), {
    mayChangeFirewall: r.mayChangeFirewall,
    skipUnavailable: r.skipUnavailable,
  });
  const target = parseTarget(r.targets);
  const intervalMs = parseDuration(r.interval, '--interval');
  const seed = r.randomSeed ?? randomSeed();
  // How many masters: what --create makes, or what the deployment was made with.
  // --plan needs no deployment: without one, the schedule is for --masters of them.
  const state = r.create
    ? null
    : await readState(r.stateDir, r.cluster).catch((e: unknown) =>
        r.planOnly && e instanceof DeploymentNotFoundError ? null : Promise.reject(e as Error),
      );
  const kind = state?.kind ?? 'cluster';
  const clusterOnly = usable.faults.find((f) => faultEntry(f.fault).needs.redisCluster);
  if (kind === 'sentinel' && clusterOnly)
    throw new UsageError(
      `--faults ${clusterOnly.fault} needs Redis Cluster: a Sentinel deployment has no slots to move`,
      { hint: `drop ${clusterOnly.fault} from --faults` },
    );
  // Every loop waits for a replica to take over: without one, loop 1 could only fail (and leave slots unserved).
  if (!r.force && (state ? state.replicas : r.createShape.replicas) === 0)
    throw new UsageError(
      `soak needs replicas: ${state ? `"${r.cluster}" has none` : '--replicas 0 gives none'}, so no loop's promotion could happen`,
      {
        hint: 'create the cluster with --replicas 1 or more, or pass --force to break masters anyway (every loop fails)',
      },
    );
  const nodeTimeoutMs = state?.nodeTimeoutMs ?? r.createShape.nodeTimeoutMs;
  // --duration: loops planned from what a loop takes at least (3 node timeouts to detect, elect and rejoin, plus the pause).
  const loops =
    r.loops ??
    (r.duration !== undefined
      ? Math.max(1, Math.floor(parseDuration(r.duration, '--duration') / (3 * nodeTimeoutMs + intervalMs)))
      : DEFAULT_LOOPS);
  const masters = state ? (kind === 'sentinel' ? 1 : state.masters) : r.createShape.masters;
  const nodes = state ? state.nodes.length : r.createShape.masters * (1 + r.createShape.replicas);
  const schedule = buildSchedule({ seed, loops, faults: usable.faults, target, masters, nodes, intervalMs });
  const flags = [r.skipUnavailable && '--skip-unavailable', r.keepGoing && '--keep-going', r.force && '--force'];
  const reproduce = [
    `redis-drill soak --loops ${loops} --faults ${r.faults} --targets ${r.targets} --random-seed ${seed} --interval ${r.interval}`,
    ...flags.filter((x) => x),
  ].join(' ');
  return { seed, loops, intervalMs, schedule, kind, reproduce, dropped: usable.dropped, deprecated };
}
