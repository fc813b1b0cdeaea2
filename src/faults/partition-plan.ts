import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import type { PartitionMode } from './partition-modes.js';

/**
 * A network fault as plain data before anything touches a firewall (after
 * Jepsen's "grudges"): two sides, and which packets between them are
 * dropped. Pure functions here; iptables.ts applies the result.
 */

export { PARTITION_MODES, type PartitionMode } from './partition-modes.js';

export interface PartitionSpec {
  /** Node addresses (IPs) on each side; side A holds the target. */
  sideA: string[];
  sideB: string[];
  mode: PartitionMode;
  /** one-way: out = packets from side A to side B are dropped; in = the other way. */
  direction: 'in' | 'out';
  /** flaky: the share of packets dropped, 0 to 1. */
  loss: number;
}

/** One rule: drop packets from `from` to `to` (with `probability`, when flaky); null is any address. */
export interface Drop {
  from: string | null;
  to: string | null;
  probability: number | null;
}

/** The drops a partition is made of. Pure. */
export function drops(p: PartitionSpec): Drop[] {
  const pairs = (from: string[], to: string[]): Drop[] =>
    from.flatMap((f) => to.map((t) => ({ from: f, to: t, probability: p.mode === 'flaky' ? p.loss : null })));
  if (p.mode === 'one-way') return p.direction === 'out' ? pairs(p.sideA, p.sideB) : pairs(p.sideB, p.sideA);
  if (p.mode === 'blackhole')
    return p.sideA.flatMap((a) => [
      { from: null, to: a, probability: null },
      { from: a, to: null, probability: null },
    ]);
  return [...pairs(p.sideA, p.sideB), ...pairs(p.sideB, p.sideA)];
}

/** "30%", "0.3", "100%" -> 0.3, 0.3, 1. */
export function parseLoss(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!m || !(v >= 0 && v <= 1) || (!m[2] && Number(m[1]) > 1))
    throw new UsageError(`bad --loss "${text}": expected a percentage from 0% to 100%`, {
      hint: 'e.g. --loss 30% (or 0.3)',
    });
  return v;
}

/**
 * The chain that holds one cluster's rules: "RDRILL-" and a hash of the
 * cluster's directory, so two clusters (or two state directories) never
 * share one, and the name is the same every time (heal and destroy find a
 * chain a crashed run left). At most 28 characters, as iptables wants.
 */
export function chainName(clusterDir: string): string {
  return `RDRILL-${createHash('sha1').update(clusterDir).digest('hex').slice(0, 10)}`;
}

/** Every chain redis-drill makes starts with this (the test suite checks none is left). */
export const CHAIN_PREFIX = 'RDRILL-';

/**
 * iptables arguments for a partition's chain: for each drop, the node
 * addresses and the cluster's ports (client and bus, as the source or the
 * destination port), so nothing else between those addresses is touched.
 * Pure.
 */
export function ruleArgs(chain: string, list: readonly Drop[], ports: readonly number[]): string[][] {
  const portSpec = portRanges(ports);
  return list.map((d) => [
    '-A',
    chain,
    ...(d.from === null ? [] : ['-s', `${d.from}/32`]),
    ...(d.to === null ? [] : ['-d', `${d.to}/32`]),
    '-p',
    'tcp',
    '-m',
    'multiport',
    '--ports',
    portSpec,
    ...(d.probability !== null
      ? ['-m', 'statistic', '--mode', 'random', '--probability', d.probability.toFixed(4)]
      : []),
    '-j',
    'DROP',
  ]);
}

/** Ports as iptables multiport ranges: [7000..7005, 17000..17005] -> "7000:7005,17000:17005" (at most 15 entries). */
export function portRanges(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const p of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else ranges.push([p, p]);
  }
  // multiport takes 15 ports, a range counting as two: beyond that, one range over them all.
  const entries = ranges.reduce((n, [a, b]) => n + (a === b ? 1 : 2), 0);
  if (entries > 15) return `${sorted[0]}:${sorted[sorted.length - 1]}`;
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
}
