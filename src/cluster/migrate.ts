import type { NodeClient } from '../nodes/resp-client.js';
import { CheckFailedError, InterruptedError } from '../errors.js';
import { type Address, type ConnectOptions, connectNode, closeClient, formatAddress } from '../nodes/client.js';
import { type Clock, systemClock } from '../util/clock.js';
import { slotsText } from './slots.js';

/** A master as the migration needs it: where it is and its node id. */
export interface MigrationNode extends Address {
  id: string;
}

export interface MigrateOptions {
  connect: ConnectOptions;
  from: MigrationNode;
  to: MigrationNode;
  /** The slots to move, in order. */
  slots: readonly number[];
  /** Every other master: told each slot's new owner at once, as redis-cli does. */
  others: readonly MigrationNode[];
  /** Keys per MIGRATE (GETKEYSINSLOT count). */
  pipeline: number;
  /** Slots handled together: their SETSLOT, GETKEYSINSLOT and MIGRATE commands go out pipelined. */
  batch: number;
  /** MIGRATE's own timeout (ms). */
  migrateTimeoutMs: number;
  abortSignal?: AbortSignal;
  clock?: Clock;
  /** After each batch: slots and keys moved so far. */
  onProgress?: (p: MigrationProgress) => void;
  /** Before each batch (keys moved so far): a drill sends a fault from here. */
  beforeBatch?: (p: MigrationProgress) => Promise<void>;
}

export interface MigrationProgress {
  slots: number;
  keys: number;
  elapsedMs: number;
}

export interface MigrationResult {
  slots: number;
  keys: number;
  elapsedMs: number;
  /** Slots moved and keys moved over time (one sample per batch). */
  samples: MigrationProgress[];
}

/**
 * A migration that stopped: which slots were finished, and which were left
 * open (IMPORTING on the target, MIGRATING on the source) for `cluster fix`.
 */
export class MigrationError extends CheckFailedError {
  constructor(
    message: string,
    readonly moved: MigrationResult,
    readonly openSlots: number[],
    readonly failedKey: string | null,
  ) {
    super(message, {
      hint: openSlots.length
        ? `the slots left open (${slotsText(openSlots)}) can be finished or rolled back with: redis-drill cluster fix`
        : 'no slot was left open',
    });
  }
}

const reply = (r: [Error | null, unknown] | undefined): unknown => {
  if (!r) throw new Error('no reply in a pipeline');
  if (r[0]) throw r[0];
  return r[1];
};

/** Runs one pipeline; each reply with its error. */
async function raw(client: NodeClient, commands: (string | number)[][]): Promise<[Error | null, unknown][]> {
  if (commands.length === 0) return [];
  const pipeline = client.pipeline();
  for (const c of commands) pipeline.call(...(c.map(String) as [string, ...string[]]));
  return pipeline.exec();
}

/**
 * SETSLOT NODE for each slot. A node that has just turned into a replica
 * (a master left without slots follows the one that took them, with
 * cluster-allow-replica-migration) refuses it: the owner's claim stands, so
 * that refusal is not an error.
 */
async function tellOwner(client: NodeClient, slots: readonly number[], owner: string): Promise<void> {
  const told = await raw(
    client,
    slots.map((s) => ['CLUSTER', 'SETSLOT', s, 'NODE', owner]),
  );
  const refused = told.find(([err]) => err && !/only with masters/i.test(err.message));
  if (refused) throw refused[0]!;
}

/** Runs one pipeline and throws its first error reply. */
export async function pipelined(client: NodeClient, commands: (string | number)[][]): Promise<unknown[]> {
  return (await raw(client, commands)).map((r) => reply(r));
}

/**
 * Moves slots from one master to another with the protocol Redis documents:
 * SETSLOT IMPORTING on the target, MIGRATING on the source, GETKEYSINSLOT and
 * MIGRATE ... KEYS until the slot is empty, then SETSLOT NODE on the target,
 * the source and every other master. `batch` slots go through each phase
 * together, pipelined, so a slot costs a fraction of a round trip instead of
 * several. A batch in flight is always finished: an interrupt is honoured
 * between batches; a failed MIGRATE stops the migration and names the slots
 * it left open (MigrationError).
 */
