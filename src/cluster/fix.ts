import type { NodeClient } from '../nodes/resp-client.js';
import { EnvironmentError } from '../errors.js';
import { type Address, type ConnectOptions, formatAddress } from '../nodes/client.js';
import { NodePool } from '../nodes/pool.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { waitUntil } from '../util/wait.js';
import { moveSlotKeys, pipelined } from './migrate.js';
import { type NodeProbe, myselfOf, probeAll } from './probe.js';
import { RESHARD_DEFAULTS, unstableSlots } from './reshard.js';
import { type SlotMap, type SlotMapMaster, buildSlotMap, ownerOf } from './slotmap.js';
import { formatRanges, rangeSlots, slotsText } from './slots.js';

/** One open slot as the masters see it. */
export interface OpenSlot {
  slot: number;
  /** The master the majority view names (null: nobody serves it). */
  owner: SlotMapMaster | null;
  /** Masters with the slot open: migrating to, or importing from, a node id. */
  migrating: { node: SlotMapMaster; to: string }[];
  importing: { node: SlotMapMaster; from: string }[];
}

export interface FixAction {
  slot: number;
  /** finished: the migration was completed to its target; rolled back: every key went back to the owner; assigned: an unserved slot got an owner. */
  action: 'finished' | 'rolled back' | 'assigned';
  owner: string;
  keysMoved: number;
  detail: string;
}

export interface FixResult {
  /** The slots found open, and those no master served, before the repair. */
  openSlots: number[];
  uncovered: string;
  actions: FixAction[];
  elapsedMs: number;
}

/** The open slots, from every answering master's own CLUSTER NODES line. Pure. */
export function openSlots(probes: readonly NodeProbe[], map: SlotMap): OpenSlot[] {
  const bySlot = new Map<number, OpenSlot>();
  const at = (slot: number): OpenSlot => {
    let o = bySlot.get(slot);
    if (!o) bySlot.set(slot, (o = { slot, owner: ownerOf(map, slot) ?? null, migrating: [], importing: [] }));
    return o;
  };
  for (const p of probes) {
    const me = p.up ? myselfOf(p) : null;
    const node = me ? map.masters.find((m) => m.id === me.id) : undefined;
    if (!me || !node) continue;
    for (const m of me.migrating) at(m.slot).migrating.push({ node, to: m.to });
    for (const i of me.importing) at(i.slot).importing.push({ node, from: i.from });
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}

/**
 * `cluster fix`: every slot left importing or migrating is closed, and every
 * slot no master serves gets one, as `redis-cli --cluster fix` does. A
 * migration whose owner still migrates to a live importer is finished (the
 * rest of its keys moved there); any other open slot is rolled back to its
 * owner (keys on other masters moved to it, overwriting stale copies, since
 * a migrated key is the newer one). Each action is reported.
 */
export async function fixCluster(o: {
  connect: ConnectOptions;
  targets: readonly Address[];
  abortSignal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
}): Promise<FixResult> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const t0 = clock.now();
  const probes = await probeAll(o.targets, o.connect);
  const map = buildSlotMap(probes);
  const open = openSlots(probes, map);
  // A master that owns slots and does not answer may be failed over any moment: its replica then claims
  // its slots with a newer epoch, and a node that took one of them over meanwhile deletes its keys.
  const silent = map.masters.find((m) => m.slotCount > 0 && (!m.up || m.state === 'failing'));
  if (silent)
    throw new EnvironmentError(`Master[${silent.index}] ${formatAddress(silent)} owns slots and does not answer`, {
      hint: 'wait until a replica has taken over (redis-drill cluster status), or start it again; then run cluster fix',
    });
  const masters = map.masters.filter((m) => m.up);
  const pool = new NodePool(o.connect);
  const actions: FixAction[] = [];
  const move = {
    pipeline: RESHARD_DEFAULTS.pipeline,
    migrateTimeoutMs: RESHARD_DEFAULTS.migrateTimeoutMs,
    password: o.connect.password ?? null,
    replace: true,
  };
  try {
    // An open slot nobody serves gets its owner from its repair (SETSLOT NODE), not twice.
    const isOpen = new Set(open.map((x) => x.slot));
    const unserved = rangeSlots(map.uncovered).filter((slot) => !isOpen.has(slot));
    const counts = await keyCounts([...open.map((x) => x.slot), ...unserved], masters, pool);
    // Unserved slots first: while a slot is unserved the masters are cluster_state:fail and refuse the
    // RESTORE of every MIGRATE with CLUSTERDOWN.
    const assigned = unserved.map((slot) => pickOwner(slot, masters, counts.get(slot)!));
    if (assigned.length)
      await reporter.step(`Assigning ${assigned.length} unserved slot(s)`, () => assignSlots(assigned, pool));
    const pointed = await pointImportersAtOwners(open, pool);
    // (An open slot without an owner keeps the cluster down until its repair: no use waiting then.)
    if ((pointed || assigned.length > 0) && open.every((x) => x.owner))
      await reporter.step('Waiting for cluster_state:ok on every master before moving keys', () =>
        waitAllOk(masters, o.connect, clock, o.abortSignal),
      );
    const plans = open.map((x) => planRepair(x, masters, counts.get(x.slot)!));
    // Keys moved per slot, by the slots that need it.
    const moved = new Map<number, number>();
    const withKeys = plans.filter(needsKeysMoved);
    if (withKeys.length)
      await reporter.step(`Moving the keys of ${withKeys.length} slot(s) to where each ends`, async () => {
        for (const p of withKeys) moved.set(p.slot, await moveKeys(p, pool, move));
      });
    if (plans.length)
      await reporter.step(`Closing ${plans.length} open slot(s) on every master`, () =>
        closeSlots(plans, masters, pool),
      );
    actions.push(...plans.map((p) => repairAction(p, moved.get(p.slot) ?? 0)), ...assigned.map(assignAction));
  } finally {
    await pool.close();
  }
  if (actions.length) {
    await reporter.step('Waiting until every node agrees and no slot is open', () =>
      waitUntil(
        async () => {
          const after = await probeAll(o.targets, o.connect);
          const problem = unstableSlots(after, buildSlotMap(after));
          return problem ? { done: false, seen: problem } : { done: true, value: null };
        },
        { what: 'every slot stable and served', timeoutMs: 30_000, intervalMs: 100, clock, abortSignal: o.abortSignal },
      ),
    );
  }
  return {
    openSlots: open.map((s) => s.slot),
    uncovered: map.uncovered.length ? formatRanges(map.uncovered) : '',
    actions,
    elapsedMs: Math.round(clock.now() - t0),
  };
}

