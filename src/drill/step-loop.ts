import type { SlotMap } from '../cluster/slotmap.js';
import type { Reporter } from '../util/reporter.js';
import { describeStep, stepTitle } from './assertions.js';
import type { DrillRun } from './run.js';
import { StepFailed, checkName } from './run-record.js';
import type { Step } from './step.js';
import { stepHandler } from './steps/index.js';

/**
 * How a kind of drill goes on when a step fails or throws. The default: the
 * first failed step ends the steps, and any error propagates. A soak passes
 * its own (src/soak/policy.ts): Ctrl-C still writes the report of the
 * loops that ran, and --keep-going recovers and runs the next loop.
 */
export interface RunPolicy {
  /** Checked against the slot map before the load starts (a soak refuses masters without replicas). */
  preflight?(before: SlotMap): void;
  /** A step threw: true when the policy took it (it stopped the run and said why), false to let it propagate. */
  caught?(run: DrillRun, step: Step, e: unknown): boolean;
  /** A step failed: the index of the step to go on at (after recovering), or null to skip the rest. */
  afterFailure?(run: DrillRun, step: Step, reporter: Reporter): Promise<number | null>;
}

/** The steps in order; once the run stops, the rest are recorded as skipped (unless the policy recovers). */
export async function runStepList(
  run: DrillRun,
  steps: readonly Step[],
  policy: RunPolicy,
  reporter: Reporter,
): Promise<void> {
  // With --keep-going, the first step of the loop after a failed one: the steps before it are skipped.
  let resumeAt = -1;
  for (const step of steps) {
    if (run.stopped || step.index < resumeAt) {
      skip(run, step);
      continue;
    }
    try {
      await reporter.step(describeStep(step), () => runStep(run, step));
    } catch (e) {
      if (!policy.caught?.(run, step, e)) throw e;
    }
    if (run.stopped && !run.interrupted && policy.afterFailure) {
      const next = await policy.afterFailure(run, step, reporter);
      if (next !== null) {
        run.resume();
        resumeAt = next;
      }
    }
  }
}

/** One step: its handler runs it; a StepFailed or a failed check of its own ends the steps. */
export async function runStep(run: DrillRun, step: Step): Promise<void> {
  const h = stepHandler(step.step)!;
  const at = run.clock.now();
  run.event({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: describeStep(step) });
  if (step.step !== 'assert' && step.step !== 'wait-for') run.marker(step.label ?? `[${step.index}] ${step.step}`, at);
  const checksBefore = run.checkCount();
  let detail: string;
  let node = null;
  let outcome: 'done' | 'failed' = 'done';
  try {
    ({ detail, node = null } = await h.run(run, step.options, step));
    if (h.role === 'fault') blockForTest();
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    detail = e.message;
    outcome = 'failed';
    run.addChecks([{ name: checkName(step, ''), passed: false, detail }]);
  }
  // A failed check of this step (a wait-for past its deadline, an assert) ends the drill's steps.
  if (run.failedSince(checksBefore)) {
    outcome = 'failed';
    run.stop();
  }
  run.recordStep({
    index: step.index,
    step: step.step,
    title: stepTitle(step),
    detail,
    startMs: run.rel(at),
    endMs: run.rel(run.clock.now()),
    outcome,
    node: node ? { ...node } : null,
  });
}

/** A step that ran no part of itself (skipped, or cut short), recorded at this moment. */
export function recordUnrun(run: DrillRun, step: Step, outcome: 'skipped' | 'failed', detail: string): void {
  const t = run.rel(run.clock.now());
  run.recordStep({
    index: step.index,
    step: step.step,
    title: stepTitle(step),
    detail,
    startMs: t,
    endMs: t,
    outcome,
    node: null,
  });
}

function skip(run: DrillRun, step: Step): void {
  recordUnrun(run, step, 'skipped', 'skipped: an earlier step failed');
}

/**
 * What faults left that must not outlive the drill (a frozen node the steps
 * did not resume, a partition not healed): undone, each on the timeline. A
 * failure to undo one is reported there and does not stop the others.
 */
export async function undoTeardowns(run: DrillRun, reporter: Reporter, interrupted: boolean): Promise<void> {
  for (const t of run.takeTeardowns()) {
    if (t.onInterruptOnly && !interrupted) continue;
    const at = run.clock.now();
    try {
      await t.run();
      run.event({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: `cleanup: ${t.what}` });
    } catch (e) {
      const text = `cleanup failed: ${t.what}: ${(e as Error).message}`;
      reporter.warn(text);
      run.event({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: text });
    }
  }
}

/**
 * A test-only hook: REDIS_DRILL_TEST_BLOCK_MAIN_MS=500 keeps the main
 * thread busy that long right after each fault step, as a load's burst of
 * errors and reconnects could. The instruments run on their own thread:
 * the suite checks their figures do not move.
 */
function blockForTest(): void {
  const ms = Number(process.env.REDIS_DRILL_TEST_BLOCK_MAIN_MS ?? 0);
  if (!(ms > 0)) return;
  const until = performance.now() + ms;
  while (performance.now() < until);
}
