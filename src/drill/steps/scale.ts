import { z } from 'zod';
import { fixCluster } from '../../cluster/fix.js';
import { addNode, removeNode } from '../../cluster/membership.js';
import { MigrationError, type MigrationProgress } from '../../cluster/migrate.js';
import { RESHARD_DEFAULTS, type ReshardResult, rebalance, reshard } from '../../cluster/reshard.js';
import { nodeFor } from '../../cluster/runtime.js';
import { readState } from '../../cluster/state.js';
import { InterruptedError } from '../../errors.js';
import { killMaster } from '../../faults/kill-master.js';
import { formatAddress } from '../../nodes/address.js';
import { type DrillRun, StepFailed } from '../run.js';
import { expected, int, name, ref, shortForm } from '../schema-parts.js';
import { defineStep } from '../step.js';

/** The nodes changed: the drill's view of them follows (the observer keeps watching the ones it started with). */
async function refreshNodes(run: DrillRun): Promise<void> {
  const state = await readState(run.ctx.stateDir, run.ctx.name);
  run.ctx.state = state;
  run.ctx.nodes.splice(0, run.ctx.nodes.length, ...state.nodes.map((r) => ({ host: r.bind, port: r.port, label: formatAddress({ host: r.bind, port: r.port }), redis: nodeFor(run.ctx.hosts, state, r) })));
}

const addSchema = z.preprocess(
  (v) => (v === null || v === undefined ? {} : v),
  z.strictObject({ 'replica-of': ref.optional(), as: name.optional() }, expected('nothing (an empty master), or a mapping { replica-of: NODE, as: NAME }')),
);

/** A new node: an empty master, or a replica of a master; named (default `added`). */
export const addNodeStep = defineStep<z.output<typeof addSchema>>({
  name: 'add-node',
  schema: addSchema,
  needsProcess: true,
  refs: (o) => (o['replica-of'] ? [{ path: ['replica-of'], ref: o['replica-of'] }] : []),
  gives: (o) => [o.as ?? 'added'],
  async run(run, o) {
    const of = o['replica-of'] ? await run.node(o['replica-of']) : null;
    const r = await addNode({ stateDir: run.ctx.stateDir, cluster: run.ctx.name, timeoutMs: run.ctx.timeoutMs, replicaOf: of ? formatAddress(of) : undefined, signal: run.signal });
    await refreshNodes(run);
    const node = run.named(o.as ?? 'added', r.node);
    return { detail: `${formatAddress(r.node)} joined as ${r.node.role === 'master' ? 'an empty master' : `a replica of ${r.node.master}`} in ${r.elapsedMs} ms; named ${node.name}`, node };
  },
});

/** A node out of the cluster (FORGET everywhere, stopped, removed); a master must own no slots. */
export const removeNodeStep = defineStep<{ node: string }>({
  name: 'remove-node',
  schema: shortForm('node', z.strictObject({ node: ref }, expected('a node (a name, Master[N], HOST:PORT or an id prefix)'))),
  needsProcess: true,
  refs: (o) => [{ path: ['node'], ref: o.node }],
  gives: () => [],
  async run(run, o) {
    const n = await run.node(o.node);
    const r = await removeNode({ stateDir: run.ctx.stateDir, cluster: run.ctx.name, timeoutMs: run.ctx.timeoutMs, node: formatAddress(n), signal: run.signal });
    await refreshNodes(run);
    return { detail: `${r.node.role} ${formatAddress(r.node)} forgotten by ${r.forgottenBy} node(s), stopped and removed` };
  },
});

const percent = z
  .string(expected('a share of the slots, e.g. 30%'))
  .regex(/^\d+(\.\d+)?%$/, expected('a share of the slots, e.g. 30%'))
  .transform((v) => Number(v.slice(0, -1)) / 100)
  .refine((v) => v > 0 && v < 1, expected('a share between 0% and 100%'));

const reshardSchema = z.strictObject(
  {
    slots: int(1, 16384),
    from: ref,
    to: ref,
    pipeline: int(1, 100_000).optional(),
    batch: int(1, 16384).optional(),
    during: z.strictObject({ after: percent, kill: z.enum(['source', 'target'], expected('source or target')), as: name.optional() }, expected('a mapping { after: 30%, kill: source }')).optional(),
  },
  expected('a mapping { slots: N, from: NODE, to: NODE } (optional: pipeline, batch, during)'),
);

/**
 * Moves slots under the load. With `during`, a master of the migration is
 * killed (SIGKILL) once that share of the slots has moved: the migration
 * then stops, and the step reports the slots it left open (`cluster fix`,
 * or a `fix` step, closes them); the killed master is named (default
 * `victim`) for `wait-for: promotion` and `restart-node`.
 */
