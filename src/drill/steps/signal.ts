import * as z from 'zod';
import type { SlotMapMaster } from '../../cluster/slotmap.js';
import { findNode, pidOf } from '../../deployment/lookup.js';
import type { FaultSignal } from '../../faults/catalog.js';
import { SIGNALS, killMaster } from '../../faults/kill-master.js';
import { rejoinNode, resumeIfFrozen } from '../../faults/rejoin.js';
import { formatAddress } from '../../nodes/address.js';
import { type NamedNode, StepFailed } from '../run-record.js';
import { atMostOne, bool, expected, int, name, ref, text } from '../schema-parts.js';
import { type Step, type StepHandler, type StepOutcome, type StepRun, defineStep } from '../step.js';
import { faultDetail } from './fault-detail.js';

/**
 * kill (SIGKILL: a crash), term (SIGTERM: a graceful shutdown) and freeze
 * (SIGSTOP: a hung machine), each in three spellings: `kill` takes a master
 * (master, slot or key) or a node of either role (node), `kill-master` a
 * master only, `kill-node` a node only. A master's fault is waited out by a
 * `wait-for: promotion`; a replica's has no promotion, only a rejoin. A
 * frozen node is resumed if the drill ends before a resume-node step does
 * it; a killed one is started again on Ctrl-C.
 */

export type Accepts = 'either' | 'master' | 'node';

export interface SignalOptions {
  master?: string;
  slot?: number;
  key?: string;
  node?: string;
  as?: string;
  force?: boolean;
}

const OPTIONS: Record<Accepts, string[]> = {
  either: ['master', 'slot', 'key', 'node', 'as', 'force'],
  master: ['master', 'slot', 'key', 'as', 'force'],
  node: ['node', 'as', 'force'],
};

/** `kill: 1` is a master, `kill: Node[4]` a node; `kill-node: X` always a node. */
function shortKey(accepts: Accepts, v: string | number): 'master' | 'node' {
  if (accepts !== 'either') return accepts;
  return typeof v === 'string' && /^Node\[\d+\]$/i.test(v) ? 'node' : 'master';
}

export function schemaFor(accepts: Accepts): z.ZodType<SignalOptions, unknown> {
  const keys = OPTIONS[accepts];
  const all = {
    master: ref.optional(),
    slot: int(0, 16383).optional(),
    key: text.optional(),
    node: ref.optional(),
    as: name.optional(),
    force: bool.optional(),
  };
  const shape = Object.fromEntries(Object.entries(all).filter(([k]) => keys.includes(k)));
  const target = keys.filter((k) => k !== 'as' && k !== 'force');
  const object = z
    .strictObject(
      shape,
      expected(`a mapping of options (${keys.join(', ')}) or a ${accepts === 'node' ? 'node' : 'master'}`),
    )
    .refine(atMostOne(target), {
      error: `expected at most one of ${target.slice(0, -1).join(', ')} and ${target.at(-1)}`,
    })
    .refine((o: SignalOptions) => accepts !== 'node' || o.node !== undefined, {
      error: 'expected node: a node to break',
    });
  return z.preprocess(
    (v) =>
      v === null || v === undefined
        ? {}
        : typeof v === 'string' || typeof v === 'number'
          ? { [shortKey(accepts, v)]: v }
          : v,
    object,
  );
}

function signalStep(stepName: string, signal: FaultSignal, accepts: Accepts, aliases: string[] = []): StepHandler {
  return defineStep<SignalOptions>({
    name: stepName,
    aliases,
    schema: schemaFor(accepts),
    role: 'fault',
    needsProcess: true,
    refs: (o) =>
      (['master', 'node'] as const).flatMap((k) => (typeof o[k] === 'string' ? [{ path: [k], ref: o[k] }] : [])),
    gives: (o) => [o.as ?? 'victim'],
    async run(run, o, step) {
      const map = await run.slotMap();
      if (o.node === undefined)
        return masterFault(run, run.master(map, o.master, { slot: o.slot, key: o.key }), signal, step, o);
      const n = await run.node(o.node);
      const master = map.masters.find((m) => m.id === n.id && m.slots.length > 0);
      return master ? masterFault(run, master, signal, step, o) : replicaFault(run, n, signal, step, o.as ?? 'victim');
    },
  });
}

