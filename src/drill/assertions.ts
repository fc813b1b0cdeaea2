import type { Check } from '../report/model.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { WorkloadResult } from '../workload/runner.js';
import type { SideLoadResults } from '../workload/side-loads.js';

/** What these helpers need of a step (the Step type itself lives with the handlers, which depend on this file). */
interface StepLike {
  index: number;
  step: string;
  options: Record<string, unknown>;
  label?: string;
}

/** Assertions about the load: only known once it has stopped and the counters are read back. */
export const WORKLOAD_ASSERTIONS = [
  'max-unavailable-ms',
  'max-lost-writes',
  'max-errors',
  'max-double-grants',
  'max-lost-messages',
] as const;
export type WorkloadAssertion = (typeof WORKLOAD_ASSERTIONS)[number];

export interface DeferredAssertion {
  index: number;
  kind: WorkloadAssertion;
  limit: number;
  /** A built-in drill's name for the check ("lost writes"). */
  label?: string;
}

/** The workload assertions of an assert step, judged at the end of the run. */
export function deferredOf(
  step: Pick<StepLike, 'index' | 'label'>,
  o: Partial<Record<WorkloadAssertion, number>>,
): DeferredAssertion[] {
  return WORKLOAD_ASSERTIONS.flatMap((kind) =>
    o[kind] === undefined
      ? []
      : [{ index: step.index, kind, limit: o[kind], ...(step.label ? { label: step.label } : {}) }],
  );
}

const assertName = (d: { index: number; label?: string }, kind: string): string =>
  d.label ?? `steps[${d.index}] assert ${kind}`;

/**
 * Judges the workload assertions against the whole run. Unavailability
 * comes from the write probe when the drill ran one (every master's slots,
 * open loop), else from the load's own gaps. Pure.
 */
export function workloadChecks(
  deferred: readonly DeferredAssertion[],
  w: WorkloadResult,
  availability: AvailabilityResult | null = null,
  side: SideLoadResults = { lock: null, pubsub: null },
): Check[] {
  return deferred.map((d) => {
    const name = assertName(d, d.kind);
    if (d.kind === 'max-double-grants') {
      if (!side.lock) return { name, passed: false, detail: 'no lock load ran in this drill (add lock to the load)' };
      const n = side.lock.doubleGrants.length;
      return {
        name,
        passed: n <= d.limit,
        detail: `${n} double grant(s) in ${side.lock.grants} grants; limit ${d.limit}`,
      };
    }
    if (d.kind === 'max-lost-messages') {
      if (!side.pubsub)
        return { name, passed: false, detail: 'no pubsub load ran in this drill (add pubsub to the load)' };
      const p = side.pubsub;
      return {
        name,
        passed: p.lost <= d.limit,
        detail: `${p.lost} of ${p.published} acknowledged messages never delivered (${p.mode}); limit ${d.limit}`,
      };
    }
    if (d.kind === 'max-unavailable-ms') {
      if (availability) {
        const worst = availability.masters.reduce<AvailabilityResult['masters'][number] | null>(
          (a, m) => (a === null || m.longestGap.ms > a.longestGap.ms ? m : a),
          null,
        );
        const gap = worst?.longestGap ?? { ms: 0, fromMs: 0, toMs: 0 };
        return {
          name,
          passed: gap.ms <= d.limit,
          detail: `longest span with no successful probe write on one master's slots: ${gap.ms} ms${worst ? ` (${worst.label}, from +${gap.fromMs} to +${gap.toMs} ms)` : ''}; limit ${d.limit} ms`,
        };
      }
      const gap = w.longestGapWatched ?? w.longestGap;
      return {
        name,
        passed: gap.ms <= d.limit,
        detail: `longest span with no successful operation on one master's slots: ${gap.ms} ms (from +${gap.fromMs} to +${gap.toMs} ms); limit ${d.limit} ms`,
      };
    }
    if (d.kind === 'max-lost-writes') {
      // Both kinds of acknowledged write count: increments missing from the counters, ids missing from the write log.
      const counted = w.consistency?.lost ?? null;
      const lost = counted === null ? null : counted + (w.writeLog?.lost ?? 0);
      // A counter or set that could not be read back might hide a lost write: the limit cannot be shown to hold.
      const unreadable = (w.consistency?.unreadable ?? 0) + (w.writeLog?.unreadableKeys ?? 0);
      const log = w.writeLog ? ` and ${w.writeLog.acknowledged} acknowledged adds (${w.writeLog.lost} lost)` : '';
      return {
        name,
        passed: lost !== null && lost <= d.limit && unreadable === 0,
        detail: `${lost ?? 'unknown'} acknowledged writes lost (of ${w.consistency?.acknowledged ?? '?'} acknowledged INCRs${log}${unreadable ? `; ${unreadable} ${w.writeLog ? 'counters or sets' : 'counters'} could not be read back` : ''}); limit ${d.limit}`,
      };
    }
    return { name, passed: w.errors <= d.limit, detail: `${w.errors} failed operations; limit ${d.limit}` };
  });
}

/** The assertion checked at its step: a role as ROLE reports it. Pure. */
export function roleCheck(
  index: number,
  items: {
    ref: string;
    address: string;
    want: 'master' | 'replica';
    got: { role: string; master: string | null } | null;
  }[],
  label?: string,
): Check {
  const passed = items.every((i) => i.got?.role === i.want);
  const detail = items
    .map(
      (i) =>
        `${i.ref} (${i.address}) is ${i.got ? `${i.got.role}${i.got.master ? ` of ${i.got.master}` : ''}` : 'not answering'}${i.got?.role === i.want ? '' : `, expected ${i.want}`}`,
    )
    .join('; ');
  return { name: assertName({ index, label }, 'roles'), passed, detail };
}

/** "steps[1] kill-master master=0 as=victim": a step as one line, for progress and the report. */
export function describeStep(step: Pick<StepLike, 'index' | 'step' | 'options'>): string {
  return `steps[${step.index}] ${stepTitle(step)}`;
}

/** "kill-master master=0 as=victim", "wait-for promotion". */
export function stepTitle(step: Pick<StepLike, 'step' | 'options'>): string {
  const parts = Object.entries(step.options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v === null ? k : `${k}=${valueText(v)}`));
  return `${step.step}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}

/** An option's value in one line: a span as it was written (4000ms, 3x), a mapping compactly. */
function valueText(v: unknown): string {
  if (typeof v !== 'object' || v === null) return String(v);
  if ('ms' in v && Object.keys(v).length === 1) return `${String(v.ms)}ms`;
  if ('nodeTimeouts' in v && Object.keys(v).length === 1) return `${String(v.nodeTimeouts)}x`;
  return JSON.stringify(v).replace(/"/g, '');
}
