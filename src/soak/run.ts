import { destroyDeployment } from '../cluster/lifecycle.js';
import { type SessionOptions, type SessionResult, runDrillSession } from '../drill/session.js';
import { LOAD_DEFAULTS } from '../drill/spec.js';
import { LOAD_KIND_DEFAULTS } from '../workload/load-defaults.js';
import { loadKinds } from '../workload/loads.js';
import type { SoakSchedule } from './plan.js';
import { soakPolicy } from './policy.js';
import { soakSpec } from './spec.js';

export interface SoakRun {
  /** The session: where, how to report, and what to create (without the drill itself). */
  session: Omit<SessionOptions, 'spec' | 'policy'>;
  clients: number;
  /** A fixed rate for the load (ops/s); as fast as the clients can when absent. */
  rate?: number;
  warmupMs: number;
  /** As the user wrote them: the report names them so. */
  faults: string;
  targets: string;
  keepGoing: boolean;
  force: boolean;
  /** With a created cluster: remove it when a loop fails (default: kept for a look). */
  destroyOnFailure: boolean;
}

/**
 * Runs a planned soak as one drill: one load across every loop, the soak's
 * policy (Ctrl-C keeps the report of the loops that ran; --keep-going goes
 * on after a failed loop), the report written; a created cluster removed
 * when a loop failed, if asked.
 */
export async function runSoak(s: SoakSchedule, o: SoakRun): Promise<SessionResult> {
  const spec = soakSpec({
    schedule: s.schedule,
    load: {
      ...LOAD_DEFAULTS,
      clients: o.clients,
      warmupMs: o.warmupMs,
      rate: o.rate,
      ...loadKinds(LOAD_KIND_DEFAULTS),
    },
    plan: {
      seed: s.seed,
      faults: o.faults,
      target: o.targets,
      intervalMs: s.intervalMs,
      reproduce: s.reproduce,
      // A cluster's manual failover waits for the replica: nothing may be lost. SENTINEL FAILOVER does not.
      judgeFailoverLoss: s.kind === 'cluster',
      keepGoing: o.keepGoing,
      force: o.force,
    },
    deadlineMs: o.session.deadlineMs,
  });
  const result = await runDrillSession({
    ...o.session,
    spec,
    policy: soakPolicy(spec.soak!),
  });
  // Ctrl-C keeps the cluster as it is (what the loops broke was restored): only a failed loop removes it.
  const interrupted = result.report.checks.some((k) => k.name === 'interrupted');
  if (result.report.verdict === 'fail' && !interrupted && o.session.create && o.destroyOnFailure) {
    await destroyDeployment({ stateDir: o.session.stateDir, cluster: o.session.cluster });
    return { ...result, kept: null };
  }
  return result;
}
