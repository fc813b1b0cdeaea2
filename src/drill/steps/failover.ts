import * as z from 'zod';
import type { SlotMapMaster } from '../../cluster/slotmap.js';
import { manualFailover } from '../../faults/manual-failover.js';
import { formatAddress } from '../../nodes/address.js';
import { StepFailed } from '../run-record.js';
import { type NodeProbe, myselfOf } from '../../cluster/probe.js';
import type { Probe } from '../../util/wait.js';
import { atMostOne, bool, expected, int, name, ref, shortForm, text } from '../schema-parts.js';
import { type StepRun, defineStep } from '../step.js';
import { faultDetail } from './fault-detail.js';

const schema = shortForm(
  'master',
  z
    .strictObject(
      {
        master: ref.optional(),
        slot: int(0, 16383).optional(),
        key: text.optional(),
        replica: ref.optional(),
        /** A node of either role: a master is failed over to one of its replicas, a replica takes over from its master. */
        node: ref.optional(),
        force: bool.optional(),
        takeover: bool.optional(),
        as: name.optional(),
      },
      expected('a mapping of options (master, slot, key, replica, node, force, takeover, as) or a master'),
    )
    .refine(atMostOne(['master', 'slot', 'key', 'replica', 'node']), {
      error: 'expected at most one of master, slot, key, replica and node',
    })
    .refine(atMostOne(['force', 'takeover']), { error: 'expected at most one of force and takeover' }),
);

/** A manual failover (CLUSTER FAILOVER on a replica of the chosen master); names the old master (default `victim`). */
export const failoverStep = defineStep<z.output<typeof schema>>({
  name: 'failover',
  schema,
  role: 'fault',
  needsProcess: false,
  refs: (o) =>
    (['master', 'replica', 'node'] as const).flatMap((k) =>
      typeof o[k] === 'string' ? [{ path: [k], ref: o[k] }] : [],
    ),
  gives: (o) => [o.as ?? 'victim'],
  async run(run, o, step) {
    const map = await run.slotMap();
    if (o.node !== undefined) {
      const n = await run.node(o.node);
      // Sentinel has one master, and SENTINEL FAILOVER picks the replica: any node means that master.
      const isMaster = map.masters.some((m) => m.id === n.id && m.slots.length > 0);
      o = {
        ...o,
        node: undefined,
        ...(run.deployment.ops.kind === 'sentinel' ? {} : isMaster ? { master: n.id } : { replica: n.id }),
      };
    }
    let master: SlotMapMaster;
    let replica: { id: string; host: string; port: number } | null;
    if (run.deployment.ops.kind === 'sentinel') {
      // SENTINEL FAILOVER: Sentinel picks the replica itself, and has no FORCE or TAKEOVER.
      const clusterOnly = (['replica', 'force', 'takeover'] as const).find((k) => o[k] !== undefined);
      if (clusterOnly)
        throw new StepFailed(
          `${clusterOnly} is a Redis Cluster option: SENTINEL FAILOVER picks the replica itself and has no modes`,
        );
      master = run.master(map, o.master, { slot: o.slot, key: o.key });
      replica = null;
    } else if (o.replica !== undefined) {
      const n = await run.node(o.replica);
      const m = map.masters.find((x) => x.slots.length > 0 && x.replicas.some((r) => r.id === n.id));
      if (!m) throw new StepFailed(`${o.replica} (${formatAddress(n)}) is not a replica of a master serving slots now`);
      master = m;
      replica = n;
    } else {
      master = run.master(map, o.master, { slot: o.slot, key: o.key });
      const r = master.replicas.find((x) => x.up) ?? master.replicas[0];
      if (!r) throw new StepFailed(`Master[${master.index}] ${formatAddress(master)} has no replica to fail over to`);
      replica = r;
    }
    const mode = o.force ? 'force' : o.takeover ? 'takeover' : 'default';
    if (replica && mode === 'default') await masterKnowsReplica(run, master, replica);
    const r = await manualFailover(run.deployment, {
      replica: replica ? formatAddress(replica) : undefined,
      mode,
      wait: false,
      observer: run.observer,
    });
    const t0 = Date.parse(r.faultAt);
    run.recordFault({ index: step.index, kind: 'failover', how: r.how, victim: r.victim, t0, sendMs: r.actionMs });
    run.expectPromotion({ victim: master, manual: true, chosen: replica?.id ?? null, t0 });
    const node = run.named(o.as ?? 'victim', master);
    return {
      detail: `${faultDetail(r)} (replica of Master[${master.index}] ${formatAddress(master)}); named ${node.name}`,
      node,
    };
  },
});

/**
 * A default CLUSTER FAILOVER needs the master's help (it pauses its clients
 * until the replica has caught up), and a master ignores that request from
 * a node it does not know as its replica (cluster.c, MFSTART). A restarted
 * old master's new role reaches its master by gossip a few hundred ms after
 * it links up: until then, wait, or the failover times out unnoticed.
 */
async function masterKnowsReplica(
  run: StepRun,
  master: SlotMapMaster,
  replica: { id: string; host: string; port: number },
): Promise<void> {
  const knows = (probes: readonly NodeProbe[]): Probe<true> => {
    const own = probes.find((p) => p.up && myselfOf(p)?.id === master.id);
    const entry = own?.view?.find((e) => e.id === replica.id);
    return entry?.role === 'replica' && entry.masterId === master.id
      ? { done: true, value: true }
      : {
          done: false,
          seen: `${formatAddress(master)} sees ${formatAddress(replica)} as ${entry ? (entry.role === 'replica' ? `a replica of ${entry.masterId?.slice(0, 8)}` : 'a master') : 'nothing'}`,
        };
  };
  const r = await run.watch(
    knows,
    `Master[${master.index}] ${formatAddress(master)} knowing ${formatAddress(replica)} as its replica`,
    run.deadline(undefined),
  );
  if (!r.ok)
    throw new StepFailed(
      `Master[${master.index}] ${formatAddress(master)} does not know ${formatAddress(replica)} as its replica, so it would ignore the failover request; ${r.text}`,
    );
}
