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
import { formatRanges, slotsText } from './slots.js';

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
    if (await pointImportersAtOwners(open, pool)) {
      await reporter.step(
        'Waiting for cluster_state:ok on the masters that imported from a node that no longer owns the slot',
        () =>
          waitUntil(
            async () => {
              const notOk = (await probeAll(masters, o.connect))
                .filter((p) => p.clusterInfo?.get('cluster_state') !== 'ok')
                .map((p) => formatAddress(p.address));
              return notOk.length
                ? { done: false, seen: `cluster_state not ok on ${notOk.join(', ')}` }
                : { done: true, value: null };
            },
            {
              what: 'cluster_state:ok on every master',
              timeoutMs: 10_000,
              intervalMs: 50,
              clock,
              abortSignal: o.abortSignal,
            },
          ),
      );
    }
    for (const s of open) {
      const action = await reporter.step(`Closing slot ${s.slot}`, () => fixOpenSlot(s, masters, pool, move));
      actions.push(action);
    }
    for (const [a, b] of map.uncovered) {
      for (let slot = a; slot <= b; slot++)
        actions.push(await reporter.step(`Assigning slot ${slot}`, () => assignSlot(slot, masters, pool)));
    }
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

async function fixOpenSlot(
  s: OpenSlot,
  masters: readonly SlotMapMaster[],
  pool: NodePool,
  move: Parameters<typeof moveSlotKeys>[3],
): Promise<FixAction> {
  const counts = new Map<string, number>(
    await Promise.all(
      masters.map(
        async (m) => [m.id, Number(await (await pool.get(m)).call('CLUSTER', 'COUNTKEYSINSLOT', s.slot))] as const,
      ),
    ),
  );
  const owner =
    s.owner && s.owner.up
      ? s.owner
      : [...masters].sort((a, b) => (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0))[0]!;
  const migration = s.migrating.find((m) => m.node.id === owner.id);
  const importer = migration ? s.importing.find((i) => i.node.id === migration.to && i.from === owner.id) : undefined;
  let keysMoved = 0;
  const setEverywhere = async (final: SlotMapMaster): Promise<void> => {
    for (const m of [final, ...masters.filter((x) => x.id !== final.id)])
      await (await pool.get(m)).call('CLUSTER', 'SETSLOT', s.slot, 'NODE', final.id);
  };
  if (importer) {
    // Case 1 of redis-cli: the owner migrates to a live importer: finish the job.
    keysMoved = await moveSlotKeys(await pool.get(owner), importer.node, s.slot, move);
    await setEverywhere(importer.node);
    return {
      slot: s.slot,
      action: 'finished',
      owner: formatAddress(importer.node),
      keysMoved,
      detail: `moved the last ${keysMoved} keys from ${formatAddress(owner)} to ${formatAddress(importer.node)} and gave it the slot`,
    };
  }
  // Anything else goes back to the owner: stray keys on other masters are moved to it, then every master is stable.
  const others = masters.filter((m) => m.id !== owner.id && (counts.get(m.id) ?? 0) > 0);
  // An owner still migrating the slot answers ASK (to its old target, maybe dead) for every key it lacks,
  // the RESTORE of a key moved home included: it is made stable first.
  if (others.length && s.migrating.some((m) => m.node.id === owner.id))
    await (await pool.get(owner)).call('CLUSTER', 'SETSLOT', s.slot, 'STABLE');
  for (const m of others) {
    const c = await pool.get(m);
    // MIGRATE runs on a node whose slot is open: a stray copy is moved from an importing slot.
    if (!s.importing.some((i) => i.node.id === m.id)) await c.call('CLUSTER', 'SETSLOT', s.slot, 'IMPORTING', owner.id);
    keysMoved += await moveSlotKeys(c, owner, s.slot, move);
  }
  for (const m of masters) await (await pool.get(m)).call('CLUSTER', 'SETSLOT', s.slot, 'STABLE');
  await setEverywhere(owner);
  const from = others.length
    ? ` (${keysMoved} keys moved to it from ${others.map((m) => formatAddress(m)).join(', ')})`
    : '';
  return {
    slot: s.slot,
    action: 'rolled back',
    owner: formatAddress(owner),
    keysMoved,
    detail: `left with its owner ${formatAddress(owner)}${from}; open state cleared on every master`,
  };
}

/** A slot no master serves: to the master holding its keys, or else the one with the fewest slots; its epoch bumped so the claim wins. */
async function assignSlot(slot: number, masters: readonly SlotMapMaster[], pool: NodePool): Promise<FixAction> {
  const counts = await Promise.all(
    masters.map(async (m) => ({ m, keys: Number(await (await pool.get(m)).call('CLUSTER', 'COUNTKEYSINSLOT', slot)) })),
  );
  const pick = counts.sort((a, b) => b.keys - a.keys || a.m.slotCount - b.m.slotCount)[0]!;
  const c: NodeClient = await pool.get(pick.m);
  await c.call('CLUSTER', 'ADDSLOTS', slot);
  await c.call('CLUSTER', 'BUMPEPOCH');
  return {
    slot,
    action: 'assigned',
    owner: formatAddress(pick.m),
    keysMoved: 0,
    detail: `no master served it; given to ${formatAddress(pick.m)}${pick.keys ? `, which held its ${pick.keys} keys` : ''}`,
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
