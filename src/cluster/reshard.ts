import { EnvironmentError, UsageError } from '../errors.js';
import { selectNode } from '../faults/target.js';
import { type Address, type ConnectOptions, formatAddress, sameAddress, withNode } from '../nodes/client.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { waitUntil } from '../util/wait.js';
import { type MigrationProgress, type MigrationResult, migrateSlots, pipelined } from './migrate.js';
import { type NodeProbe, myselfOf, probeAll } from './probe.js';
import { type SlotMap, type SlotMapMaster, buildSlotMap } from './slotmap.js';
import { type SlotRange, formatRanges, normalizeRanges, rangesContain } from './slots.js';

export interface ReshardOptions {
  connect: ConnectOptions;
  /** The cluster's nodes (from the state file or a seed). */
  targets: readonly Address[];
  slots: number;
  from: string;
  to: string;
  /** Keys per MIGRATE. */
  pipeline: number;
  /** Slots moved together. */
  batch?: number;
  /** Wait until every node agrees on the new owners (default true). */
  wait?: boolean;
  abortSignal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
  beforeBatch?: (p: MigrationProgress) => Promise<void>;
}

export interface ReshardNode {
  index: number;
  id: string;
  host: string;
  port: number;
}

export interface ReshardResult {
  from: ReshardNode;
  to: ReshardNode;
  slots: number;
  /** The slots moved, as ranges ("0-999"). */
  slotRanges: string;
  keys: number;
  elapsedMs: number;
  keysPerSec: number;
  /** Ms after the last SETSLOT until every node's CLUSTER NODES agreed (null: not waited for). */
  agreedMs: number | null;
  samples: MigrationProgress[];
}

export const RESHARD_DEFAULTS = { pipeline: 100, batch: 256, migrateTimeoutMs: 10_000 };

/**
 * Why the cluster is not ready for a migration, or null: a slot left
 * importing or migrating, a slot no master serves, or nodes that disagree.
 * Pure.
 */
export function unstableSlots(probes: readonly NodeProbe[], map: SlotMap): string | null {
  for (const p of probes) {
    const me = p.up ? myselfOf(p) : null;
    if (!me) continue;
    const open = [
      ...me.migrating.map((m) => `${m.slot} migrating to ${m.to.slice(0, 8)}`),
      ...me.importing.map((m) => `${m.slot} importing from ${m.from.slice(0, 8)}`),
    ];
    if (open.length)
      return `${formatAddress(p.address)} has slot ${open.slice(0, 3).join(', ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''}`;
  }
  if (map.uncovered.length) return `no master serves slots ${formatRanges(map.uncovered)}`;
  if (!map.agreed) return `nodes disagree on the slot map (${map.disagreeing.join(', ')})`;
  return null;
}

/** Master[N] / N, host:port or an id prefix; a replica or an unknown node is refused with the masters listed. */
export function selectMasterNode(map: SlotMap, text: string, option: string): SlotMapMaster {
  const index = /^(?:Master\[)?(\d+)\]?$/i.exec(text.trim());
  const list = map.masters.map((m) => `Master[${m.index}] ${formatAddress(m)} (${m.slotCount} slots)`).join(', ');
  if (index) {
    const m = map.masters.find((x) => x.index === Number(index[1]));
    if (!m) throw new UsageError(`${option}: no Master[${index[1]}]`, { hint: `the masters are: ${list}` });
    return m;
  }
  const replicas = map.masters.flatMap((m) => m.replicas.map((r) => ({ ...r, master: m })));
  const node = selectNode<{ id: string; host: string; port: number }>([...map.masters, ...replicas], text);
  const master = map.masters.find((m) => m.id === node.id);
  if (master) return master;
  const of = replicas.find((r) => r.id === node.id)!.master;
  throw new UsageError(
    `${option}: ${formatAddress(node)} is a replica (of Master[${of.index}] ${formatAddress(of)}); slots move between masters`,
    { hint: `the masters are: ${list}` },
  );
}

