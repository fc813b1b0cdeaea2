import * as z from 'zod';
import { promotionTiming, rejoinTiming, resyncKind } from '../../observe/measure.js';
import { roleNow } from '../../deployment/lookup.js';
import { formatAddress } from '../../nodes/address.js';
import { flaggedFailEverywhere } from '../../cluster/conditions.js';
import { type NamedNode, StepFailed } from '../run-record.js';
import { DURATION_RE, duration, expected, name, refOrLatest, span } from '../schema-parts.js';
import { type Step, type StepRun, defineStep } from '../step.js';

/** How long after a resume or a heal a replica's "link up" may still be the one from before (see the rejoin wait). */
const STALE_LINK_MS = 1100;

const WAITS = ['promotion', 'rejoin', 'cluster-ok', 'settled', 'duration', 'elapsed'] as const;
const waitText =
  'promotion, rejoin, cluster-ok, settled, a duration such as 2s, or a mapping such as { promotion: victim, as: promoted } or { elapsed: 4s }';

const schema = z.preprocess(
  (v) => {
    if (v === 'promotion' || v === 'rejoin') return { [v]: null };
    if (v === 'cluster-ok' || v === 'settled') return { [v]: true };
    if (typeof v === 'string' && DURATION_RE.test(v)) return { duration: v };
    return v;
  },
  z
    .strictObject(
      {
        promotion: refOrLatest.optional(),
        rejoin: refOrLatest.optional(),
        'cluster-ok': z.literal(true, expected('true')).optional(),
        /** cluster-ok, and every node answering, one slot map, every replica linked. */
        settled: z.literal(true, expected('true')).optional(),
        duration: duration.optional(),
        /** Until this long after the latest fault step (at once if that is past): a partition of a set length. */
        elapsed: span.optional(),
        as: name.optional(),
        /** With rejoin: the role the node must come back in (a restarted old master should be a replica). */
        role: z.enum(['master', 'replica'], expected('master or replica')).optional(),
        deadline: duration.optional(),
      },
      expected(waitText),
    )
    .refine((o) => WAITS.filter((k) => o[k] !== undefined).length === 1, {
      error: `expected exactly one of ${WAITS.join(', ')}`,
    })
    .refine((o) => o.as === undefined || o.promotion !== undefined, {
      error: 'expected as only with promotion (it names the promoted replica)',
    })
    .refine((o) => o.role === undefined || o.rejoin !== undefined, {
      error: 'expected role only with rejoin (the role the node comes back in)',
    }),
);
type WaitOptions = z.output<typeof schema>;

/**
 * Waits, with the drill's one observer, for a promotion (a replica of the
 * broken master serving its slots with cluster_state:ok everywhere; named
 * `promoted`), a rejoin (the restarted or resumed node back as a replica with
 * its link up), cluster_state:ok everywhere, or a fixed time. A passed
 * deadline is a failed check that ends the drill's steps.
 */
