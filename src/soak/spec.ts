import type { DrillSpec, LoadSpec, SoakPlan } from '../drill/spec.js';
import type { Step } from '../drill/step.js';
import type { SoakFault, SoakLoop } from './schedule.js';

type LoopStep = Omit<Step, 'index' | 'line'>;

/** Keys written once when a reshard-kill loop is scheduled: the migrations move them, and every loop counts them. */
const RESHARD_KEYS = 20_000;

/**
 * The steps of one loop: the fault, the promotion, the restore (restart,
 * resume, heal; nothing for a manual failover), the rejoin as a replica,
 * settled (every node answering with cluster_state:ok and one slot map,
 * every replica linked), and the pause. Every check is named
 * "loop N: ..." so the report can tell which loop failed. Pure.
 */
export function loopSteps(l: SoakLoop, deadlineMs: number | undefined, force = false): LoopStep[] {
  const v = `loop${l.loop}`;
  // Master[N] breaks whichever node serves those slots now; Node[N] the same node every time, master or replica.
  const t = l.target;
  const byNode = l.node !== null;
  const signalled = { ...(byNode ? { node: t } : { master: t }), as: v, ...(force ? { force: true } : {}) };
  const label = (what: string): string => `loop ${l.loop}: ${what}`;
  const deadline = deadlineMs !== undefined ? { deadline: deadlineMs } : {};
  const promotion: LoopStep = { step: 'wait-for', options: { promotion: v, ...deadline }, label: label('promotion') };
  const rejoin: LoopStep = {
    step: 'wait-for',
    options: { rejoin: v, role: 'replica', ...deadline },
    label: label('rejoin'),
  };
  const ok: LoopStep = { step: 'wait-for', options: { settled: true, ...deadline }, label: label('settled') };
  const pause: LoopStep = { step: 'wait-for', options: { duration: l.pauseMs }, label: label('pause') };
  const byFault: Record<SoakFault, () => LoopStep[]> = {
    kill: () => [
      { step: byNode ? 'kill-node' : 'kill-master', options: signalled, label: label('fault') },
      promotion,
      { step: 'restart-node', options: { node: v }, label: label('restart') },
      rejoin,
    ],
    term: () => [
      { step: byNode ? 'term-node' : 'term-master', options: signalled, label: label('fault') },
      promotion,
      { step: 'restart-node', options: { node: v }, label: label('restart') },
      rejoin,
    ],
    freeze: () => [
      { step: byNode ? 'freeze-node' : 'freeze-master', options: signalled, label: label('fault') },
      promotion,
      { step: 'resume-node', options: { node: v }, label: label('resume') },
      rejoin,
    ],
    failover: () => [
      { step: 'failover', options: byNode ? { node: t, as: v } : { master: t, as: v }, label: label('fault') },
      promotion,
      { step: 'assert', options: { roles: { [v]: 'replica' } }, label: label('old master is a replica') },
    ],
    partition: () => [
      { step: 'partition', options: byNode ? { sides: `${t}|`, as: v } : { master: t, as: v }, label: label('fault') },
      promotion,
      { step: 'wait-for', options: { elapsed: { nodeTimeouts: 3 } }, label: label('partition time') },
      { step: 'heal', options: {}, label: label('heal') },
      rejoin,
    ],
    // A lossy link (30% of packets dropped both ways) for 3 node timeouts: a failover may or may not follow; the loop ends settled either way.
    flaky: () => [
      {
        step: 'partition',
        options: { ...(byNode ? { sides: `${t}|` } : { master: t }), mode: 'flaky', as: v },
        label: label('fault'),
      },
      { step: 'wait-for', options: { elapsed: { nodeTimeouts: 3 } }, label: label('flaky time') },
      { step: 'heal', options: {}, label: label('heal') },
    ],
    'reshard-kill': () => [
      {
        step: 'reshard',
        options: { slots: '20%', from: t, during: { after: '30%', kill: 'source', as: v } },
        label: label('fault'),
      },
      promotion,
      { step: 'fix', options: {}, label: label('fix') },
      { step: 'restart-node', options: { node: v }, label: label('restart') },
      rejoin,
      { step: 'assert', options: { 'max-lost-keys': 0 }, label: label('keys lost') },
    ],
  };
  return [...byFault[l.fault](), ok, pause];
}

/** The soak as one drill: one load across every loop, the loops' steps in a row, and where each loop starts and ends. Pure. */
export function soakSpec(o: {
  schedule: SoakLoop[];
  load: LoadSpec;
  plan: Omit<SoakPlan, 'loops'>;
  deadlineMs?: number;
}): DrillSpec {
  const steps: LoopStep[] = [];
  if (o.schedule.some((l) => l.fault === 'reshard-kill'))
    steps.push({ step: 'populate', options: { keys: RESHARD_KEYS, prefix: 'soak:' } });
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
