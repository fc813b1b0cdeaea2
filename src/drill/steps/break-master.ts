import { z } from 'zod';
import { findNode, pidOf } from '../../deployment/lookup.js';
import type { FaultSignal } from '../../faults/catalog.js';
import { SIGNALS, killMaster } from '../../faults/kill-master.js';
import { rejoinNode, resumeIfFrozen } from '../../faults/rejoin.js';
import { formatAddress } from '../../nodes/address.js';
import type { SlotMapMaster } from '../../cluster/slotmap.js';
import { atMostOne, bool, expected, int, name, ref, shortForm, text } from '../schema-parts.js';
import { type StepHandler, defineStep } from '../step.js';
import { type DrillRun, type NamedNode, StepFailed } from '../run.js';
import type { Step } from '../step.js';
import { faultDetail } from './fault-detail.js';

export const targetSchema = shortForm(
  'master',
  z
    .strictObject(
      {
        master: ref.optional(),
        slot: int(0, 16383).optional(),
        key: text.optional(),
        as: name.optional(),
        force: bool.optional(),
      },
      expected('a mapping of options (master, slot, key, as, force) or a master'),
    )
    .refine(atMostOne(['master', 'slot', 'key']), { error: 'expected at most one of master, slot and key' }),
);
export type TargetOptions = z.output<typeof targetSchema>;

/**
 * kill-master (SIGKILL: a crash), term-master (SIGTERM: a graceful stop) and
 * freeze-master (SIGSTOP: a hung machine). The step does not wait: a
 * `wait-for: promotion` after it does. A frozen master is resumed if the drill
 * ends before a resume-node step does it.
 */
function breakMaster(stepName: string, signal: FaultSignal, aliases: string[] = []): StepHandler {
  return defineStep<TargetOptions>({
    name: stepName,
    aliases,
    schema: targetSchema,
    role: 'fault',
    needsProcess: true,
    refs: (o) => (typeof o.master === 'string' ? [{ path: ['master'], ref: o.master }] : []),
    gives: (o) => [o.as ?? 'victim'],
    async run(run, o, step) {
      const victim = run.master(await run.slotMap(), o.master, { slot: o.slot, key: o.key });
      return masterFault(run, victim, signal, step, o);
    },
  });
}

/** Signals a master and registers the promotion a `wait-for: promotion` waits for. */
async function masterFault(
  run: DrillRun,
  victim: SlotMapMaster,
  signal: FaultSignal,
  step: Pick<Step, 'index'>,
  o: { as?: string; force?: boolean },
) {
  const r = await killMaster(run.ctx, {
    target: { master: victim.id },
    signal,
    wait: false,
    force: Boolean(o.force),
    observer: run.observer,
  });
  run.noteFault(step.index, signal, r);
  run.expectPromotion({ victim, manual: false, chosen: null, t0: Date.parse(r.faultAt) });
  run.lastBroken = victim.id;
  undoIfEndedEarly(run, victim, signal, step.index);
  const node = run.named(o.as ?? 'victim', victim);
  return { detail: `${faultDetail(r)}; named ${node.name}`, node };
}

/**
 * Signals a replica: nothing takes over (a `wait-for: promotion` on it holds
 * the fault for 2 x node timeout instead), and a restart or resume is waited
 * out by `wait-for: rejoin`.
 */
async function replicaFault(run: DrillRun, n: NamedNode, signal: FaultSignal, step: Pick<Step, 'index'>, as: string) {
  const dn = findNode(run.ctx, n);
  const pid = dn ? await pidOf(run.ctx, dn) : null;
  if (!dn?.redis || pid === null)
    throw new StepFailed(`${formatAddress(n)} has no running process redis-drill started`);
  const t0 = run.observer.markFault();
  await dn.redis.signal(pid, SIGNALS[signal]);
  const how = `SIG${SIGNALS[signal]}`;
  run.observer.describeFault(formatAddress(n), `${how} sent to pid ${pid} (a replica)`);
  run.faults.push({ index: step.index, kind: signal, how, victim: { id: n.id, host: n.host, port: n.port }, t0 });
  run.lastBroken = n.id;
  undoIfEndedEarly(run, n, signal, step.index);
  const node = run.named(as, n);
  run.brokeReplica(node, signal, t0);
  return {
    detail: `${how} sent to pid ${pid} (${formatAddress(n)}, a replica: no promotion follows); named ${node.name}`,
    node,
  };
}

const nodeSchema = shortForm(
  'node',
  z.strictObject(
    { node: ref, as: name.optional(), force: bool.optional() },
    expected('a node, or a mapping of options (node, as, force)'),
  ),
);

/**
 * kill-node, term-node, freeze-node: the same faults on a node of either
 * role (Node[N], host:port, id prefix, a name). A master is broken as
 * kill-master would; a replica's fault has no promotion, only a rejoin, so a
 * soak's loop is the same whatever role the node has when its turn comes.
 */
function breakNode(stepName: string, signal: FaultSignal): StepHandler {
  return defineStep<z.output<typeof nodeSchema>>({
    name: stepName,
    schema: nodeSchema,
    role: 'fault',
    needsProcess: true,
    refs: (o) => [{ path: ['node'], ref: o.node }],
    gives: (o) => [o.as ?? 'victim'],
    async run(run, o, step) {
      const n = await run.node(o.node);
      const master = (await run.slotMap()).masters.find((m) => m.id === n.id && m.slots.length > 0);
      return master ? masterFault(run, master, signal, step, o) : replicaFault(run, n, signal, step, o.as ?? 'victim');
    },
  });
}

/** A frozen node is resumed whenever the drill ends before a resume-node step; a killed one is started again on Ctrl-C. */
function undoIfEndedEarly(
  run: DrillRun,
  node: { id: string; host: string; port: number },
  signal: FaultSignal,
  index: number,
): void {
  if (signal === 'freeze')
    run.teardowns.set(node.id, {
      what: `resumed ${formatAddress(node)} (frozen by steps[${index}])`,
      run: () => resumeIfFrozen(run.ctx, node),
    });
  else restartOnInterrupt(run, node, index);
}

/** A killed node is started again if Ctrl-C ends the drill before a restart-node step does it (a failed drill keeps it down, for a look). */
export function restartOnInterrupt(
  run: DrillRun,
  victim: { id: string; host: string; port: number },
  index: number,
): void {
  run.teardowns.set(victim.id, {
    what: `restarted ${formatAddress(victim)} (killed by steps[${index}])`,
    run: () => rejoinNode(run.ctx, { node: formatAddress(victim), mode: 'restart', wait: false }),
    onInterruptOnly: true,
  });
}

export const killMasterStep = breakMaster('kill-master', 'kill');
export const termMasterStep = breakMaster('term-master', 'term', ['stop-master']);
export const freezeMasterStep = breakMaster('freeze-master', 'freeze');
export const killNodeStep = breakNode('kill-node', 'kill');
export const termNodeStep = breakNode('term-node', 'term');
export const freezeNodeStep = breakNode('freeze-node', 'freeze');