/** The node's own CLUSTER NODES line says it is a master. */
export function saysMaster(probes: readonly NodeProbe[], id: string): boolean {
  return probes.some((p) => p.up && myselfOf(p)?.id === id && myselfOf(p)?.role === 'master');
}

/** The first `n` slots of a master's ranges. Pure. */
export function firstSlots(ranges: readonly SlotRange[], n: number): number[] {
  const out: number[] = [];
  for (const [a, b] of ranges) for (let s = a; s <= b && out.length < n; s++) out.push(s);
  return out;
}

/** Checks the request against the cluster as it is now (exit 2 for a bad request, 3 for an unstable cluster). */
export async function planReshard(
  o: Pick<ReshardOptions, 'connect' | 'targets' | 'slots' | 'from' | 'to'>,
): Promise<{ map: SlotMap; probes: NodeProbe[]; from: SlotMapMaster; to: SlotMapMaster; slots: number[] }> {
  const probes = await probeAll(o.targets, o.connect);
  const map = buildSlotMap(probes);
  const from = selectMasterNode(map, o.from, '--from');
  const to = selectMasterNode(map, o.to, '--to');
  for (const [m, option] of [
    [from, '--from'],
    [to, '--to'],
  ] as const) {
    if (!saysMaster(probes, m.id))
      throw new UsageError(
        `${option}: ${formatAddress(m)} is a replica now (a master left without slots follows the one that took them)`,
        { hint: 'choose a master: redis-drill slotmap lists them' },
      );
  }
  if (from.id === to.id)
    throw new UsageError(`--from and --to are the same master (${formatAddress(from)})`, {
      hint: 'move slots to another master',
    });
  if (o.slots > from.slotCount)
    throw new UsageError(`--slots ${o.slots} is more than ${formatAddress(from)} owns (${from.slotCount})`, {
      hint: `give at most ${from.slotCount}`,
    });
  const unstable = unstableSlots(probes, map);
  if (unstable)
    throw new EnvironmentError(`the cluster's slots are not all stable: ${unstable}`, {
      hint: 'repair it first with: redis-drill cluster fix',
    });
  if (!from.up || !to.up)
    throw new EnvironmentError(`${formatAddress(from.up ? to : from)} does not answer`, {
      hint: 'check the cluster with: redis-drill cluster status',
    });
  return { map, probes, from, to, slots: firstSlots(from.slots, o.slots) };
}

/** `cluster reshard`: the checks, the migration, and the wait until every node agrees. */
export async function reshard(o: ReshardOptions): Promise<ReshardResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const plan = await planReshard(o);
  const { from, to, map } = plan;
  const others = map.masters.filter((m) => m.id !== from.id && m.id !== to.id && m.up && saysMaster(plan.probes, m.id));
  let last = 0;
  const moved: MigrationResult = await reporter.step(
    `Moving ${plan.slots.length} slots from Master[${from.index}] ${formatAddress(from)} to Master[${to.index}] ${formatAddress(to)}`,
    () =>
      migrateSlots({
        connect: o.connect,
        from,
        to,
        slots: plan.slots,
        others,
        pipeline: o.pipeline,
        batch: o.batch ?? RESHARD_DEFAULTS.batch,
        migrateTimeoutMs: RESHARD_DEFAULTS.migrateTimeoutMs,
        abortSignal: o.abortSignal,
        clock,
        beforeBatch: o.beforeBatch,
        onProgress: (p) => {
          // A line a second at most: slots and keys so far, and the pace.
          if (p.elapsedMs - last < 1000) return;
          last = p.elapsedMs;
          reporter.info(
            `  ${p.slots}/${plan.slots.length} slots, ${p.keys} keys (${Math.round((p.keys * 1000) / Math.max(1, p.elapsedMs))} keys/s)`,
          );
        },
      }),
  );
  let agreedMs: number | null = null;
  if (o.wait ?? true) {
    const t = clock.now();
    const moving = normalizeRanges(plan.slots.map((s) => [s, s] as SlotRange));
    await reporter.step('Waiting until every node agrees on the new owner', () =>
      waitForNewOwner({ ...o, to, moving, clock, info: (m) => reporter.info(m) }),
    );
    agreedMs = Math.round(clock.now() - t);
  }
  const node = (m: SlotMapMaster): ReshardNode => ({ index: m.index, id: m.id, host: m.host, port: m.port });
  return {
    from: node(from),
    to: node(to),
    slots: moved.slots,
    slotRanges: formatRanges(normalizeRanges(plan.slots.map((s) => [s, s] as SlotRange))),
    keys: moved.keys,
    elapsedMs: moved.elapsedMs,
    keysPerSec: Math.round((moved.keys * 1000) / Math.max(1, moved.elapsedMs)),
    agreedMs,
    samples: moved.samples,
  };
}