/** Until every master answers cluster_state:ok (at most 10 s). */
function waitAllOk(
  masters: readonly SlotMapMaster[],
  connect: ConnectOptions,
  clock: Clock,
  abortSignal: AbortSignal | undefined,
): Promise<null> {
  return waitUntil(
    async () => {
      const notOk = (await probeAll(masters, connect))
        .filter((p) => p.clusterInfo?.get('cluster_state') !== 'ok')
        .map((p) => formatAddress(p.address));
      return notOk.length
        ? { done: false, seen: `cluster_state not ok on ${notOk.join(', ')}` }
        : { done: true, value: null };
    },
    { what: 'cluster_state:ok on every master', timeoutMs: 10_000, intervalMs: 50, clock, abortSignal },
  );
}

/**
 * A master importing a slot from a node that no longer owns it (the source
 * died mid-migration and its replica took over) ignores every other claim
 * on that slot, so it keeps naming the dead node, stays cluster_state:fail
 * and answers CLUSTERDOWN even to the MIGRATE that would move its stray keys
 * home. SETSLOT NODE <owner> corrects its view and leaves its importing
 * state, which MIGRATE still needs. Returns whether any node was told.
 */
async function pointImportersAtOwners(open: readonly OpenSlot[], pool: NodePool): Promise<boolean> {
  const byNode = new Map<string, { node: SlotMapMaster; commands: (string | number)[][] }>();
  for (const s of open) {
    if (!s.owner?.up) continue;
    for (const i of s.importing) {
      if (i.from === s.owner.id || i.node.id === s.owner.id) continue;
      const e = byNode.get(i.node.id) ?? { node: i.node, commands: [] };
      e.commands.push(['CLUSTER', 'SETSLOT', s.slot, 'NODE', s.owner.id]);
      byNode.set(i.node.id, e);
    }
  }
  for (const { node, commands } of byNode.values()) {
    await pipelined(await pool.get(node), commands);
  }
  return byNode.size > 0;
}

