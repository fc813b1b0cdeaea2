import { type Document, LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { UsageError } from '../errors.js';
import { readTextFile } from './text-file.js';

/** `hosts[1].ssh-port`, `steps[2].kill-master.signal`: a path in a YAML document ('' for the top). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** How a value read from YAML is shown after "found". */
export function describeFound(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object')
    return `a mapping (${Object.keys(v).slice(0, 6).join(', ')}${Object.keys(v).length > 6 ? ', ...' : ''})`;
  return typeof v;
}

/**
 * The document as plain data. The yaml library refuses documents whose
 * aliases would expand past a limit (a "billion laughs" file): that is the
 * file's problem, said as such (exit 2), never a crash.
 */
export function yamlData(doc: Document, file: string, hint: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    if (e instanceof ReferenceError || /alias/i.test((e as Error).message)) {
      throw new UsageError(`${file}: the YAML uses too many aliases (${(e as Error).message.replace(/\.$/, '')})`, {
        hint: `${hint}; write the values out instead of repeating aliases`,
      });
    }
    throw e;
  }
}

/** What the value at `path` of `data` is, or undefined. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    data,
  );
}

/**
 * Reads a YAML file and validates it against `schema`. Any problem is a
 * UsageError (exit 2) naming the file, the line, the path in the file
 * (e.g. `hosts[1].ssh-port`), what was expected and what was found.
 */
export async function loadYamlFile<S extends z.ZodType>(file: string, schema: S, hint: string): Promise<z.infer<S>> {
  const text = await readTextFile(file, '', hint);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const bad = doc.errors[0];
  if (bad) {
    const at = lines.linePos(bad.pos[0]);
    throw new UsageError(`${file}:${at.line}:${at.col}: not valid YAML: ${bad.message.split('\n')[0]}`, { hint });
  }
  const data = yamlData(doc, file, hint);
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // Point at the deepest part of the path that exists in the file.
  let line: number | null = null;
  for (let n = issue.path.length; n >= 0 && line === null; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) line = lines.linePos(range[0]).line;
  }
  const found = issue.code === 'unrecognized_keys' ? '' : `, found ${describeFound(valueAt(data, issue.path))}`;
  const message = issue.message.replace(/^Invalid input: /, '').replace(/, received \w+$/, '');
  throw new UsageError(
    `${file}${line ? `:${line}` : ''}: ${formatPath(issue.path) || '(top level)'}: ${message}${found}`,
    { hint },
  );
}
