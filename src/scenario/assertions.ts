import type { NodeProbe } from '../cluster/probe.js';
import { formatAddress } from '../nodes/address.js';
import type { Check } from '../report/model.js';
import type { Probe } from '../util/wait.js';
import type { WorkloadResult } from '../workload/runner.js';
import type { AssertOptions, Step } from './schema.js';

/** Assertions about the load: only known once it has stopped and the counters are read back. */
export const WORKLOAD_ASSERTIONS = ['max-unavailable-ms', 'max-lost-writes', 'max-errors'] as const;
export type WorkloadAssertion = (typeof WORKLOAD_ASSERTIONS)[number];

export interface DeferredAssertion {
  index: number;
  kind: WorkloadAssertion;
  limit: number;
}

/** The workload assertions of an assert step, judged at the end of the run. */
export function deferredOf(index: number, o: AssertOptions): DeferredAssertion[] {
  return WORKLOAD_ASSERTIONS.flatMap((kind) => (o[kind] === undefined ? [] : [{ index, kind, limit: o[kind]! }]));
}

export const checkName = (index: number, step: string, what: string): string => `steps[${index}] ${step}${what ? ` ${what}` : ''}`;

/** Judges the workload assertions against the whole run. Pure. */
export function workloadChecks(deferred: readonly DeferredAssertion[], w: WorkloadResult): Check[] {
  return deferred.map((d) => {
    const name = checkName(d.index, 'assert', d.kind);
    if (d.kind === 'max-unavailable-ms') {
      const gap = w.longestGapWatched ?? w.longestGap;
      return { name, passed: gap.ms <= d.limit, detail: `longest span with no successful operation on one master's slots: ${gap.ms} ms (from +${gap.fromMs} to +${gap.toMs} ms); limit ${d.limit} ms` };
    }
    if (d.kind === 'max-lost-writes') {
      const lost = w.consistency?.lost ?? null;
      // A counter that could not be read back might hide a lost write: the limit cannot be shown to hold.
      const unreadable = w.consistency?.unreadable ?? 0;
      return {
        name,
        passed: lost !== null && lost <= d.limit && unreadable === 0,
        detail: `${lost ?? 'unknown'} acknowledged writes lost (of ${w.consistency?.acknowledged ?? '?'} acknowledged INCRs${unreadable ? `; ${unreadable} counters could not be read back` : ''}); limit ${d.limit}`,
      };
    }
    return { name, passed: w.errors <= d.limit, detail: `${w.errors} failed operations; limit ${d.limit}` };
  });
}

/** Every node that answers reports cluster_state:ok (and at least one answers). Pure. */
export function clusterOk(probes: readonly NodeProbe[]): Probe<string> {
  const up = probes.filter((p) => p.up);
  const down = probes.filter((p) => !p.up).map((p) => formatAddress(p.address));
  const notOk = up.filter((p) => p.clusterInfo?.get('cluster_state') !== 'ok').map((p) => `${formatAddress(p.address)} (${p.clusterInfo?.get('cluster_state') ?? '?'})`);
  const downText = down.length ? `; not answering: ${down.join(', ')}` : '';
  if (up.length === 0) return { done: false, seen: 'no node answering' };
  if (notOk.length) return { done: false, seen: `cluster_state not ok on ${notOk.join(', ')}${downText}` };
  return { done: true, value: `cluster_state:ok on all ${up.length} answering nodes${downText}` };
}

/** The assertion checked at its step: a role as ROLE reports it. Pure. */
export function roleCheck(index: number, items: { ref: string; address: string; want: 'master' | 'replica'; got: { role: string; master: string | null } | null }[]): Check {
  const passed = items.every((i) => i.got?.role === i.want);
  const detail = items
    .map((i) => `${i.ref} (${i.address}) is ${i.got ? `${i.got.role}${i.got.master ? ` of ${i.got.master}` : ''}` : 'not answering'}${i.got?.role === i.want ? '' : `, expected ${i.want}`}`)
    .join('; ');
  return { name: checkName(index, 'assert', 'roles'), passed, detail };
}

/** "steps[1] kill-master master=0 as=victim": a step as one line, for progress and the report. */
export function describeStep(step: Step): string {
  return `steps[${step.index}] ${stepTitle(step)}`;
}

/** "kill-master master=0 as=victim", "wait-for promotion". */
export function stepTitle(step: Step): string {
  const o = step.options as Record<string, unknown>;
  const parts = Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v === null ? k : typeof v === 'object' ? `${k}=${JSON.stringify(v).replace(/"/g, '')}` : `${k}=${v}`));
  return `${step.step}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}