/** How one open slot is repaired, decided from the masters' views and key counts before anything changes. */
export interface RepairPlan {
  slot: number;
  action: 'finished' | 'rolled back';
  /** The master that ends with the slot: the live importer (finished) or the owner (rolled back). */
  final: SlotMapMaster;
  /** Where the keys come from when finished: the owner. */
  owner: SlotMapMaster;
  /** Rolled back: the other masters holding keys of the slot, moved to the owner. */
  strays: SlotMapMaster[];
  /** Rolled back: the owner still migrates the slot (it must be made stable before keys come home). */
  ownerMigrating: boolean;
  /** Rolled back: the masters the slot is already importing on (a stray copy moves from an open slot). */
  importingOn: string[];
}

/**
 * The repair of one open slot, as redis-cli's fix decides it: a migration
 * whose owner still migrates to a live importer is finished there; anything
 * else goes back to its owner (or, if nobody serves it, to the master with
 * the most of its keys), stray keys on other masters included. Pure.
 */
export function planRepair(
  s: OpenSlot,
  masters: readonly SlotMapMaster[],
  counts: ReadonlyMap<string, number>,
): RepairPlan {
  const owner =
    s.owner && s.owner.up
      ? s.owner
      : [...masters].sort((a, b) => (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0))[0]!;
  const migration = s.migrating.find((m) => m.node.id === owner.id);
  const importer = migration ? s.importing.find((i) => i.node.id === migration.to && i.from === owner.id) : undefined;
  const base = { slot: s.slot, owner, importingOn: s.importing.map((i) => i.node.id) };
  if (importer) return { ...base, action: 'finished', final: importer.node, strays: [], ownerMigrating: true };
  return {
    ...base,
    action: 'rolled back',
    final: owner,
    strays: masters.filter((m) => m.id !== owner.id && (counts.get(m.id) ?? 0) > 0),
    ownerMigrating: s.migrating.some((m) => m.node.id === owner.id),
  };
}

const needsKeysMoved = (p: RepairPlan): boolean => p.action === 'finished' || p.strays.length > 0;

/** Every master's key count in each slot: one pipeline per master, all at once. */
async function keyCounts(
  slots: readonly number[],
  masters: readonly SlotMapMaster[],
  pool: NodePool,
): Promise<Map<number, Map<string, number>>> {
  const bySlot = new Map<number, Map<string, number>>(slots.map((slot) => [slot, new Map()]));
  await Promise.all(
    masters.map(async (m) => {
      const replies = await pipelined(
        await pool.get(m),
        slots.map((slot) => ['CLUSTER', 'COUNTKEYSINSLOT', slot]),
      );
      replies.forEach((n, i) => bySlot.get(slots[i]!)!.set(m.id, Number(n)));
    }),
  );
  return bySlot;
}

/** The keys of one slot moved to where the slot ends: the rest of a migration, or stray copies home. */
async function moveKeys(p: RepairPlan, pool: NodePool, move: Parameters<typeof moveSlotKeys>[3]): Promise<number> {
  if (p.action === 'finished') return moveSlotKeys(await pool.get(p.owner), p.final, p.slot, move);
  // An owner still migrating the slot answers ASK (to its old target, maybe dead) for every key it lacks,
  // the RESTORE of a key moved home included: it is made stable first.
  if (p.ownerMigrating) await (await pool.get(p.owner)).call('CLUSTER', 'SETSLOT', p.slot, 'STABLE');
  let moved = 0;
  for (const m of p.strays) {
    const c = await pool.get(m);
    // MIGRATE runs on a node whose slot is open: a stray copy is moved from an importing slot.
    if (!p.importingOn.includes(m.id)) await c.call('CLUSTER', 'SETSLOT', p.slot, 'IMPORTING', p.owner.id);
    moved += await moveSlotKeys(c, p.owner, p.slot, move);
  }
  return moved;
}

/**
 * The open state cleared and the final owner told, for every slot at once.
 * Each SETSLOT makes a node write and fsync its nodes.conf before it answers;
 * pipelined, a node does that once for all its slots instead of once per
 * command (about 250 slots one by one took 3 s beside a drill's load, 16 s
 * during a test run).
 * As redis-cli does per slot: rolled-back slots made stable everywhere, then
 * the final owner told first, every other master after.
 */
