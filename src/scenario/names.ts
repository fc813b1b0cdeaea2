import { parseAddress } from '../nodes/address.js';
import type { Problem } from './problems.js';
import { FAULT_STEPS, type Step } from './schema.js';

/** Master[N] / N, host:port, or a node-id prefix: a node given without a name. */
export function isSelector(ref: string): boolean {
  return /^(?:Master\[)?\d+\]?$/i.test(ref) || parseAddress(ref) !== null || /^[0-9a-f]{4,40}$/i.test(ref);
}

/** A reference is a name when an earlier step defined it (a name that looks like an id prefix shadows it). */
export function isName(ref: string, defined: ReadonlySet<string>): boolean {
  return defined.has(ref) || !isSelector(ref);
}

type Located = Omit<Problem, 'line' | 'column'>;

/** The names a step gives nodes once it has run. */
export function namesGiven(step: Step): string[] {
  if ((FAULT_STEPS as readonly string[]).includes(step.step) || step.step === 'failover') return [(step.options as { as?: string }).as ?? 'victim'];
  if (step.step === 'wait-for' && step.options.promotion !== undefined) return [step.options.as ?? 'promoted'];
  return [];
}

/** Every node reference in a step, with its path under steps[i].<step>. */
function refsOf(step: Step): { path: (string | number)[]; ref: string }[] {
  const o = step.options as Record<string, unknown>;
  const refs: { path: (string | number)[]; ref: string }[] = [];
  const add = (key: string): void => {
    if (typeof o[key] === 'string') refs.push({ path: [key], ref: o[key] as string });
  };
  if (step.step === 'failover') ['master', 'replica'].forEach(add);
  else if ((FAULT_STEPS as readonly string[]).includes(step.step)) add('master');
  else if (step.step === 'restart-node' || step.step === 'resume-node') add('node');
  else if (step.step === 'wait-for') ['promotion', 'rejoin'].forEach(add);
  else if (step.step === 'assert' && step.options.roles) for (const k of Object.keys(step.options.roles)) refs.push({ path: ['roles', k], ref: k });
  return refs;
}

/**
 * Checks, without running anything, that every node name a step uses was
 * given by an earlier step, and that `wait-for: promotion` / `rejoin` have
 * something to wait for. A seed cluster (no processes) allows no process faults.
 */
export function checkSteps(steps: readonly Step[], o: { seed: boolean }): Located[] {
  const problems: Located[] = [];
  const defined = new Set<string>();
  let faults = 0;
  let restarts = 0;
  for (const step of steps) {
    const at = (path: (string | number)[]): (string | number)[] => ['steps', step.index, step.step, ...path];
    for (const r of refsOf(step)) {
      if (!isName(r.ref, defined) || defined.has(r.ref)) continue;
      const known = defined.size ? `one of the names earlier steps gave (${[...defined].join(', ')})` : 'a name an earlier step gave (none is given before this step)';
      problems.push({ path: at(r.path), message: `unknown node name "${r.ref}"; expected ${known}, Master[N], a node-id prefix or HOST:PORT` });
    }
    if (o.seed && (step.step !== 'failover' && step.step !== 'wait-for' && step.step !== 'populate' && step.step !== 'assert')) {
      problems.push({ path: ['steps', step.index, step.step], message: `${step.step} needs processes redis-drill started; a cluster attached with seed allows failover, wait-for, populate and assert` });
    }
    if (step.step === 'wait-for' && step.options.promotion === null && faults === 0) {
      problems.push({ path: at(['promotion']), message: 'wait-for promotion needs an earlier kill-master, stop-master, freeze-master or failover step' });
    }
    if (step.step === 'wait-for' && step.options.rejoin === null && restarts === 0) {
      problems.push({ path: at(['rejoin']), message: 'wait-for rejoin needs an earlier restart-node or resume-node step' });
    }
    if ((FAULT_STEPS as readonly string[]).includes(step.step) || step.step === 'failover') faults++;
    if (step.step === 'restart-node' || step.step === 'resume-node') restarts++;
    namesGiven(step).forEach((n) => defined.add(n));
  }
  return problems;
}
