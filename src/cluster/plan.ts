import { SLOT_COUNT, type SlotRange } from './slots.js';

/**
 * The even slot split redis-cli uses (clusterManagerCommandCreate): a float
 * cursor advanced by 16384/masters, each range ending at lround(cursor+step-1).
 * Math.fround keeps the arithmetic in 32-bit floats as the C code does, so the
 * ranges match redis-cli's exactly (0-5460, 5461-10922, 10923-16383 for 3).
 */
export function planSlots(masters: number): SlotRange[] {
  if (!Number.isInteger(masters) || masters < 1 || masters > SLOT_COUNT) {
    throw new RangeError(`cannot split ${SLOT_COUNT} slots over ${masters} masters`);
  }
  const step = Math.fround(SLOT_COUNT / masters);
  const ranges: SlotRange[] = [];
  let first = 0;
  let cursor = Math.fround(0);
  for (let i = 0; i < masters; i++) {
    let last = Math.round(Math.fround(cursor + step - 1));
    if (last > SLOT_COUNT || i === masters - 1) last = SLOT_COUNT - 1;
    if (last < first) last = first;
    ranges.push([first, last]);
    first = last + 1;
    cursor = Math.fround(cursor + step);
  }
  return ranges;
}

export interface PlacementInput {
  /** Where each node runs; nodes on the same host share a failure domain. */
  host: string;
}

export interface Placement {
  /** Indexes (into the input) of the masters, in slot order. */
  masters: number[];
  /** For each master (same order), the indexes of its replicas. */
  replicasOf: number[][];
  /** Replicas that had to share their master's host (always, when every node is on one host). */
  sameHostPairs: { master: number; replica: number }[];
}

/**
 * Chooses masters and replicas. Masters go one per host first (round robin
 * over hosts, in input order); each replica goes to a host other than its
 * master's and its siblings' when the hosts allow it. With every node on one
 * host (a local cluster) this reduces to: the first `masters` nodes are
 * masters and replica k follows master k mod masters, as redis-cli lays out
 * ports 7000-7005.
 */
export function planPlacement(nodes: readonly PlacementInput[], masters: number, replicas: number): Placement {
  if (nodes.length !== masters * (1 + replicas)) {
    throw new RangeError(
      `need ${masters * (1 + replicas)} nodes for ${masters} masters x ${replicas} replicas, got ${nodes.length}`,
    );
  }
  const byHost = new Map<string, number[]>();
  nodes.forEach((n, i) => byHost.set(n.host, [...(byHost.get(n.host) ?? []), i]));
  const queues = [...byHost.values()];

  const masterIdx: number[] = [];
  for (let round = 0; masterIdx.length < masters; round++) {
    for (const q of queues) {
      if (masterIdx.length < masters && q.length > 0) masterIdx.push(q.shift()!);
    }
    if (round > nodes.length) break;
  }

  const free = queues.flat().sort((a, b) => a - b);
  const host = (i: number): string => nodes[i]!.host;
  const replicasOf: number[][] = masterIdx.map(() => []);
  for (let r = 0; r < replicas; r++) {
    masterIdx.forEach((m, mi) => {
      const taken = new Set([host(m), ...replicasOf[mi]!.map(host)]);
      let pick = free.findIndex((x) => !taken.has(host(x)));
      if (pick < 0) pick = free.findIndex((x) => host(x) !== host(m));
      if (pick < 0) pick = 0;
      replicasOf[mi]!.push(free.splice(pick, 1)[0]!);
    });
  }
  repairSameHost(masterIdx, replicasOf, host);
  const sameHostPairs = masterIdx.flatMap((m, mi) =>
    replicasOf[mi]!.filter((x) => host(x) === host(m)).map((replica) => ({ master: m, replica })),
  );
  return { masters: masterIdx, replicasOf, sameHostPairs };
}

/**
 * The greedy pass above can leave the last master with only a node on its
 * own host (hosts a,b,c,a,b,c). Swapping that replica with another master's
 * fixes it whenever both end up on foreign hosts.
 */
function repairSameHost(masters: number[], replicasOf: number[][], host: (i: number) => string): void {
  masters.forEach((m, mi) => {
    replicasOf[mi]!.forEach((x, xi) => {
      if (host(x) !== host(m)) return;
      for (let mj = 0; mj < masters.length; mj++) {
        const other = masters[mj]!;
        const yi = replicasOf[mj]!.findIndex((y) => host(y) !== host(m) && host(x) !== host(other));
        if (mj === mi || yi < 0) continue;
        const y = replicasOf[mj]![yi]!;
        replicasOf[mi]![xi] = y;
        replicasOf[mj]![yi] = x;
        return;
      }
    });
  });
}
