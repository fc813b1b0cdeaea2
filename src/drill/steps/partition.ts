import { z } from 'zod';
import { formatAddress } from '../../nodes/address.js';
import { PARTITION_MODES, parseLoss } from '../../faults/partition-plan.js';
import { applyPartition, checkPartitionReady, planPartition, removePartition } from '../../faults/partition.js';
import { checkFirewall } from '../../faults/iptables.js';
import { LocalHost } from '../../hosts/local.js';
import { nodesWithIds } from '../../deployment/lookup.js';
import type { DrillRun } from '../run.js';
import { atMostOne, expected, int, name, noOptions, ref, shortForm, text } from '../schema-parts.js';
import { defineStep } from '../step.js';

const loss = z
  .union([
    z.number(expected('a share such as 30% or 0.3')).min(0).max(1),
    z.string(expected('a share such as 30% or 0.3')),
  ])
  .transform((v, c) => {
    try {
      return typeof v === 'number' ? v : parseLoss(v);
    } catch {
      c.addIssue({ code: 'custom', message: 'expected a share such as 30% or 0.3' });
      return z.NEVER;
    }
  });

const schema = shortForm(
  'master',
  z
    .strictObject(
      {
        master: ref.optional(),
        slot: int(0, 16383).optional(),
        key: text.optional(),
        /** "A,B|C,D": an explicit split (nodes by Master[N], host:port or id prefix). */
        sides: text.optional(),
        mode: z.enum(PARTITION_MODES, expected(PARTITION_MODES.join(', '))).optional(),
        direction: z.enum(['in', 'out'], expected('in or out')).optional(),
        loss: loss.optional(),
        as: name.optional(),
      },
      expected('a mapping of options (master, slot, key, sides, mode, direction, loss, as) or a master'),
    )
    .refine(atMostOne(['master', 'slot', 'key', 'sides']), {
      error: 'expected at most one of master, slot, key and sides',
    }),
);

/**
 * partition: cut a master (or one side of an explicit split) off the
 * cluster's network with iptables; clients still reach every node. The
 * masters cut off from a replica of their own are waited for with
 * `wait-for: promotion`; `heal` ends the partition (and the drill heals it
 * anyway when it ends, whatever happened).
 */
export const partitionStep = defineStep<z.output<typeof schema>>({
  name: 'partition',
  schema,
  role: 'fault',
  needsProcess: true,
  refs: (o) => (typeof o.master === 'string' ? [{ path: ['master'], ref: o.master }] : []),
  gives: (o) => [o.as ?? 'victim'],
  async preflight(_o, ctx) {
    // No deployment yet: a local one is about to be created; its firewall must be ours to change.
    if (ctx === null) return checkFirewall(new LocalHost());
    await checkPartitionReady(ctx);
  },
  async run(run, o, step) {
    const map = await run.slotMap();
    const target = o.sides === undefined ? { master: run.master(map, o.master, { slot: o.slot, key: o.key }).id } : {};
    const mode = o.mode ?? 'isolate';
    const known = await nodesWithIds(run.ctx, run.observer);
    const planned = planPartition(
      known,
      map,
      { target, sides: o.sides, mode, direction: o.direction ?? 'out', loss: o.loss ?? 0.3 },
      run.ctx.sentinels,
    );
    const t0 = run.observer.markFault();
    await applyPartition(run.ctx, planned);
    run.observer.describeFault(planned.sides[0].map(formatAddress).join(','), `partition: ${planned.how}`);
    run.teardowns.set('partition', {
      what: 'healed the partition (removed its iptables rules)',
      run: () => removePartition(run.ctx),
    });
    const first = planned.cutOff[0];
    const victimNode = first ?? planned.sides[0][0]!;
    const victim = {
      id: first?.id ?? null,
      host: victimNode.host,
      port: victimNode.port,
      ...(first ? { index: first.index } : {}),
    };
    run.faults.push({ index: step.index, kind: 'partition', how: planned.how, victim, t0 });
    for (const m of planned.cutOff)
      run.expectPromotion({ victim: m, manual: false, chosen: null, t0, exclude: planned.minority });
    if (first) run.lastBroken = first.id;
    run.partitions.push({
      index: step.index,
      how: planned.how,
      mode,
      direction: mode === 'one-way' ? (o.direction ?? 'out') : 'both',
      loss: mode === 'flaky' ? (o.loss ?? 0.3) : null,
      sides: [planned.sides[0].map(formatAddress), planned.sides[1].map(formatAddress)],
      cutOff: planned.cutOff.map(formatAddress),
      t0,
      healedAt: null,
    });
    if (first) {
      const node = run.named(o.as ?? 'victim', first);
      return { detail: `${planned.how}; named ${node.name}`, node };
    }
    // A replica cut off alone (sides: "Node[4]|"): nothing to promote; after the heal it must link up again.
    const alone =
      planned.sides[0].length === 1
        ? known.find((n) => n.host === victimNode.host && n.port === victimNode.port && n.id !== null)
        : undefined;
    if (!alone) return { detail: `${planned.how}; no master is cut off from a replica of its own`, node: null };
    const node = run.named(o.as ?? 'victim', { id: alone.id!, host: alone.host, port: alone.port });
    run.brokeReplica(node, 'partition', t0);
    run.lastBroken = node.id;
    return { detail: `${planned.how}; a replica: no promotion follows; named ${node.name}`, node };
  },
});

/** heal: removes the partition's rules; the cut-off masters' rejoin is then what `wait-for: rejoin` waits for. */
export const healStep = defineStep<Record<string, never>>({
  name: 'heal',
  schema: noOptions('heal'),
  role: 'restore',
  needsProcess: true,
  refs: () => [],
  gives: () => [],
  check: (_o, before) =>
    before.steps.includes('partition') ? null : { path: [], message: 'heal needs an earlier partition step' },
  async run(run) {
    const t0 = run.observer.markFault('heal');
    const { removed } = await removePartition(run.ctx);
    run.observer.describeFault('', removed ? "the partition's rules removed" : 'nothing to heal', 'heal');
    run.teardowns.delete('partition');
    const p = run.partitions.findLast((x) => x.healedAt === null);
    if (p) p.healedAt = t0;
    healedRejoins(run, t0);
    return {
      detail: removed
        ? `removed the partition${p ? ` from steps[${p.index}]` : ''}; the cut-off masters may rejoin`
        : 'nothing to heal: no rule of this cluster was in place',
    };
  },
});

/** After a heal, each master that was cut off is expected back (as a replica of its successor), and a replica cut off alone with its link up. */
function healedRejoins(run: DrillRun, t0: number): void {
  for (const [id, r] of run.replicaFaults) {
    if (r.kind !== 'partition' || !run.partitions.some((x) => x.sides[0].includes(formatAddress(r.node)))) continue;
    run.replicaFaults.delete(id);
    run.pendingRejoins.set(id, { node: r.node, t0, how: 'heal' });
    run.lastRestored = id;
  }
  for (const [id, p] of run.pendingPromotions) {
    if (!run.partitions.some((x) => x.cutOff.includes(formatAddress(p.victim)))) continue;
    const node = run.nameOf(p.victim);
    run.pendingRejoins.set(id, { node, t0, how: 'heal' });
    run.lastRestored = id;
  }
}