/** Signals a master and registers the promotion a `wait-for: promotion` waits for. */
async function masterFault(
  run: StepRun,
  victim: SlotMapMaster,
  signal: FaultSignal,
  step: Pick<Step, 'index'>,
  o: { as?: string; force?: boolean },
): Promise<StepOutcome> {
  const r = await killMaster(run.deployment, {
    target: { master: victim.id },
    signal,
    wait: false,
    force: Boolean(o.force),
    observer: run.observer,
  });
  const t0 = Date.parse(r.faultAt);
  run.recordFault({ index: step.index, kind: signal, how: r.how, victim: r.victim, t0, sendMs: r.actionMs });
  run.expectPromotion({ victim, manual: false, chosen: null, t0 });
  undoIfEndedEarly(run, victim, signal, step.index);
  const node = run.named(o.as ?? 'victim', victim);
  return { detail: `${faultDetail(r)}; named ${node.name}`, node };
}

/**
 * Signals a replica: nothing takes over (a `wait-for: promotion` on it waits
 * until the cluster flags it fail instead), and a restart or resume is
 * waited out by `wait-for: rejoin`.
 */
async function replicaFault(
  run: StepRun,
  n: NamedNode,
  signal: FaultSignal,
  step: Pick<Step, 'index'>,
  as: string,
): Promise<StepOutcome> {
  const dn = findNode(run.deployment, n);
  const pid = dn ? await pidOf(run.deployment, dn) : null;
  if (!dn?.redis || pid === null)
    throw new StepFailed(`${formatAddress(n)} has no running process redis-drill started`);
  const t0 = run.observer.markFault();
  await dn.redis.signal(pid, SIGNALS[signal]);
  const sendMs = run.clock.now() - t0;
  const how = `SIG${SIGNALS[signal]}`;
  run.observer.describeFault(formatAddress(n), `${how} sent to pid ${pid} (a replica)`);
  run.recordFault({
    index: step.index,
    kind: signal,
    how,
    victim: { id: n.id, host: n.host, port: n.port },
    t0,
    sendMs,
  });
  undoIfEndedEarly(run, n, signal, step.index);
  const node = run.named(as, n);
  run.brokeReplica({ node, kind: signal, t0 });
  return {
    detail: `${how} sent to pid ${pid} (${formatAddress(n)}, a replica: no promotion follows); named ${node.name}`,
    node,
  };
}

/** A frozen node is resumed whenever the drill ends before a resume-node step; a killed one is started again on Ctrl-C. */
function undoIfEndedEarly(
  run: StepRun,
  node: { id: string; host: string; port: number },
  signal: FaultSignal,
  index: number,
): void {
  if (signal === 'freeze')
    run.undoIfEndedEarly(node.id, {
      what: `resumed ${formatAddress(node)} (frozen by steps[${index}])`,
      run: () => resumeIfFrozen(run.deployment, node),
    });
  else restartOnInterrupt(run, node, index);
}

/**
 * SIGKILLs the master a step chose, at once: no wait for a promotion (the
 * step watches what follows), and the observer marks the fault. quick-restart
 * passes the user's `force`; the other steps kill on purpose.
 */
export function sigkillMaster(run: StepRun, masterId: string, force = true): ReturnType<typeof killMaster> {
  return killMaster(run.deployment, {
    target: { master: masterId },
    signal: 'kill',
    wait: false,
    force,
    observer: run.observer,
  });
}

/** A killed node is started again if Ctrl-C ends the drill before a restart-node step does it (a failed drill keeps it down, for a look). */
export function restartOnInterrupt(
  run: StepRun,
  victim: { id: string; host: string; port: number },
  index: number,
): void {
  run.undoIfEndedEarly(victim.id, {
    what: `restarted ${formatAddress(victim)} (killed by steps[${index}])`,
    run: () => rejoinNode(run.deployment, { node: formatAddress(victim), mode: 'restart', wait: false, cleanup: true }),
    onInterruptOnly: true,
  });
}

/** A fault step aimed at one master (`master`, `slot` or `key`; `as`), as quick-restart and kill-during-sync are: the parts they share. */
export function masterFaultStep(name: string, run: StepHandler<SignalOptions>['run']): StepHandler {
  return defineStep<SignalOptions>({
    name,
    schema: schemaFor('master'),
    role: 'fault',
    needsProcess: true,
    refs: (o) => (typeof o.master === 'string' ? [{ path: ['master'], ref: o.master }] : []),
    gives: (o) => [o.as ?? 'victim'],
    run,
  });
}

export const killStep = signalStep('kill', 'kill', 'either');
export const termStep = signalStep('term', 'term', 'either');
export const freezeStep = signalStep('freeze', 'freeze', 'either');
export const killMasterStep = signalStep('kill-master', 'kill', 'master');
export const termMasterStep = signalStep('term-master', 'term', 'master', ['stop-master']);
export const freezeMasterStep = signalStep('freeze-master', 'freeze', 'master');
export const killNodeStep = signalStep('kill-node', 'kill', 'node');
export const termNodeStep = signalStep('term-node', 'term', 'node');
export const freezeNodeStep = signalStep('freeze-node', 'freeze', 'node');
