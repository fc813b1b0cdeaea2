import { parseAddress } from '../nodes/address.js';
import type { Step } from './step.js';
import { STEPS, stepHandler } from './steps/index.js';

/** A problem found without running anything; its path is under steps[i].<step>. */
export interface StepProblem {
  path: (string | number)[];
  message: string;
}

/** Master[N] / N, host:port, or a node-id prefix: a node given without a name. */
export function isSelector(ref: string): boolean {
  return (
    /^(?:Master\[)?\d+\]?$/i.test(ref) ||
    /^Node\[\d+\]$/i.test(ref) ||
    parseAddress(ref) !== null ||
    /^[0-9a-f]{4,40}$/i.test(ref)
  );
}

/** A reference is a name when an earlier step defined it (a name that looks like an id prefix shadows it). */
export function isName(ref: string, defined: ReadonlySet<string>): boolean {
  return defined.has(ref) || !isSelector(ref);
}

/**
 * Checks, without running anything, that every node name a step uses was
 * given by an earlier step, that each step has what it needs before it
 * (e.g. something to wait for), and, on a cluster attached by a seed (no
 * processes), that no step needs a process.
 */
export function checkSteps(steps: readonly Step[], o: { seed: boolean; sentinel?: boolean }): StepProblem[] {
  const problems: StepProblem[] = [];
  const defined = new Set<string>();
  const before = { faults: 0, restores: 0, steps: [] as string[] };
  for (const step of steps) {
    const h = stepHandler(step.step);
    if (!h) throw new Error(`no handler for step "${step.step}"`);
    const at = (path: (string | number)[]): (string | number)[] => ['steps', step.index, step.step, ...path];
    for (const r of h.refs(step.options)) {
      if (!isName(r.ref, defined) || defined.has(r.ref)) continue;
      const known = defined.size
        ? `one of the names earlier steps gave (${[...defined].join(', ')})`
        : 'a name an earlier step gave (none is given before this step)';
      problems.push({
        path: at(r.path),
        message: `unknown node name "${r.ref}"; expected ${known}, Master[N], Node[N], a node-id prefix or HOST:PORT`,
      });
    }
    if (o.seed && h.needsProcess) {
      const free = STEPS.filter((s) => !s.needsProcess).map((s) => s.name);
      const allowed = `${free.slice(0, -1).join(', ')} and ${free[free.length - 1]}`;
      problems.push({
        path: ['steps', step.index, step.step],
        message: `${step.step} needs processes redis-drill started; a cluster attached with seed allows ${allowed}`,
      });
    }
    // A Sentinel deployment's failover is SENTINEL FAILOVER: it picks the replica and has no modes.
    const clusterOnly =
      o.sentinel && step.step === 'failover'
        ? (['replica', 'force', 'takeover'] as const).find((k) => step.options[k] !== undefined)
        : undefined;
    if (clusterOnly)
      problems.push({
        path: at([clusterOnly]),
        message: `${clusterOnly} is a Redis Cluster option; on a Sentinel deployment (cluster: sentinel:) SENTINEL FAILOVER picks the replica itself and has no modes`,
      });
    if (o.sentinel && h.redisClusterOnly)
      problems.push({
        path: ['steps', step.index, step.step],
        message: `${step.step} needs Redis Cluster: a Sentinel deployment (cluster: sentinel:) has one master and no slots to move`,
      });
    const p = h.check?.(step.options, before);
    if (p) problems.push({ path: at(p.path), message: p.message });
    if (h.role === 'fault') before.faults++;
    if (h.role === 'restore') before.restores++;
    h.gives(step.options).forEach((n) => defined.add(n));
    before.steps.push(h.name);
  }
  return problems;
}