export const waitForStep = defineStep<WaitOptions>({
  name: 'wait-for',
  schema,
  needsProcess: false,
  refs: (o) =>
    (['promotion', 'rejoin'] as const).flatMap((k) => (typeof o[k] === 'string' ? [{ path: [k], ref: o[k] }] : [])),
  gives: (o) => (o.promotion !== undefined ? [o.as ?? 'promoted'] : []),
  check(o, before) {
    if (o.promotion === null && before.faults === 0)
      return {
        path: ['promotion'],
        message: 'wait-for promotion needs an earlier kill-master, term-master, freeze-master or failover step',
      };
    if (o.rejoin === null && before.restores === 0)
      return { path: ['rejoin'], message: 'wait-for rejoin needs an earlier restart-node, resume-node or heal step' };
    if (o.elapsed !== undefined && before.faults === 0)
      return { path: ['elapsed'], message: 'wait-for elapsed counts from a fault: it needs an earlier fault step' };
    return null;
  },
  async run(run, o, step) {
    if (o.duration !== undefined) {
      await run.clock.sleep(o.duration, run.abortSignal);
      return { detail: `waited ${o.duration} ms` };
    }
    if (o.elapsed !== undefined) {
      const fault = run.latestFault()!;
      const ms = 'ms' in o.elapsed ? o.elapsed.ms : o.elapsed.nodeTimeouts * run.deployment.nodeTimeoutMs;
      const left = Math.max(0, fault.t0 + ms - run.clock.now());
      await run.clock.sleep(left, run.abortSignal);
      return { detail: `waited ${Math.round(left)} ms, until ${ms} ms after the fault of steps[${fault.index}]` };
    }
    const timeoutMs = run.deadline(o.deadline);
    if (o.settled) {
      const r = await run.watch(
        (probes) => run.deployment.ops.settled(probes),
        'every node answering with cluster_state:ok and one slot map, every replica linked',
        timeoutMs,
      );
      run.check(step, 'settled', r.ok, r.text);
      return { detail: r.text };
    }
    if (o['cluster-ok']) {
      const r = await run.watch(
        (probes) => run.deployment.ops.healthy(probes),
        run.deployment.ops.kind === 'sentinel'
          ? 'every sentinel naming one master, every replica linked to it'
          : 'every answering node reporting cluster_state:ok',
        timeoutMs,
      );
      // Seen ok: how long after the latest fault (the time to serve again after a power loss).
      const fault = run.latestFault();
      const text =
        r.ok && fault ? `${r.text}, ${Math.round(run.clock.now() - fault.t0)} ms after the fault (poll)` : r.text;
      run.check(step, 'cluster-ok', r.ok, text);
      return { detail: text };
    }
    if (o.promotion !== undefined) {
      const { promotion: p, replica: broken } = await run.broken(o.promotion);
      // A replica's fault (kill-node on a replica) has nothing to promote: a soak's loop goes on to its restore.
      if (!p && broken) return { detail: await holdReplicaFault(run, broken, step, timeoutMs), node: broken.node };
      if (!p)
        throw new StepFailed(`${o.promotion} was not broken by an earlier step: there is no promotion to wait for`);
      const label = `Master[${p.victim.index}] ${formatAddress(p.victim)}`;
      const ops = run.deployment.ops;
      const r = await run.watch<string>(
        (probes) =>
          p.manual ? ops.rolesSwapped(probes, p.chosen, p.victim) : ops.promotionDone(probes, p.victim, p.exclude),
        `a replica of ${label} master of its slots, cluster_state:ok everywhere`,
        timeoutMs,
      );
      if (!r.ok) {
        run.check(step, 'promotion', false, `no replica of ${label} took over within ${timeoutMs} ms; ${r.text}`);
        return { detail: r.text };
      }
      const replica = p.victim.replicas.find((x) => x.id === r.value)!;
      await run.observer.catchUpLogs();
      const timing = promotionTiming(run.observer.events, replica, p.t0, ops.kind);
      const promoted = run.named(o.as ?? 'promoted', replica);
      run.recordPromotion({
        index: step.index,
        victim: run.nameOf(p.victim),
        promoted,
        ms: timing.promotionMs,
        source: timing.promotionSource,
        t0: p.t0,
        at: run.clock.now(),
      });
      if (timing.promotionMs !== null) run.marker('promotion', p.t0 + timing.promotionMs);
      const what =
        ops.kind === 'sentinel'
          ? `is the master the sentinels name, instead of ${formatAddress(p.victim)},`
          : `took over ${label}'s slots`;
      const text = `${formatAddress(replica)} ${what} after ${timing.promotionMs ?? '?'} ms (${timing.promotionSource ?? 'not measured'}); named ${promoted.name}`;
      run.check(step, 'promotion', true, text);
      return { detail: text, node: promoted };
    }
    const p = await run.restored(o.rejoin ?? null);
    if (!p)
      throw new StepFailed(
        `${o.rejoin} was not restarted or resumed by an earlier step: there is no rejoin to wait for`,
      );
    const label = formatAddress(p.node);
    const rejoined = () =>
      run.watch(
        (probes) => run.deployment.ops.rejoinDone(probes, p.node),
        `${label} back as a replica with master_link_status:up (or a master)`,
        timeoutMs,
      );
    let r = await rejoined();
    if (r.ok && p.how !== 'restart' && run.clock.now() - p.t0 < STALE_LINK_MS) {
      // A resumed (or healed) replica reports its old link as up until its replication cron, once a
      // second, notices the timeout and drops it: only after that is "up" an answer.
      await run.clock.sleep(p.t0 + STALE_LINK_MS - run.clock.now(), run.abortSignal);
      r = await rejoined();
    }
    if (!r.ok) {
      run.check(step, 'rejoin', false, `${label} did not rejoin within ${timeoutMs} ms; ${r.text}`);
      return { detail: r.text, node: p.node };
    }
    const role = await roleNow(run.deployment, p.node, run.observer);
    await run.observer.catchUpLogs();
    // Seen back now: without a link event (a node back as a master), this poll is the measure.
    // A link that never dropped (a short freeze): back when it answered again, not when we last looked.
    const answered = run.observer.events.find((e) => e.node === label && e.kind === 'node-up' && e.at >= p.t0);
    const timing = rejoinTiming(run.observer.events, p.node, p.t0, answered?.at ?? run.clock.now());
    const ms = timing.ms!;
    const synced =
      role.role === 'replica'
        ? [label]
        : ((await run.slotMap()).masters
            .find((m) => m.host === p.node.host && m.port === p.node.port)
            ?.replicas.map(formatAddress) ?? []);
    const resync = resyncKind(run.observer.events, synced, p.t0);
    run.recordRejoin({
      resync,
      index: step.index,
      node: p.node,
      how: p.how,
      role,
      ms,
      source: timing.source ?? 'poll',
      t0: p.t0,
      at: run.clock.now(),
    });
    run.marker('rejoin', p.t0 + ms);
    const text = `${label}${p.node.name ? ` (${p.node.name})` : ''} is back: ROLE ${role.role}${role.master ? ` of ${role.master}` : ''}, ${role.role === 'replica' ? 'link up' : 'cluster_state:ok'} after ${ms} ms${resync === 'unknown' ? '' : `; ${role.role === 'replica' ? 'its' : "its replicas'"} resync: ${resync}`}`;
    const asWanted = o.role === undefined || o.role === role.role;
    run.check(step, 'rejoin', asWanted, asWanted ? text : `${text}; expected it back as a ${o.role}`);
    return { detail: text, node: p.node };
  },
});