/** How long a target may go without its moved slots in its own view before it is told again. */
const REASSERT_AFTER_MS = 2000;

/**
 * Waits until every node says `to` owns `moving` (at most 30 s). A target
 * whose own view lost a slot it was given (a stale claim from the source,
 * read after SETSLOT NODE: seen once in CI, the second reshard of a slot
 * back to its old master) would never get it back by gossip, since no node
 * claims it any more: after REASSERT_AFTER_MS it is told again (SETSLOT
 * NODE) and bumps its config epoch, as redis-cli --cluster fix does.
 */
export async function waitForNewOwner(o: {
  targets: readonly Address[];
  connect: ConnectOptions;
  to: Address & { id: string };
  moving: readonly SlotRange[];
  clock: Clock;
  abortSignal?: AbortSignal;
  info?: (message: string) => void;
}): Promise<void> {
  let toldAt = o.clock.now();
  await waitUntil(
    async () => {
      const probes = await probeAll(o.targets, o.connect);
      const disagree = probes.filter((p) => p.up && p.view && !ownsAll(p, o.to.id, o.moving));
      const target = disagree.find((p) => sameAddress(p.address, o.to));
      if (target && o.clock.now() - toldAt >= REASSERT_AFTER_MS) {
        toldAt = o.clock.now();
        const missing = missingSlots(target, o.to.id, o.moving);
        o.info?.(
          `  ${formatAddress(o.to)} does not hold slots ${formatRanges(normalizeRanges(missing.map((x) => [x, x] as SlotRange)))} in its own view: telling it again, with a new config epoch`,
        );
        // One pipeline: the node saves its nodes.conf once, not once per slot.
        await withNode(o.to, o.connect, (c) =>
          pipelined(c, [
            ...missing.map((slot) => ['CLUSTER', 'SETSLOT', slot, 'NODE', o.to.id]),
            ['CLUSTER', 'BUMPEPOCH'],
          ]),
        );
      }
      return disagree.length
        ? { done: false, seen: `not yet on ${disagree.map((p) => formatAddress(p.address)).join(', ')}` }
        : { done: true, value: null };
    },
    {
      what: 'every node agreeing on the new owner',
      timeoutMs: 30_000,
      intervalMs: 50,
      clock: o.clock,
      abortSignal: o.abortSignal,
    },
  );
}

/** The slots of `ranges` that `p`'s view does not give to `id` (slot by slot: only for a target being told again). */
function missingSlots(p: NodeProbe, id: string, ranges: readonly SlotRange[]): number[] {
  const owner = p.view!.find((n) => n.id === id);
  return ranges.flatMap(([a, b]) =>
    Array.from({ length: b - a + 1 }, (_, i) => a + i).filter((s) => !owner || !rangesContain(owner.slots, s)),
  );
}

/** This node's view gives every slot of `ranges` to `id` (by range: it runs for every node every 50 ms). */
function ownsAll(p: NodeProbe, id: string, ranges: readonly SlotRange[]): boolean {
  const owner = p.view!.find((n) => n.id === id);
  if (!owner) return false;
  return ranges.every(([a, b]) => owner.slots.some(([x, y]) => x <= a && b <= y));
}
