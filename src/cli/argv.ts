/** The global options that take a value (the word after them is not the command). */
const GLOBAL_VALUES = new Set(['--cluster', '--state-dir', '--seed', '--password', '--timeout']);

/**
 * `clients --sentinel ...` is `sentinel clients ...` (the Sentinel create
 * options are the sentinel group's). Pure: argv as process.argv has it.
 */
export function sentinelSpelling(argv: readonly string[]): string[] {
  const out = [...argv];
  let i = 2;
  while (i < out.length && out[i]!.startsWith('-')) i += GLOBAL_VALUES.has(out[i]!) ? 2 : 1;
  const flag = out.indexOf('--sentinel', i + 1);
  if (out[i] !== 'clients' || flag < 0) return out;
  out.splice(flag, 1);
  out.splice(i, 1, 'sentinel', 'clients');
  return out;
}
