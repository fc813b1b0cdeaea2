import { UsageError } from '../errors.js';

/** "30s", "2m", "500ms", "1h" or a bare number of seconds -> milliseconds. */
export function parseDuration(text: string, option = '--duration'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`bad ${option} "${text}"`, { hint: 'use e.g. 500ms, 30s, 2m or 1h' });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Math.round(Number(m[1]) * unit);
}

/** add = SADD of a unique id (with --check: the write log that finds which acknowledged writes were lost). */
export const OPERATIONS = ['set', 'get', 'del', 'incr', 'add'] as const;
export type Operation = (typeof OPERATIONS)[number];
export type Mix = { op: Operation; weight: number }[];

/** "set=45,get=45,del=5,incr=5" -> weights (any positive numbers; they need not add up to 100). */
export function parseMix(text: string): Mix {
  const mix: Mix = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\w+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(OPERATIONS as readonly string[]).includes(m[1]!.toLowerCase())) {
      throw new UsageError(`bad --mix part "${part}"`, {
        hint: `use OP=WEIGHT with OP one of ${OPERATIONS.join(', ')}, e.g. set=50,get=50`,
      });
    }
    mix.push({ op: m[1]!.toLowerCase() as Operation, weight: Number(m[2]) });
  }
  if (mix.reduce((s, x) => s + x.weight, 0) <= 0)
    throw new UsageError(`--mix "${text}" has no positive weight`, { hint: 'e.g. set=50,get=50' });
  return mix;
}

/** Picks an operation by weight; `r` is uniform in [0, 1). */
export function pickOperation(mix: Mix, r: number): Operation {
  const total = mix.reduce((s, x) => s + x.weight, 0);
  let x = r * total;
  for (const m of mix) {
    if (x < m.weight) return m.op;
    x -= m.weight;
  }
  return mix[mix.length - 1]!.op;
}