/**
 * A replica's fault has no promotion: instead the fault stays until every
 * other answering node flags the replica `fail` (the cluster's own verdict,
 * so the restore after it is a real rejoin), a check of the step like a
 * promotion's. Sentinel's data nodes have no cluster view: there the fault
 * is held for 2 x down-after.
 */
async function holdReplicaFault(
  run: StepRun,
  r: { node: NamedNode; kind: string; t0: number },
  step: Step,
  timeoutMs: number,
): Promise<string> {
  const label = formatAddress(r.node);
  const what = `no promotion: ${label} was a replica when it was broken (${r.kind}), so its master keeps its slots`;
  if (run.deployment.ops.kind === 'sentinel') {
    const holdMs = 2 * run.deployment.nodeTimeoutMs;
    await run.clock.sleep(Math.max(0, r.t0 + holdMs - run.clock.now()), run.abortSignal);
    return `${what}; the fault held ${holdMs} ms (2 x down-after)`;
  }
  const seen = await run.watch<number>(
    (probes) => flaggedFailEverywhere(probes, r.node),
    `every other node flagging ${label} fail`,
    timeoutMs,
  );
  const text = seen.ok
    ? `${what}; all ${seen.value} other node(s) flagged it fail ${Math.round(run.clock.now() - r.t0)} ms after the fault (poll)`
    : `${label} was not flagged fail by every other node within ${timeoutMs} ms; ${seen.text}`;
  run.check(step, 'promotion', seen.ok, text);
  return text;
}