export async function migrateSlots(o: MigrateOptions): Promise<MigrationResult> {
  const clock = o.clock ?? systemClock;
  const t0 = clock.now();
  const [source, target, ...others] = await Promise.all(
    [o.from, o.to, ...o.others].map((n) =>
      connectNode(n, { ...o.connect, timeoutMs: Math.max(o.connect.timeoutMs, o.migrateTimeoutMs + 1000) }),
    ),
  );
  const progress: MigrationProgress = { slots: 0, keys: 0, elapsedMs: 0 };
  const samples: MigrationProgress[] = [];
  const auth = o.connect.password ? ['AUTH', o.connect.password] : [];
  let open: number[] = [];
  try {
    for (let i = 0; i < o.slots.length; i += o.batch) {
      if (o.abortSignal?.aborted) throw new InterruptedError();
      await o.beforeBatch?.({ ...progress, elapsedMs: Math.round(clock.now() - t0) });
      const slots = o.slots.slice(i, i + o.batch);
      open = slots;
      await pipelined(
        target!,
        slots.map((s) => ['CLUSTER', 'SETSLOT', s, 'IMPORTING', o.from.id]),
      );
      await pipelined(
        source!,
        slots.map((s) => ['CLUSTER', 'SETSLOT', s, 'MIGRATING', o.to.id]),
      );
      // GETKEYSINSLOT, then MIGRATE with the next GETKEYSINSLOT in the same pipeline, until every slot is empty.
      let count = o.pipeline;
      let left = (
        (await pipelined(
          source!,
          slots.map((s) => ['CLUSTER', 'GETKEYSINSLOT', s, count]),
        )) as string[][]
      ).map((keys, j) => ({ slot: slots[j]!, keys }));
      for (
        let withKeys = left.filter((x) => x.keys.length > 0);
        withKeys.length > 0;
        withKeys = left.filter((x) => x.keys.length > 0)
      ) {
        const roundStart = clock.now();
        const replies = await raw(source!, [
          ...withKeys.map((x) => [
            'MIGRATE',
            o.to.host,
            o.to.port,
            '',
            0,
            o.migrateTimeoutMs,
            ...auth,
            'KEYS',
            ...x.keys,
          ]),
          ...withKeys.map((x) => ['CLUSTER', 'GETKEYSINSLOT', x.slot, count]),
        ]);
        const failed = replies.slice(0, withKeys.length).findIndex(([err]) => err !== null);
        if (failed >= 0) {
          const x = withKeys[failed]!;
          throw new MigrationError(
            `MIGRATE of slot ${x.slot} from ${formatAddress(o.from)} to ${formatAddress(o.to)} failed at key "${x.keys[0]}": ${replies[failed]![0]!.message}`,
            { ...progress, elapsedMs: Math.round(clock.now() - t0), samples },
            slots,
            x.keys[0] ?? null,
          );
        }
        progress.keys += withKeys.reduce((n, x) => n + x.keys.length, 0);
        left = withKeys.map((x, j) => ({ slot: x.slot, keys: reply(replies[withKeys.length + j]) as string[] }));
        // A slot with more keys than one answer: ask for more next time, as fast rounds allow.
        count = adapt(count, o.pipeline, clock.now() - roundStart);
      }
      // The target first: once it owns the slot, redirections lead there.
      await pipelined(
        target!,
        slots.map((s) => ['CLUSTER', 'SETSLOT', s, 'NODE', o.to.id]),
      );
      // A source that gave away its last slot may have turned into a replica of the target already
      // (cluster-allow-replica-migration): it then refuses SETSLOT, and the target's claim stands.
      // The target owns them now; telling the others only saves them waiting for gossip.
      open = [];
      await tellOwner(source!, slots, o.to.id);
      await Promise.all(others.map((c) => tellOwner(c, slots, o.to.id)));
      open = [];
      progress.slots += slots.length;
      progress.elapsedMs = Math.round(clock.now() - t0);
      samples.push({ ...progress });
      o.onProgress?.({ ...progress });
    }
    return { ...progress, elapsedMs: Math.round(clock.now() - t0), samples };
  } catch (e) {
    if (e instanceof MigrationError || e instanceof InterruptedError) throw e;
    throw new MigrationError(
      `the migration from ${formatAddress(o.from)} to ${formatAddress(o.to)} stopped: ${(e as Error).message}`,
      { ...progress, elapsedMs: Math.round(clock.now() - t0), samples },
      open,
      null,
    );
  } finally {
    for (const c of [source, target, ...others]) if (c) closeClient(c);
  }
}

/** Keys per MIGRATE never go past this, whatever the slot holds: the source is busy for the whole call. */
export const MAX_KEYS_PER_MIGRATE = 10_000;
/** A round (every open slot's MIGRATE and next GETKEYSINSLOT) this fast may carry more keys; one slower carries fewer. */
const FAST_ROUND_MS = 25;
const SLOW_ROUND_MS = 150;

/**
 * Keys per MIGRATE for the next round, from how long the last one took:
 * a heavy slot (a hash tag holding 270 000 keys) would otherwise take one
 * round trip per 100 keys. Grows x4 while rounds are fast, halves when they
 * are slow (big values), never below the --pipeline asked for nor above
 * MAX_KEYS_PER_MIGRATE. Pure.
 */
export function adapt(count: number, floor: number, roundMs: number): number {
  if (roundMs < FAST_ROUND_MS) return Math.min(MAX_KEYS_PER_MIGRATE, count * 4);
  if (roundMs > SLOW_ROUND_MS) return Math.max(floor, Math.floor(count / 2));
  return count;
}

/**
 * Moves every key of one slot from the node `client` talks to over to `to`
 * (MIGRATE works on a node whose slot is open, migrating or importing).
 * With `replace`, a key the destination already holds is overwritten: what
 * `cluster fix` needs when a crash left copies on both sides. Returns the
 * number of keys moved.
 */
export async function moveSlotKeys(
  client: NodeClient,
  to: Address,
  slot: number,
  o: { pipeline: number; migrateTimeoutMs: number; password: string | null; replace: boolean },
): Promise<number> {
  const auth = o.password ? ['AUTH', o.password] : [];
  let moved = 0;
  for (;;) {
    const keys = (await client.call('CLUSTER', 'GETKEYSINSLOT', slot, o.pipeline)) as string[];
    if (keys.length === 0) return moved;
    await client.call(
      'MIGRATE',
      to.host,
      to.port,
      '',
      0,
      o.migrateTimeoutMs,
      ...(o.replace ? ['REPLACE'] : []),
      ...auth,
      'KEYS',
      ...keys,
    );
    moved += keys.length;
  }
}
