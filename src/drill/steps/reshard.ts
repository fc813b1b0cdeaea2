import * as z from 'zod';
import { MigrationError, type MigrationProgress } from '../../cluster/migrate.js';
import { readRedirections, redirectionsBetween } from '../../cluster/redirections.js';
import { RESHARD_DEFAULTS, type ReshardResult, firstSlots, reshard } from '../../cluster/reshard.js';
import { countSlots, slotsText, withoutSlots } from '../../cluster/slots.js';
import { InterruptedError } from '../../errors.js';
import { formatAddress } from '../../nodes/address.js';
import type { MigrationRecord } from '../../report/model.js';
import { StepFailed } from '../run-record.js';
import { expected, int, name, ref } from '../schema-parts.js';
import { type StepHandler, type StepRun, defineStep } from '../step.js';
import { restartOnInterrupt, sigkillMaster } from './signal.js';

/** "30%" as 0.3. Pure. */
const share = (v: string): number => Number(v.slice(0, -1)) / 100;

// Kept as written ("30%"), so a step's title reads as the file does; share() turns it into a number.
const percent = z
  .string(expected('a share of the slots, e.g. 30%'))
  .regex(/^\d+(\.\d+)?%$/, expected('a share of the slots, e.g. 30%'))
  .refine((v) => share(v) > 0 && share(v) < 1, expected('a share between 0% and 100%'));

const reshardSchema = z.strictObject(
  {
    slots: z.union(
      [int(1, 16384), percent],
      expected("a number of slots, or a share of the source's slots such as 20%"),
    ),
    from: ref,
    to: ref.optional(),
    pipeline: int(1, 100_000).optional(),
    batch: int(1, 16384).optional(),
    during: z
      .strictObject(
        { after: percent, kill: z.enum(['source', 'target'], expected('source or target')), as: name.optional() },
        expected('a mapping { after: 30%, kill: source }'),
      )
      .optional(),
  },
  expected(
    'a mapping { slots: N, from: NODE, to: NODE } (optional: to (default: the next master), pipeline, batch, during)',
  ),
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
  redisClusterOnly: true,
  refs: (o) => [{ path: ['from'], ref: o.from }, ...(o.to !== undefined ? [{ path: ['to'], ref: o.to }] : [])],
  gives: (o) => (o.during ? [o.during.as ?? 'victim'] : []),
  async run(run, o, step) {
    const from = await run.node(o.from);
    const map = await run.slotMap();
    const at = map.masters.findIndex((m) => m.id === from.id);
    if (at < 0) throw new StepFailed(`${formatAddress(from)} is not a master: there are no slots to move from it`);
    // Without a target, the next master in slot order takes them (the first one after the last).
    const to = o.to !== undefined ? await run.node(o.to) : run.nameOf(map.masters[(at + 1) % map.masters.length]!);
    const slots =
      typeof o.slots === 'number'
        ? o.slots
        : Math.max(1, Math.floor(share(o.slots) * countSlots(map.masters[at]!.slots)));
    const counted = await countRedirections(run);
    const t0 = run.clock.now();
    // What the kill did (set by it, read after the migration), and its own failure if it had one.
    const k: { killing: Promise<void> | null; killed: string | null; error: Error | null } = {
      killing: null,
      killed: null,
      error: null,
    };
    const kill = async (p: MigrationProgress): Promise<void> => {
      const victim = o.during!.kill === 'source' ? from : to;
      if (!(await run.slotMap()).masters.some((m) => m.id === victim.id))
        throw new StepFailed(`${formatAddress(victim)} is not a master any more`);
      const r = await sigkillMaster(run, victim.id);
      const killedAt = Date.parse(r.faultAt);
      run.recordFault({
        sendMs: r.actionMs,
        index: step.index,
        kind: `reshard-kill-${o.during!.kill}`,
        how: r.how,
        victim: r.victim,
        t0: killedAt,
      });
      restartOnInterrupt(run, victim, step.index);
      // The promotion is judged on slots the victim still owns: the observer's map may lag behind the
      // migration, so the source's entry is the one from before it, less every slot planned to move.
      const start = map.masters.find((m) => m.id === victim.id)!;
      const master =
        o.during!.kill === 'source'
          ? { ...start, slots: withoutSlots(start.slots, firstSlots(start.slots, slots)) }
          : start;
      // A target importing the source's slots ignores any other node's claim on them (Redis skips
      // importing slots in clusterUpdateSlotsConfigWith): it keeps naming the dead source, and stays
      // cluster_state:fail, until a fix closes them; the promotion is judged by the other nodes.
      const exclude = o.during!.kill === 'source' ? [to] : [];
      run.expectPromotion({ victim: master, manual: false, chosen: null, t0: killedAt, exclude });
      run.named(o.during!.as ?? 'victim', master);
      // The signal goes out while the migration runs on: say when, not how far it had got.
      k.killed = `${o.during!.kill} ${formatAddress(victim)} killed (SIGKILL) ${Math.round(Date.parse(r.faultAt) - t0)} ms into the migration, once ${p.slots} of ${slots} slots and ${p.keys} keys had moved`;
    };
    const beforeBatch = o.during
      ? async (p: MigrationProgress): Promise<void> => {
          // A batch at most runs while the kill is on its way; the one after starts on a dead node and stops the migration.
          if (k.killing !== null) {
            await k.killing;
            return;
          }
          if (p.slots >= share(o.during!.after) * slots) {
            // Not awaited: the kill lands while the next batch is in flight (its slots importing and
            // migrating, keys on their way), as a crash would, not neatly between two batches.
            k.killing = kill(p).catch((e: unknown) => {
              k.error = e instanceof Error ? e : new Error(String(e));
            });
          }
        }
      : undefined;
    const killDone = async (): Promise<void> => {
      await k.killing;
      if (k.error) throw k.error;
    };
    try {
      const r = await reshard({
        connect: run.deployment.connect,
        targets: run.deployment.nodes,
        slots,
        from: formatAddress(from),
        to: formatAddress(to),
        pipeline: o.pipeline ?? RESHARD_DEFAULTS.pipeline,
        batch: o.batch,
        abortSignal: run.abortSignal,
        beforeBatch,
        clock: run.clock,
      });
      await killDone();
      recordMove(run, step.index, t0, r, null, [], await counted());
      return {
        detail: `moved ${r.slots} slots (${r.slotRanges}) and ${r.keys} keys from ${formatAddress(r.from)} to ${formatAddress(r.to)} in ${r.elapsedMs} ms (${r.keysPerSec} keys/s)${k.killed ? `; ${k.killed}` : ''}`,
      };
    } catch (e) {
      await killDone();
      if (!(e instanceof MigrationError) || e instanceof InterruptedError) throw e;
      recordMove(
        run,
        step.index,
        t0,
        {
          from: { host: from.host, port: from.port },
          to: { host: to.host, port: to.port },
          slots: e.moved.slots,
          keys: e.moved.keys,
          elapsedMs: e.moved.elapsedMs,
          samples: e.moved.samples,
        },
        e.message,
        e.openSlots,
        await counted(),
      );
      // The slots redis-drill had opened and not closed; Redis may close some itself (the fix step says what it found).
      const open = e.openSlots.length
        ? `; in flight (importing/migrating) when it stopped: slots ${slotsText(e.openSlots)}`
        : '; no slot was in flight';
      // A kill that stopped the migration is what the step asked for; any other stop fails it.
      if (!k.killed) throw new StepFailed(`${e.message}${open}`);
      return {
        detail: `${k.killed}; the migration stopped after ${e.moved.slots} slots and ${e.moved.keys} keys (${e.message})${open}`,
      };
    }
  },
});