async function closeSlots(
  plans: readonly RepairPlan[],
  masters: readonly SlotMapMaster[],
  pool: NodePool,
): Promise<void> {
  const onEvery = async (commandsFor: (m: SlotMapMaster) => (string | number)[][]): Promise<void> => {
    await Promise.all(masters.map(async (m) => pipelined(await pool.get(m), commandsFor(m))));
  };
  const rolledBack = plans.filter((p) => p.action === 'rolled back');
  await onEvery(() => rolledBack.map((p) => ['CLUSTER', 'SETSLOT', p.slot, 'STABLE']));
  const node = (p: RepairPlan): (string | number)[] => ['CLUSTER', 'SETSLOT', p.slot, 'NODE', p.final.id];
  await onEvery((m) => plans.filter((p) => p.final.id === m.id).map(node));
  await onEvery((m) => plans.filter((p) => p.final.id !== m.id).map(node));
}

function repairAction(p: RepairPlan, keysMoved: number): FixAction {
  if (p.action === 'finished')
    return {
      slot: p.slot,
      action: 'finished',
      owner: formatAddress(p.final),
      keysMoved,
      detail: `moved the last ${keysMoved} keys from ${formatAddress(p.owner)} to ${formatAddress(p.final)} and gave it the slot`,
    };
  const from = p.strays.length
    ? ` (${keysMoved} keys moved to it from ${p.strays.map((m) => formatAddress(m)).join(', ')})`
    : '';
  return {
    slot: p.slot,
    action: 'rolled back',
    owner: formatAddress(p.final),
    keysMoved,
    detail: `left with its owner ${formatAddress(p.final)}${from}; open state cleared on every master`,
  };
}

/** A slot no master serves: to the master holding its keys, or else the one with the fewest slots. Pure. */
export function pickOwner(
  slot: number,
  masters: readonly SlotMapMaster[],
  counts: ReadonlyMap<string, number>,
): { slot: number; master: SlotMapMaster; keys: number } {
  const [pick] = masters
    .map((m) => ({ slot, master: m, keys: counts.get(m.id) ?? 0 }))
    .sort((a, b) => b.keys - a.keys || a.master.slotCount - b.master.slotCount);
  return pick!;
}

/** Each picked master claims its slots in one ADDSLOTS, then bumps its epoch so the claims win. */
async function assignSlots(picks: readonly { slot: number; master: SlotMapMaster }[], pool: NodePool): Promise<void> {
  const byMaster = new Map<string, { master: SlotMapMaster; slots: number[] }>();
  for (const p of picks) {
    const e = byMaster.get(p.master.id) ?? { master: p.master, slots: [] };
    e.slots.push(p.slot);
    byMaster.set(p.master.id, e);
  }
  // One master after the other: two bumping at once could pick the same epoch (Redis would settle it, later).
  for (const { master, slots } of byMaster.values()) {
    const c: NodeClient = await pool.get(master);
    await c.call('CLUSTER', 'ADDSLOTS', ...slots.map(String));
    await c.call('CLUSTER', 'BUMPEPOCH');
  }
}

function assignAction(p: { slot: number; master: SlotMapMaster; keys: number }): FixAction {
  return {
    slot: p.slot,
    action: 'assigned',
    owner: formatAddress(p.master),
    keysMoved: 0,
    detail: `no master served it; given to ${formatAddress(p.master)}${p.keys ? `, which held its ${p.keys} keys` : ''}`,
  };
}

/** What a fix did, grouped: "512-767 rolled back to 127.0.0.1:7003 (12 keys moved)". Pure. */
export function fixSummary(actions: readonly FixAction[]): string[] {
  const groups = new Map<string, { action: FixAction['action']; owner: string; slots: number[]; keys: number }>();
  for (const a of actions) {
    const k = `${a.action} ${a.owner}`;
    const g = groups.get(k) ?? { action: a.action, owner: a.owner, slots: [], keys: 0 };
    g.slots.push(a.slot);
    g.keys += a.keysMoved;
    groups.set(k, g);
  }
  const how = { finished: 'finished on', 'rolled back': 'rolled back to', assigned: 'assigned to' } as const;
  return [...groups.values()].map(
    (g) => `slots ${slotsText(g.slots)} ${how[g.action]} ${g.owner} (${g.keys} key(s) moved)`,
  );
}
