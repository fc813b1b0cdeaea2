import { type Address, type ConnectOptions, callText, formatAddress, withNode } from '../nodes/client.js';

/** Cluster redirections and refusals the nodes answered, by Redis's own error counters. */
export interface Redirections {
  moved: number;
  ask: number;
  tryagain: number;
  /** Nodes whose counters were read (a node that does not answer is left out). */
  nodes: number;
}

const KINDS = { MOVED: 'moved', ASK: 'ask', TRYAGAIN: 'tryagain' } as const;

/** The MOVED/ASK/TRYAGAIN counts in one node's INFO errorstats ("errorstat_ASK:count=12"). Pure. */
export function parseErrorStats(text: string): Omit<Redirections, 'nodes'> {
  const out = { moved: 0, ask: 0, tryagain: 0 };
  for (const m of text.matchAll(/^errorstat_(MOVED|ASK|TRYAGAIN):count=(\d+)/gm))
    out[KINDS[m[1] as keyof typeof KINDS]] += Number(m[2]);
  return out;
}

/** Every answering node's counters, by address (a node that does not answer is left out). */
export type RedirectionReading = Map<string, Omit<Redirections, 'nodes'>>;

export async function readRedirections(
  targets: readonly Address[],
  connect: ConnectOptions,
): Promise<RedirectionReading> {
  const each = await Promise.all(
    targets.map(
      async (t) =>
        [
          formatAddress(t),
          await withNode(t, connect, (c) => callText(c, 'INFO', 'errorstats')).then(parseErrorStats, () => null),
        ] as const,
    ),
  );
  return new Map(each.filter((e): e is readonly [string, Omit<Redirections, 'nodes'>] => e[1] !== null));
}

/**
 * What the nodes answered between two readings, summed over the nodes read
 * both times. Redis counts each error reply it sends by its first word (INFO
 * errorstats, since 6.2), so the difference is what every client (the load,
 * the probe, redis-drill's own commands) was told in that span. A node
 * restarted in between starts again from 0: only what it counted since is
 * added, never a negative share. Pure.
 */
export function redirectionsBetween(before: RedirectionReading, after: RedirectionReading): Redirections {
  const out: Redirections = { moved: 0, ask: 0, tryagain: 0, nodes: 0 };
  for (const [node, a] of after) {
    const b = before.get(node);
    if (!b) continue;
    out.nodes++;
    for (const k of ['moved', 'ask', 'tryagain'] as const) out[k] += a[k] >= b[k] ? a[k] - b[k] : a[k];
  }
  return out;
}
