import { UsageError } from '../errors.js';
import { type FaultEntry, type RoundPart, faultEntry, faultsFor, findFault } from '../faults/catalog.js';
import type { MasterSelector } from '../faults/target.js';
import type { LoadKinds } from '../workload/loads.js';
import type { ProgramSpec } from '../workload/program-run.js';
import type { DrillSpec } from './spec.js';

export interface FailoverReportOptions {
  /** A fault of the catalogue (src/faults/catalog.ts), by its name or an older spelling. */
  fault: string;
  /** The kind of deployment it runs on: a Redis Cluster fault is refused on Sentinel. */
  kind: 'cluster' | 'sentinel';
  target: MasterSelector;
  warmupMs: number;
  settleMs: number;
  clients: number;
  /** A fixed rate for the key-value load (ops/s, open loop); as fast as the clients can when absent. */
  rate?: number;
  mix: string;
  keyspace: number;
  /** Lost acknowledged writes allowed before the verdict fails (undefined: the default for the fault, see maxLostFor). */
  maxLost?: number;
  /** The load's kinds (kv, set, lock, pubsub) and their settings. */
  kinds: LoadKinds;
  /** Double grants and lost pub/sub messages allowed (null: reported, not judged). */
  maxDoubleGrants: number | null;
  maxLostMessages: number | null;
  /** The user's own clients (--client-cmd). */
  programs: ProgramSpec[];
  deadlineMs?: number;
  /** A partition's direction (one-way), a flaky link's loss, and how long it lasts (default: 3 x node timeout). */
  network?: { direction?: 'in' | 'out'; loss?: number; durationMs?: number };
}

/** The names failover-report's checks have always had: scripts read them. */
const CHECK_NAMES: Partial<Record<RoundPart, string>> = {
  fault: 'fault',
  promotion: 'promotion',
  rejoin: 'old master rejoined as a replica',
  'old master is a replica': 'old master is a replica',
  'cluster ok after the heal': 'cluster ok after the heal',
  fix: 'fix',
  back: 'back and serving',
  'serving again': 'serving again',
  'in sync': 'every replica in sync',
  'keys lost': 'keys lost',
};

/**
 * Lost writes allowed by default: a cluster's manual failover waits for the
 * replica to catch up, so nothing may be lost; SENTINEL FAILOVER does not
 * (the old master takes writes until Sentinel converts it), and a crash
 * may lose what was not yet replicated: reported, not judged. Pure.
 */
export function maxLostFor(fault: string, kind: 'cluster' | 'sentinel'): number | null {
  return fault === 'failover' && kind === 'cluster' ? 0 : null;
}

/**
 * failover-report is a built-in scenario: one round of a catalogue fault
 * (break the master or fail it over, wait for the promotion, let it settle,
 * bring the old master back and wait for it to rejoin as a replica, or
 * what the fault's entry says), then the load's judgements. Pure.
 */
export function failoverReportSpec(o: FailoverReportOptions): DrillSpec {
  const entry = faultFor(o.fault, o.kind);
  const target: MasterSelector = Object.fromEntries(
    Object.entries({ master: o.target.master, slot: o.target.slot, key: o.target.key }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const n = o.network ?? {};
  const round = entry.round({
    target,
    as: 'victim',
    label: (part) => CHECK_NAMES[part],
    deadlineMs: o.deadlineMs,
    settleMs: o.settleMs,
    holdFor: n.durationMs !== undefined ? { ms: n.durationMs } : undefined,
    direction: n.direction,
    loss: n.loss,
  });
  const steps = [...(entry.setup ?? []), ...round];
  const maxLost = o.maxLost ?? maxLostFor(entry.name, o.kind);
  if (maxLost !== null) steps.push({ step: 'assert', options: { 'max-lost-writes': maxLost }, label: 'lost writes' });
  if (o.maxDoubleGrants !== null)
    steps.push({ step: 'assert', options: { 'max-double-grants': o.maxDoubleGrants }, label: 'double grants' });
  if (o.maxLostMessages !== null)
    steps.push({ step: 'assert', options: { 'max-lost-messages': o.maxLostMessages }, label: 'lost messages' });
  return {
    name: 'failover-report',
    description: `built in: ${entry.name} ${where(target)}: ${entry.describe}${settles(round) ? ` (settle ${o.settleMs} ms after the promotion)` : ''}`,
    file: null,
    load: {
      clients: o.clients,
      mix: o.mix,
      keyspace: o.keyspace,
      valueSize: 16,
      rate: o.rate,
      warmupMs: o.warmupMs,
      ...o.kinds,
    },
    programs: o.programs,
    steps: steps.map((s, index) => ({ ...s, index, line: null })),
    timelineFrom: 'fault',
  };
}

/** The catalogue entry, refused (exit 2) when unknown or when the deployment cannot take it. */
export function faultFor(name: string, kind: 'cluster' | 'sentinel', flag = '--fault'): FaultEntry {
  const found = findFault(name);
  if (!found)
    throw new UsageError(`${flag}: unknown fault "${name}"`, {
      hint: `the faults are: ${faultsFor(kind)
        .map((f) => f.name)
        .join(', ')}`,
    });
  if (kind === 'sentinel' && found.entry.needs.redisCluster)
    throw new UsageError(
      `${flag} ${found.entry.name} needs Redis Cluster: a Sentinel deployment's one master has no slots to move`,
      { hint: 'choose another fault, or run it on a cluster' },
    );
  return faultEntry(found.entry.name);
}

const settles = (steps: readonly { step: string; options: Record<string, unknown> }[]): boolean =>
  steps.some((s) => s.step === 'wait-for' && 'duration' in s.options);

function where(t: MasterSelector): string {
  if (t.master !== undefined) return `Master[${t.master}]`;
  if (t.slot !== undefined) return `the owner of slot ${t.slot}`;
  if (t.key !== undefined) return `the owner of key "${t.key}"`;
  return 'Master[0]';
}
