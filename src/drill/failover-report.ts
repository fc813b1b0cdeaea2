import type { MasterSelector } from '../faults/target.js';
import type { DrillSpec } from './spec.js';
import type { Step } from './step.js';

/** kill = SIGKILL, term = SIGTERM, freeze = SIGSTOP (then SIGCONT), failover = CLUSTER FAILOVER. */
export const DRILL_FAULTS = ['kill', 'term', 'freeze', 'failover'] as const;
export type DrillFault = (typeof DRILL_FAULTS)[number];

export interface FailoverReportOptions {
  fault: DrillFault;
  target: MasterSelector;
  warmupMs: number;
  settleMs: number;
  clients: number;
  mix: string;
  keyspace: number;
  /** Lost acknowledged writes allowed before the verdict fails (null: reported, not judged). */
  maxLost: number | null;
  deadlineMs?: number;
}

const FAULT_STEP = { kill: 'kill-master', term: 'term-master', freeze: 'freeze-master', failover: 'failover' } as const;

/**
 * failover-report is a built-in scenario: break the master (or fail it over),
 * wait for the promotion, let it settle, bring the old master back and wait
 * for it to rejoin as a replica (a manual failover instead checks that the old
 * master is a replica now), then judge the lost writes. Its checks keep the
 * names the report has always used ("promotion", "lost writes", ...).
 */
export function failoverReportSpec(o: FailoverReportOptions): DrillSpec {
  const target = Object.fromEntries(Object.entries({ master: o.target.master, slot: o.target.slot, key: o.target.key }).filter(([, v]) => v !== undefined));
  const steps: Omit<Step, 'index' | 'line'>[] = [
    { step: FAULT_STEP[o.fault], options: { ...target, as: 'victim' }, label: 'fault' },
    { step: 'wait-for', options: { promotion: null, ...(o.deadlineMs !== undefined ? { deadline: o.deadlineMs } : {}) }, label: 'promotion' },
    { step: 'wait-for', options: { duration: o.settleMs } },
  ];
  if (o.fault === 'failover') {
    steps.push({ step: 'assert', options: { roles: { victim: 'replica' } }, label: 'old master is a replica' });
  } else {
    steps.push(
      { step: o.fault === 'freeze' ? 'resume-node' : 'restart-node', options: { node: 'victim' } },
      { step: 'wait-for', options: { rejoin: null, role: 'replica', ...(o.deadlineMs !== undefined ? { deadline: o.deadlineMs } : {}) }, label: 'old master rejoined as a replica' },
    );
  }
  if (o.maxLost !== null) steps.push({ step: 'assert', options: { 'max-lost-writes': o.maxLost }, label: 'lost writes' });
  const where = target.master !== undefined ? `Master[${target.master}]` : target.slot !== undefined ? `the owner of slot ${target.slot}` : target.key !== undefined ? `the owner of key "${target.key}"` : 'Master[0]';
  return {
    name: 'failover-report',
    description: `built in: ${o.fault} ${where}, wait for the promotion, settle ${o.settleMs} ms, ${o.fault === 'failover' ? 'check the old master is a replica' : `${o.fault === 'freeze' ? 'resume' : 'restart'} the old master and wait for it to rejoin`}`,
    file: null,
    load: { clients: o.clients, mix: o.mix, keyspace: o.keyspace, valueSize: 16, rate: undefined, warmupMs: o.warmupMs },
    steps: steps.map((s, index) => ({ ...s, index, line: null })),
    timelineFrom: 'fault',
  };
}