export const reshardStep = defineStep<z.output<typeof reshardSchema>>({
  name: 'reshard',
  schema: reshardSchema,
  role: 'fault',
  needsProcess: false,
  refs: (o) => [
    { path: ['from'], ref: o.from },
    { path: ['to'], ref: o.to },
  ],
  gives: (o) => (o.during ? [o.during.as ?? 'victim'] : []),
  async run(run, o, step) {
    const from = await run.node(o.from);
    const to = await run.node(o.to);
    const t0 = run.clock.now();
    // Set inside beforeBatch; the cast keeps TypeScript from narrowing it to null here.
    let killed = null as string | null;
    const beforeBatch = o.during
      ? async (p: MigrationProgress): Promise<void> => {
          if (killed || p.slots < o.during!.after * o.slots) return;
          const victim = o.during!.kill === 'source' ? from : to;
          const map = await run.slotMap();
          const master = map.masters.find((m) => m.id === victim.id);
          if (!master) throw new StepFailed(`${formatAddress(victim)} is not a master any more`);
          const r = await killMaster(run.ctx, { target: { master: victim.id }, signal: 'kill', wait: false, force: true, abort: run.signal, observer: run.observer });
          run.noteFault(step.index, 'kill', r);
          run.pendingPromotions.set(master.id, { victim: master, manual: false, chosen: null, t0: Date.parse(r.faultAt) });
          run.lastBroken = master.id;
          run.named(o.during!.as ?? 'victim', master);
          killed = `${o.during!.kill} ${formatAddress(victim)} killed (SIGKILL) after ${p.slots} of ${o.slots} slots and ${p.keys} keys`;
        }
      : undefined;
    try {
      const r = await reshard({ connect: run.connect, targets: run.ctx.nodes, slots: o.slots, from: formatAddress(from), to: formatAddress(to), pipeline: o.pipeline ?? RESHARD_DEFAULTS.pipeline, batch: o.batch, signal: run.signal, beforeBatch, clock: run.clock });
      record(run, step.index, t0, r, null, []);
      return { detail: `moved ${r.slots} slots (${r.slotRanges}) and ${r.keys} keys from ${formatAddress(r.from)} to ${formatAddress(r.to)} in ${r.elapsedMs} ms (${r.keysPerSec} keys/s)${killed ? `; ${killed}` : ''}` };
    } catch (e) {
      if (!(e instanceof MigrationError) || e instanceof InterruptedError) throw e;
      record(run, step.index, t0, { from: { host: from.host, port: from.port }, to: { host: to.host, port: to.port }, slots: e.moved.slots, keys: e.moved.keys, elapsedMs: e.moved.elapsedMs, samples: e.moved.samples }, e.message, e.openSlots);
      const open = e.openSlots.length ? `; left open: slots ${e.openSlots.join(', ')}` : '; no slot left open';
      // A kill that stopped the migration is what the step asked for; any other stop fails it.
      if (!killed) throw new StepFailed(`${e.message}${open}`);
      return { detail: `${killed}; the migration stopped after ${e.moved.slots} slots and ${e.moved.keys} keys (${e.message})${open}` };
    }
  },
});

function record(run: DrillRun, index: number, t0: number, r: Pick<ReshardResult, 'slots' | 'keys' | 'elapsedMs' | 'samples'> & { from: { host: string; port: number }; to: { host: string; port: number } }, stopped: string | null, openSlots: number[]): void {
  const startMs = run.rel(t0);
  run.migrations.push({ index, from: formatAddress(r.from), to: formatAddress(r.to), slots: r.slots, keys: r.keys, startMs, elapsedMs: r.elapsedMs, stopped, openSlots, samples: r.samples.map((s) => ({ tMs: startMs + s.elapsedMs, slots: s.slots, keys: s.keys })) });
  run.stepEvents.push({ tMs: 0, at: t0 + r.elapsedMs, node: formatAddress(r.to), source: 'scenario', kind: 'migration', detail: `${r.slots} slots and ${r.keys} keys moved from ${formatAddress(r.from)}${stopped ? `; stopped: ${stopped}` : ''}` });
}

/** Evens out the slots over every master (empty ones included), one reshard per move. */
export const rebalanceStep = defineStep<Record<string, never>>({
  name: 'rebalance',
  schema: z.preprocess((v) => (v === null || v === undefined ? {} : v), z.strictObject({}, expected('no options'))),
  needsProcess: false,
  refs: () => [],
  gives: () => [],
  async run(run, _o, step) {
    const t0 = run.clock.now();
    const r = await rebalance({ connect: run.connect, targets: run.ctx.nodes, pipeline: RESHARD_DEFAULTS.pipeline, signal: run.signal, clock: run.clock });
    let at = t0;
    for (const m of r.moves) {
      record(run, step.index, at, m, null, []);
      at += m.elapsedMs;
    }
    return { detail: r.moves.length ? `moved ${r.slots} slots and ${r.keys} keys in ${r.moves.length} move(s); slots per master now ${r.after.map((m) => m.slots).join(' / ')}` : 'nothing to move: the slots were even' };
  },
});

/** cluster fix as a step: open slots closed, unserved slots assigned; what it did is in the report. */
export const fixStep = defineStep<Record<string, never>>({
  name: 'fix',
  schema: z.preprocess((v) => (v === null || v === undefined ? {} : v), z.strictObject({}, expected('no options'))),
  needsProcess: false,
  refs: () => [],
  gives: () => [],
  async run(run, _o, step) {
    const r = await fixCluster({ connect: run.connect, targets: run.ctx.nodes, signal: run.signal, clock: run.clock });
    run.fixes.push({ index: step.index, result: r });
    return { detail: r.actions.length ? `${r.actions.length} slot(s) fixed: ${r.actions.slice(0, 5).map((a) => `${a.slot} ${a.action}`).join(', ')}${r.actions.length > 5 ? ', ...' : ''}` : 'nothing to fix: every slot was stable and served' };
  },
});
