import { UsageError } from '../errors.js';
import type { MasterSelector } from '../faults/target.js';
import type { LoadKinds } from '../workload/loads.js';
import type { ProgramSpec } from '../workload/program-run.js';
import type { DrillSpec } from './spec.js';
import type { Step } from './step.js';

/**
 * kill = SIGKILL, term = SIGTERM, freeze = SIGSTOP (then SIGCONT), failover = CLUSTER FAILOVER, partition = iptables;
 * reshard-kill-source/-target = SIGKILL to a master of a running slot migration (Redis Cluster only).
 */
export const DRILL_FAULTS = [
  'kill',
  'term',
  'freeze',
  'failover',
  'partition',
  'reshard-kill-source',
  'reshard-kill-target',
] as const;
export type DrillFault = (typeof DRILL_FAULTS)[number];
export const RESHARD_FAULTS: readonly DrillFault[] = ['reshard-kill-source', 'reshard-kill-target'];

/** The built-in reshard drill: keys to move, the share of the source's slots, and when the kill comes. */
const RESHARD_DRILL = { keys: 20_000, slots: '20%', after: '30%' } as const;

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
  /** The load's kinds (kv, set, lock, pubsub) and their settings. */
  kinds: LoadKinds;
  /** Double grants and lost pub/sub messages allowed (null: reported, not judged). */
  maxDoubleGrants: number | null;
  maxLostMessages: number | null;
  /** The user's own clients (--client-cmd). */
  programs: ProgramSpec[];
  deadlineMs?: number;
  /** --fault partition: how, and for how long (default: 3 x node timeout). */
  partition?: { mode: 'isolate' | 'one-way' | 'flaky'; direction: 'in' | 'out'; loss: number; durationMs?: number };
}

type BuiltInStep = Omit<Step, 'index' | 'line'>;

const FAULT_STEP = { kill: 'kill-master', term: 'term-master', freeze: 'freeze-master', failover: 'failover' } as const;

/**
 * failover-report is a built-in scenario: break the master (or fail it over),
 * wait for the promotion, let it settle, bring the old master back and wait
 * for it to rejoin as a replica (a manual failover instead checks that the old
 * master is a replica now; a partition is healed instead), then judge the
 * lost writes. Its checks keep the names the report has always used
 * ("promotion", "lost writes", ...).
 */
