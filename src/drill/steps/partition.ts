import * as z from 'zod';
import { formatAddress } from '../../nodes/address.js';
import { PARTITION_MODES, parseLoss } from '../../faults/partition-plan.js';
import { applyPartition, checkPartitionReady, planPartition, removePartition } from '../../faults/partition.js';
import { checkFirewall } from '../../faults/iptables.js';
import { LocalHost } from '../../hosts/local.js';
import { nodesWithIds } from '../../deployment/lookup.js';
import { atMostOne, expected, int, name, noOptions, ref, shortForm, text } from '../schema-parts.js';
import { type StepHandler, defineStep } from '../step.js';

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

/** Who a network step cuts: a master (by index, slot or key) or one side of an explicit split. */
const targets = {
  master: ref.optional(),
  slot: int(0, 16383).optional(),
  key: text.optional(),
  /** "A,B|C,D": an explicit split (nodes by Master[N], host:port or id prefix). */
  sides: text.optional(),
  as: name.optional(),
};
const onlyOneTarget = {
  check: atMostOne(['master', 'slot', 'key', 'sides']),
  error: 'expected at most one of master, slot, key and sides',
};

/** A network step's options: the targets and `extra` (listed in the error a wrong key gets). */
function networkSchema<E extends z.ZodRawShape>(extra: E) {
  const keys = ['master', 'slot', 'key', 'sides', ...Object.keys(extra), 'as'].join(', ');
  return shortForm(
    'master',
    z
      .strictObject({ ...targets, ...extra }, expected(`a mapping of options (${keys}) or a master`))
      .refine(onlyOneTarget.check, { error: onlyOneTarget.error }),
  );
}

const schema = networkSchema({
  mode: z.enum(PARTITION_MODES, expected(PARTITION_MODES.join(', '))).optional(),
  direction: z.enum(['in', 'out'], expected('in or out')).optional(),
  loss: loss.optional(),
});

/** The steps that are one mode of a partition: flaky (a lossy link: its share of packets dropped) and blackhole. */
const ownMode = {
  flaky: networkSchema({ loss: loss.optional() }) as unknown as typeof schema,
  blackhole: networkSchema({}) as unknown as typeof schema,
};

/**
 * partition: cut a master (or one side of an explicit split) off the
 * cluster's network with iptables; clients still reach every node. The
 * masters cut off from a replica of their own are waited for with
 * `wait-for: promotion`; `heal` ends the partition (and the drill heals it
 * anyway when it ends, whatever happened).
 */
function networkStep(stepName: 'partition' | keyof typeof ownMode): StepHandler {
  return defineStep<z.output<typeof schema>>({
    name: stepName,
    schema: stepName === 'partition' ? schema : ownMode[stepName],
    role: 'fault',
    needsProcess: true,
    refs: (o) => (typeof o.master === 'string' ? [{ path: ['master'], ref: o.master }] : []),
    gives: (o) => [o.as ?? 'victim'],
    olderSpelling: (o) =>
      stepName === 'partition' && o.mode === 'flaky'
        ? 'partition with mode flaky is an older spelling of the flaky step: it still works, but write flaky: { ... }'
        : null,
    async preflight(_o, ctx) {
      // No deployment yet: a local one is about to be created; its firewall must be ours to change.
      if (ctx === null) return checkFirewall(new LocalHost());
      await checkPartitionReady(ctx);
    },
    async run(run, o, step) {
      const map = await run.slotMap();
      const target =
        o.sides === undefined ? { master: run.master(map, o.master, { slot: o.slot, key: o.key }).id } : {};
      // flaky and blackhole are partitions of their own mode (also written partition: { mode: flaky }).
      const mode = stepName === 'partition' ? (o.mode ?? 'isolate') : stepName;
      const known = await nodesWithIds(run.deployment, run.observer);
      const planned = planPartition(
        known,
        map,
        { target, sides: o.sides, mode, direction: o.direction ?? 'out', loss: o.loss ?? 0.3 },
        run.deployment.sentinels,
      );
      const t0 = run.observer.markFault();
      await applyPartition(run.deployment, planned);
      const sendMs = run.clock.now() - t0;
      run.observer.describeFault(planned.sides[0].map(formatAddress).join(','), `partition: ${planned.how}`);
      run.undoIfEndedEarly('partition', {
        what: 'healed the partition (removed its iptables rules)',
        run: () => removePartition(run.deployment),
      });
      const first = planned.cutOff[0];
      const victimNode = first ?? planned.sides[0][0]!;
      const victim = {
        id: first?.id ?? null,
        host: victimNode.host,
        port: victimNode.port,
        ...(first ? { index: first.index } : {}),
      };
      for (const m of planned.cutOff)
        run.expectPromotion({ victim: m, manual: false, chosen: null, t0, exclude: planned.minority });
      // After the promotions: the first master cut off is the one a `wait-for: promotion` without a name waits for.
      run.recordFault({
        index: step.index,
        kind: mode === 'flaky' || mode === 'blackhole' ? mode : 'partition',
        how: planned.how,
        victim,
        t0,
        sendMs,
      });
      run.recordPartition({
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
      run.brokeReplica({ node, kind: 'partition', t0 });
      return { detail: `${planned.how}; a replica: no promotion follows; named ${node.name}`, node };
    },
  });
}

export const partitionStep = networkStep('partition');
export const flakyStep = networkStep('flaky');
/** blackhole: every packet to and from the node's ports dropped, clients' too, its process running; `heal` ends it. */
export const blackholeStep = networkStep('blackhole');

/** heal: removes the partition's rules; the cut-off masters' rejoin is then what `wait-for: rejoin` waits for. */
export const healStep = defineStep<Record<string, never>>({
  name: 'heal',
  schema: noOptions('heal'),
  role: 'restore',
  needsProcess: true,
  refs: () => [],
  gives: () => [],
  check: (_o, before) =>
    ['partition', 'flaky', 'blackhole'].some((s) => before.steps.includes(s))
      ? null
      : { path: [], message: 'heal needs an earlier partition, flaky or blackhole step' },
  async run(run) {
    const t0 = run.observer.markFault('heal');
    const { removed } = await removePartition(run.deployment);
    run.observer.describeFault('', removed ? "the partition's rules removed" : 'nothing to heal', 'heal');
    const p = run.healed(t0);
    return {
      detail: removed
        ? `removed the partition${p ? ` from steps[${p.index}]` : ''}; the cut-off masters may rejoin`
        : 'nothing to heal: no rule of this cluster was in place',
    };
  },
});
