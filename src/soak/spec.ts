import type { DrillSpec, LoadSpec, SoakPlan } from '../drill/spec.js';
import type { Step } from '../drill/step.js';
import { type PlannedStep, faultEntry } from '../faults/catalog.js';
import type { SoakLoop } from './schedule.js';

type LoopStep = Omit<Step, 'index' | 'line'>;

/**
 * The steps of one loop: the catalogue's round of its fault (the fault,
 * the promotion, the restore, the rejoin), then settled (every node
 * answering with cluster_state:ok and one slot map, every replica linked),
 * and the pause. Every check is named "loop N: ..." so the report can tell
 * which loop failed. Pure.
 */
export function loopSteps(l: SoakLoop, deadlineMs: number | undefined, force = false): LoopStep[] {
  const v = `loop${l.loop}`;
  const label = (what: string): string => `loop ${l.loop}: ${what}`;
  const deadline = deadlineMs !== undefined ? { deadline: deadlineMs } : {};
  // Master[N] breaks whichever node serves those slots now; Node[N] the same node every time, master or replica.
  const round = faultEntry(l.fault).round({
    target: l.node !== null ? { node: l.target } : { master: l.target },
    as: v,
    label,
    deadlineMs,
    force,
  });
  const settled: LoopStep = { step: 'wait-for', options: { settled: true, ...deadline }, label: label('settled') };
  const pause: LoopStep = { step: 'wait-for', options: { duration: l.pauseMs }, label: label('pause') };
  return [...round, settled, pause];
}

/** What the faults of the schedule need done once, before the first loop (e.g. keys for the migrations to move). Pure. */
function setupSteps(schedule: readonly SoakLoop[]): PlannedStep[] {
  const seen = new Map<string, PlannedStep>();
  for (const l of schedule) for (const s of faultEntry(l.fault).setup ?? []) seen.set(JSON.stringify(s), s);
  return [...seen.values()];
}

/** The soak as one drill: one load across every loop, the loops' steps in a row, and where each loop starts and ends. Pure. */
export function soakSpec(o: {
  schedule: SoakLoop[];
  load: LoadSpec;
  plan: Omit<SoakPlan, 'loops'>;
  deadlineMs?: number;
}): DrillSpec {
  const steps: LoopStep[] = setupSteps(o.schedule);
  const loops: SoakPlan['loops'] = [];
  for (const l of o.schedule) {
    const first = steps.length;
    steps.push(...loopSteps(l, o.deadlineMs, o.plan.force));
    loops.push({
      loop: l.loop,
      fault: l.fault,
      target: l.target,
      master: l.master,
      firstStep: first,
      lastStep: steps.length - 1,
    });
  }
  return {
    name: 'soak',
    description: `built in: ${o.schedule.length} loops of ${o.plan.faults} on ${o.plan.target}, seed ${o.plan.seed}`,
    file: null,
    load: o.load,
    programs: [],
    steps: steps.map((s, index) => ({ ...s, index, line: null })),
    timelineFrom: 'start',
    soak: { ...o.plan, loops },
  };
}

/** The schedule as people read it: one line per loop. Pure. */
export function planText(seed: number, schedule: readonly SoakLoop[]): string {
  return [
    `seed ${seed}: ${schedule.length} loop(s)`,
    ...schedule.map((l) => `loop ${l.loop}: ${l.fault} ${l.target}, then a ${l.pauseMs} ms pause`),
  ].join('\n');
}