type Counted = MigrationRecord['redirections'];

/** Reads every node's MOVED/ASK/TRYAGAIN counters now; the function it returns gives what they counted since. */
export async function countRedirections(run: StepRun): Promise<() => Promise<Counted>> {
  const before = await readRedirections(run.deployment.nodes, run.deployment.connect);
  return async () => {
    const d = redirectionsBetween(before, await readRedirections(run.deployment.nodes, run.deployment.connect));
    return {
      ...d,
      source: `INFO errorstats of ${d.nodes} node(s), before and after the step: replies sent to every client (the load, the probe, redis-drill)`,
    };
  };
}

export function recordMove(
  run: StepRun,
  index: number,
  t0: number,
  r: Pick<ReshardResult, 'slots' | 'keys' | 'elapsedMs' | 'samples'> & {
    from: { host: string; port: number };
    to: { host: string; port: number };
  },
  stopped: string | null,
  openSlots: number[],
  redirections: Counted,
): void {
  const startMs = run.rel(t0);
  run.recordMigration({
    index,
    from: formatAddress(r.from),
    to: formatAddress(r.to),
    slots: r.slots,
    keys: r.keys,
    startMs,
    elapsedMs: r.elapsedMs,
    stopped,
    openSlots,
    samples: r.samples.map((s) => ({ tMs: startMs + s.elapsedMs, slots: s.slots, keys: s.keys })),
    redirections,
  });
  run.event({
    tMs: 0,
    at: t0 + r.elapsedMs,
    node: formatAddress(r.to),
    source: 'scenario',
    kind: 'migration',
    detail: `${r.slots} slots and ${r.keys} keys moved from ${formatAddress(r.from)}${stopped ? `; stopped: ${stopped}` : ''}`,
  });
}

const killSchema = z.preprocess(
  (v) => (v === null || v === undefined ? {} : typeof v === 'string' || typeof v === 'number' ? { master: v } : v),
  z.strictObject(
    { master: ref.optional(), slots: percent.optional(), after: percent.optional(), as: name.optional() },
    expected('a master, or a mapping { master: NODE, slots: 20%, after: 30%, as: NAME }'),
  ),
);

/**
 * reshard-kill-source / reshard-kill-target: a reshard of a share of the
 * master's slots (default 20%) to the next master, with SIGKILL to one side
 * once a share of them (default 30%) has moved. The fault catalogue's
 * spelling of `reshard: { ..., during: { after, kill } }`.
 */
function reshardKillStep(side: 'source' | 'target'): StepHandler {
  return defineStep<z.output<typeof killSchema>>({
    name: `reshard-kill-${side}`,
    schema: killSchema,
    role: 'fault',
    needsProcess: true,
    redisClusterOnly: true,
    refs: (o) => (o.master !== undefined ? [{ path: ['master'], ref: o.master }] : []),
    gives: (o) => [o.as ?? 'victim'],
    run: (run, o, step) =>
      reshardStep.run(
        run,
        {
          slots: o.slots ?? '20%',
          from: o.master ?? 'Master[0]',
          during: { after: o.after ?? '30%', kill: side, ...(o.as ? { as: o.as } : {}) },
        },
        step,
      ),
  });
}

export const reshardKillSourceStep = reshardKillStep('source');
export const reshardKillTargetStep = reshardKillStep('target');
