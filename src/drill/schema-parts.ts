import * as z from 'zod';
import { parseDuration } from '../workload/options.js';

/**
 * The pieces step schemas are made of. Every leaf says what it expects
 * ("expected a whole number from 0 to 16383"); the scenario loader adds
 * where (file, line, path) and what it found.
 */

export const expected = (what: string) => ({ error: `expected ${what}` });

export const int = (min: number, max = Number.MAX_SAFE_INTEGER) => {
  const e = expected(
    max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`,
  );
  return z.number(e).int(e).min(min, e).max(max, e);
};
export const bool = z.boolean(expected('true or false'));
export const text = z.string(expected('a string')).min(1, expected('a non-empty string'));

export const DURATION_RE = /^\d+(?:\.\d+)?(?:ms|s|m|h)$/;
const durationText = 'a duration such as 500ms, 2s or 1m';
/** A duration always carries its unit in a file: "5" could mean seconds or milliseconds. */
export const duration = z
  .string(expected(durationText))
  .regex(DURATION_RE, expected(durationText))
  .transform((v) => parseDuration(v));

/** A duration, or a multiple of the cluster's node timeout ("3x"): what a partition of "3 x node-timeout" says. */
const spanText = 'a duration such as 4s, or a multiple of the node timeout such as 3x';
export const span = z
  .string(expected(spanText))
  .regex(/^(?:\d+(?:\.\d+)?(?:ms|s|m|h)|\d+(?:\.\d+)?x)$/, expected(spanText))
  .transform((v): { ms: number } | { nodeTimeouts: number } =>
    v.endsWith('x') ? { nodeTimeouts: Number(v.slice(0, -1)) } : { ms: parseDuration(v) },
  );

/** Names that steps give nodes (`as: victim`): a letter first, so they never look like an index, an address or Master[N]. */
export const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const nameText = 'a node name: a letter, then letters, digits, - or _';
export const name = z.string(expected(nameText)).regex(NAME_RE, expected(nameText));

/** A node: a name an earlier step gave it, Master[N] / N, a node-id prefix or host:port. Checked against the names before the run. */
const refText = 'a node: a name an earlier step gave (e.g. victim), Master[N], a node-id prefix or HOST:PORT';
export const ref = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string(expected(refText)).min(1, expected(refText)),
);

/** Scalar short forms: `kill-master: 1` is `kill-master: { master: 1 }`, `- kill-master` (null) takes every default. */
export const shortForm = <T extends z.ZodType>(key: string, schema: T) =>
  z.preprocess(
    (v) => (v === null || v === undefined ? {} : typeof v === 'string' || typeof v === 'number' ? { [key]: v } : v),
    schema,
  );

/** `force: false` is as good as leaving it out. */
export const atMostOne = (keys: string[]) => (o: Record<string, unknown>) =>
  keys.filter((k) => o[k] !== undefined && o[k] !== false).length <= 1;

/** `promotion: true` (or the bare word) means: of the node the latest step of that kind acted on. */
export const refOrLatest = z.preprocess((v) => (v === true || v === null ? null : v), ref.nullable());

/** A step without options, written `- heal` (or `heal:` / `heal: true`). */
export const noOptions = (step: string) =>
  z.preprocess(
    (v) => (v === null || v === undefined || v === true ? {} : v),
    z.strictObject({}, expected(`no options: - ${step}`)),
  );
