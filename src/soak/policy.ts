import { describeStep } from '../drill/assertions.js';
import type { DrillRun } from '../drill/run.js';
import type { SoakPlan } from '../drill/spec.js';
import { type RunPolicy, recordUnrun, undoTeardowns } from '../drill/step-loop.js';
import { InterruptedError } from '../errors.js';
import type { Reporter } from '../util/reporter.js';
import { refuseUnreplicatedTargets } from './preflight.js';

/**
 * How a soak goes on: a master without a replica is refused before the
 * load starts; Ctrl-C ends the steps but the loops that ran are still
 * reported (the CLI then exits 130); with --keep-going, a failed loop's
 * damage is undone and the next loop runs once the deployment is healthy.
 */
export function soakPolicy(plan: SoakPlan): RunPolicy {
  return {
    preflight: (before) => refuseUnreplicatedTargets(before, plan),
    caught(run, step, e) {
      if (!(e instanceof InterruptedError)) return false;
      const text = `interrupted (Ctrl-C) during ${describeStep(step)}`;
      run.stop(text);
      run.addChecks([{ name: 'interrupted', passed: false, detail: text }]);
      recordUnrun(run, step, 'failed', text);
      return true;
    },
    afterFailure: plan.keepGoing
      ? async (run, step, reporter) => {
          const next = nextLoop(plan, step.index);
          if (!next) return null;
          const ok = await reporter.step(
            `--keep-going: restoring what ${next.failed} broke, then waiting until the deployment is healthy`,
            () => recoverLoop(run, next.failed, reporter),
          );
          return ok ? next.firstStep : null;
        }
      : undefined,
  };
}

/** The loop a failed step belongs to, and where the next loop starts (null after the last loop). Pure. */
export function nextLoop(plan: SoakPlan, index: number): { failed: string; firstStep: number } | null {
  const i = plan.loops.findIndex((l) => index >= l.firstStep && index <= l.lastStep);
  const next = plan.loops[i + 1];
  return i >= 0 && next ? { failed: `loop ${plan.loops[i]!.loop}`, firstStep: next.firstStep } : null;
}

/**
 * After a failed soak loop (--keep-going): what it broke is restored (a
 * killed master started, a frozen one resumed, a partition healed) and the
 * deployment must be healthy again within the deadline; if it is not, the
 * soak stops there with that as a failed check.
 */
async function recoverLoop(run: DrillRun, loop: string, reporter: Reporter): Promise<boolean> {
  await undoTeardowns(run, reporter, true);
  const r = await run.watch(
    (probes) => run.deployment.ops.healthy(probes),
    'a healthy deployment again after a failed loop',
    run.deadline(undefined),
  );
  run.addChecks([
    {
      name: `${loop}: recovered for the next loop`,
      passed: r.ok,
      detail: r.ok
        ? `${r.text}; the soak goes on (--keep-going)`
        : `not healthy again within the deadline (${r.text}): the soak stops here`,
    },
  ]);
  return r.ok;
}