export function failoverReportSpec(o: FailoverReportOptions): DrillSpec {
  const target = Object.fromEntries(
    Object.entries({ master: o.target.master, slot: o.target.slot, key: o.target.key }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const deadline = o.deadlineMs !== undefined ? { deadline: o.deadlineMs } : {};
  const steps =
    o.fault === 'partition'
      ? partitionSteps(o, target, deadline)
      : RESHARD_FAULTS.includes(o.fault)
        ? reshardSteps(o, target, deadline)
        : processSteps(o, target, deadline);
  if (o.maxLost !== null)
    steps.push({ step: 'assert', options: { 'max-lost-writes': o.maxLost }, label: 'lost writes' });
  if (o.maxDoubleGrants !== null)
    steps.push({ step: 'assert', options: { 'max-double-grants': o.maxDoubleGrants }, label: 'double grants' });
  if (o.maxLostMessages !== null)
    steps.push({ step: 'assert', options: { 'max-lost-messages': o.maxLostMessages }, label: 'lost messages' });
  const where =
    target.master !== undefined
      ? `Master[${String(target.master)}]`
      : target.slot !== undefined
        ? `the owner of slot ${String(target.slot)}`
        : target.key !== undefined
          ? `the owner of key "${String(target.key)}"`
          : 'Master[0]';
  return {
    name: 'failover-report',
    description: `built in: ${describe(o, where)}`,
    file: null,
    load: {
      clients: o.clients,
      mix: o.mix,
      keyspace: o.keyspace,
      valueSize: 16,
      rate: undefined,
      warmupMs: o.warmupMs,
      ...o.kinds,
    },
    programs: o.programs,
    steps: steps.map((s, index) => ({ ...s, index, line: null })),
    timelineFrom: 'fault',
  };
}

/** kill, term, freeze, failover: fault, promotion, settle, then the old master back (or checked). */
function processSteps(o: FailoverReportOptions, target: Record<string, unknown>, deadline: object): BuiltInStep[] {
  const steps: BuiltInStep[] = [
    { step: FAULT_STEP[o.fault as keyof typeof FAULT_STEP], options: { ...target, as: 'victim' }, label: 'fault' },
    { step: 'wait-for', options: { promotion: null, ...deadline }, label: 'promotion' },
    { step: 'wait-for', options: { duration: o.settleMs } },
  ];
  if (o.fault === 'failover') {
    steps.push({ step: 'assert', options: { roles: { victim: 'replica' } }, label: 'old master is a replica' });
  } else {
    steps.push(
      { step: o.fault === 'freeze' ? 'resume-node' : 'restart-node', options: { node: 'victim' } },
      {
        step: 'wait-for',
        options: { rejoin: null, role: 'replica', ...deadline },
        label: 'old master rejoined as a replica',
      },
    );
  }
  return steps;
}

/**
 * reshard-kill-source/-target: keys to move, a reshard of a share of the
 * master's slots to the next master, SIGKILL to one side 30% of the way in,
 * the promotion, a fix of the half-migrated slots (after the promotion: one
 * before it would be undone by the replica's newer claim), the old master
 * back, and every populated key counted.
 */
function reshardSteps(o: FailoverReportOptions, target: Record<string, unknown>, deadline: object): BuiltInStep[] {
  if (target.slot !== undefined || target.key !== undefined)
    throw new UsageError(
      `--fault ${o.fault} moves slots away from a master: name it with --master (Master[i], HOST:PORT or a node id prefix), not --slot or --key`,
    );
  const kill = o.fault === 'reshard-kill-source' ? 'source' : 'target';
  return [
    { step: 'populate', options: { keys: RESHARD_DRILL.keys, prefix: 'reshard-drill:' } },
    {
      step: 'reshard',
      options: {
        slots: RESHARD_DRILL.slots,
        from: target.master ?? 'Master[0]',
        during: { after: RESHARD_DRILL.after, kill, as: 'victim' },
      },
      label: 'fault',
    },
    { step: 'wait-for', options: { promotion: null, ...deadline }, label: 'promotion' },
    { step: 'wait-for', options: { duration: o.settleMs } },
    { step: 'fix', options: {}, label: 'fix' },
    { step: 'restart-node', options: { node: 'victim' } },
    {
      step: 'wait-for',
      options: { rejoin: null, role: 'replica', ...deadline },
      label: 'old master rejoined as a replica',
    },
    { step: 'assert', options: { 'max-lost-keys': 0 }, label: 'keys lost' },
  ];
}

/** partition: cut, promotion, the partition's time, heal, rejoin as a replica (flaky: cut, its time, heal, cluster_state:ok). */
function partitionSteps(o: FailoverReportOptions, target: Record<string, unknown>, deadline: object): BuiltInStep[] {
  const p = o.partition ?? { mode: 'isolate', direction: 'out', loss: 0.3 };
  const how = {
    mode: p.mode,
    ...(p.mode === 'one-way' ? { direction: p.direction } : {}),
    ...(p.mode === 'flaky' ? { loss: p.loss } : {}),
  };
  const cut: BuiltInStep = { step: 'partition', options: { ...target, ...how, as: 'victim' }, label: 'fault' };
  const elapsed: BuiltInStep = {
    step: 'wait-for',
    options: { elapsed: p.durationMs !== undefined ? { ms: p.durationMs } : { nodeTimeouts: 3 } },
  };
  const heal: BuiltInStep = { step: 'heal', options: {} };
  if (p.mode === 'flaky')
    return [
      cut,
      elapsed,
      heal,
      { step: 'wait-for', options: { 'cluster-ok': true, ...deadline }, label: 'cluster ok after the heal' },
    ];
  return [
    cut,
    { step: 'wait-for', options: { promotion: null, ...deadline }, label: 'promotion' },
    elapsed,
    heal,
    {
      step: 'wait-for',
      options: { rejoin: null, role: 'replica', ...deadline },
      label: 'old master rejoined as a replica',
    },
  ];
}

function describe(o: FailoverReportOptions, where: string): string {
  if (o.fault === 'partition') {
    const p = o.partition ?? { mode: 'isolate', loss: 0.3 };
    const span = o.partition?.durationMs !== undefined ? `${o.partition.durationMs} ms` : '3 x node timeout';
    return p.mode === 'flaky'
      ? `a flaky link (${Math.round(p.loss * 100)}% loss) between ${where} and the others for ${span}, heal, wait for cluster_state:ok`
      : `${p.mode === 'one-way' ? 'cut one way' : 'isolate'} ${where} for ${span}, wait for the promotion, heal, wait for the old master to rejoin as a replica`;
  }
  if (RESHARD_FAULTS.includes(o.fault)) {
    const side =
      o.fault === 'reshard-kill-source'
        ? 'its source (the master giving the slots)'
        : 'its target (the master taking them)';
    return `write ${RESHARD_DRILL.keys} keys, reshard ${RESHARD_DRILL.slots} of ${where}'s slots to the next master, SIGKILL ${side} after ${RESHARD_DRILL.after} of them moved, wait for the promotion, settle ${o.settleMs} ms, fix the half-migrated slots, restart the old master and wait for it to rejoin, count the keys`;
  }
  const back =
    o.fault === 'failover'
      ? 'check the old master is a replica'
      : `${o.fault === 'freeze' ? 'resume' : 'restart'} the old master and wait for it to rejoin`;
  return `${o.fault} ${where}, wait for the promotion, settle ${o.settleMs} ms, ${back}`;
}
