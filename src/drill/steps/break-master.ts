import { z } from 'zod';
import { type FaultSignal, killMaster } from '../../faults/kill-master.js';
import { rejoinNode, resumeIfFrozen } from '../../faults/rejoin.js';
import { formatAddress } from '../../nodes/address.js';
import { atMostOne, bool, expected, int, name, ref, shortForm, text } from '../schema-parts.js';
import { type StepHandler, defineStep } from '../step.js';
import type { DrillRun } from '../run.js';
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
      const r = await killMaster(run.ctx, { target: { master: victim.id }, signal, wait: false, force: Boolean(o.force), abort: run.signal, observer: run.observer });
      run.noteFault(step.index, signal, r);
      run.pendingPromotions.set(victim.id, { victim, manual: false, chosen: null, t0: Date.parse(r.faultAt) });
      run.lastBroken = victim.id;
      if (signal === 'freeze') {
        run.teardowns.set(victim.id, { what: `resumed ${formatAddress(victim)} (frozen by steps[${step.index}])`, run: () => resumeIfFrozen(run.ctx, victim) });
      } else restartOnInterrupt(run, victim, step.index);
      const node = run.named(o.as ?? 'victim', victim);
      return { detail: `${faultDetail(r)}; named ${node.name}`, node };
    },
  });
}

/** A killed master is started again if Ctrl-C ends the drill before a restart-node step does it (a failed drill keeps it down, for a look). */
export function restartOnInterrupt(run: DrillRun, victim: { id: string; host: string; port: number }, index: number): void {
  run.teardowns.set(victim.id, { what: `restarted ${formatAddress(victim)} (killed by steps[${index}])`, run: () => rejoinNode(run.ctx, { node: formatAddress(victim), mode: 'restart', wait: false }), onInterruptOnly: true });
}

export const killMasterStep = breakMaster('kill-master', 'kill');
export const termMasterStep = breakMaster('term-master', 'term', ['stop-master']);
export const freezeMasterStep = breakMaster('freeze-master', 'freeze');
