import path from 'node:path';
import { type Document, LineCounter, isMap, isPair, isScalar, isSeq, parse as parseYaml, parseDocument } from 'yaml';
import type * as z from 'zod';
import { UsageError } from '../errors.js';
import { checkSteps } from '../drill/check-steps.js';
import { LOAD_DEFAULTS } from '../drill/spec.js';
import { LOAD_KIND_DEFAULTS } from '../workload/load-defaults.js';
import { type LoadKinds, loadKinds } from '../workload/loads.js';
import type { Step } from '../drill/step.js';
import { STEP_NAMES, stepHandler } from '../drill/steps/index.js';
import { readTextFile } from '../util/text-file.js';
import { yamlData } from '../util/yaml-file.js';
import { type Problem, ScenarioFileError, closest, describeFound } from './problems.js';
import { type Scenario, scenarioSchema } from './schema.js';

/** A value set from the command line (`--set cluster.create.port=7100`, `--port 7100`). */
export interface Override {
  path: (string | number)[];
  value: unknown;
  /** How the user wrote it, for messages: "--set cluster.create.port=x" or "--port". */
  option: string;
  /** Only where the file has the parent (e.g. --port only for a file whose cluster is created). */
  requireParent?: string;
  /** Other places it may go instead (--port: cluster.sentinel.port for a Sentinel deployment); the first whose parent the file has wins. */
  alternatives?: (string | number)[][];
}

/** The path of an override that this document has a place for (its parent mapping exists), or the first one. */
function pathFor(data: unknown, o: Override): (string | number)[] {
  const has = (p: (string | number)[]): boolean => {
    let node: unknown = data;
    for (const seg of p.slice(0, -1)) {
      if (node === null || typeof node !== 'object') return false;
      node = (node as Record<string | number, unknown>)[seg];
      if (node === undefined) return false;
    }
    return true;
  };
  return [o.path, ...(o.alternatives ?? [])].find(has) ?? o.path;
}

/** "steps[2].kill-master.signal=term" -> path and YAML-typed value. */
export function parseSetOption(text: string): Override {
  const eq = text.indexOf('=');
  const keys = eq > 0 ? text.slice(0, eq) : '';
  const tokens = [...keys.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
  if (eq <= 0 || tokens.length === 0)
    throw new UsageError(`bad --set "${text}": expected PATH=VALUE`, {
      hint: 'e.g. --set cluster.create.node-timeout=1000 or --set steps[0].kill-master.master=1',
    });
  let value: unknown;
  try {
    value = parseYaml(text.slice(eq + 1));
  } catch {
    value = text.slice(eq + 1);
  }
  return { path: tokens, value, option: `--set ${text}` };
}

/** Reads and checks a scenario file; every problem is a ScenarioFileError (exit 2). */
export async function loadScenario(file: string, overrides: readonly Override[] = []): Promise<Scenario> {
  const text = await readTextFile(
    file,
    'scenario file ',
    'give the path of a .yaml file, e.g. scenarios/kill-master.yaml',
  );
  return parseScenario(text, file, overrides);
}

/** The pure part: text -> Scenario, or a ScenarioFileError listing every problem with its line. */
export function parseScenario(text: string, file: string, overrides: readonly Override[] = []): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length) {
    throw new ScenarioFileError(
      file,
      doc.errors.map((e) => ({
        path: [],
        line: e.linePos?.[0].line ?? null,
        column: e.linePos?.[0].col ?? null,
        message: `YAML syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const data = yamlData(doc, file, 'check the file with: redis-drill scenario validate FILE');
  const problems: Problem[] = [];
  const locate = (p: Omit<Problem, 'line' | 'column'>): Problem => {
    const o = overrides.find((x) => startsWith(p.path, x.path));
    if (o) return { ...p, line: null, column: null, fromOption: o.option };
    const offset = offsetOf(doc, p.path);
    const pos = offset === null ? null : lines.linePos(offset);
    return { ...p, line: pos?.line ?? null, column: pos?.col ?? null };
  };

  for (const o of overrides) {
    const problem = applyOverride(data, o);
    if (problem) problems.push({ path: [], line: null, column: null, message: problem, fromOption: o.option });
  }
  if (problems.length) throw new ScenarioFileError(file, problems);

  const top = scenarioSchema.safeParse(data, { reportInput: true });
  if (!top.success) problems.push(...zodProblems(top.error, [], scenarioSchema).map(locate));
  const rawSteps = Array.isArray((data as { steps?: unknown } | null)?.steps)
    ? (data as { steps: unknown[] }).steps
    : [];
  const steps: Step[] = [];
  const notices: string[] = [];
  rawSteps.forEach((item, index) => {
    const shape = stepShape(item);
    if ('problem' in shape)
      return problems.push(
        locate({ path: ['steps', index, ...(shape.key !== undefined ? [shape.key] : [])], message: shape.problem }),
      );
    const handler = stepHandler(shape.name)!;
    const r = handler.schema.safeParse(shape.options, { reportInput: true });
    if (!r.success)
      return problems.push(...zodProblems(r.error, ['steps', index, shape.name], handler.schema).map(locate));
    const offset = offsetOf(doc, ['steps', index]);
    // An older spelling (stop-master) runs as the step it names (term-master), and is said.
    const where = `${file}${offset === null ? '' : `:${lines.linePos(offset).line}`}: steps[${index}]`;
    if (shape.name !== handler.name)
      notices.push(
        `${where} "${shape.name}" is an older spelling of "${handler.name}": it still works, but write ${handler.name}`,
      );
    const older = handler.olderSpelling?.(r.data);
    if (older) notices.push(`${where} ${older}`);
    steps.push({
      index,
      line: offset === null ? null : lines.linePos(offset).line,
      step: handler.name,
      options: r.data,
    });
  });
  if (problems.length) throw new ScenarioFileError(file, problems);

  const s = top.data!;
  problems.push(
    ...checkSteps(steps, { seed: Boolean(s.cluster?.seed), sentinel: Boolean(s.cluster?.sentinel) }).map(locate),
  );
  if (problems.length) throw new ScenarioFileError(file, problems);
  const w = s.workload ?? {};
  let kinds: LoadKinds;
  try {
    kinds = loadKindsOf(w);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new ScenarioFileError(file, [
      locate({ path: ['workload', w.lock ? 'lock' : 'pubsub'], message: e.message.replace(/--[a-z-]+ /g, '') }),
    ]);
  }
  return {
    name: s.name ?? path.basename(file).replace(/\.ya?ml$/i, ''),
    description: s.description ?? null,
    file,
    cluster: s.cluster ?? {},
    load: {
      clients: w.clients ?? LOAD_DEFAULTS.clients,
      mix: w.mix ?? LOAD_DEFAULTS.mix,
      keyspace: w.keyspace ?? LOAD_DEFAULTS.keyspace,
      valueSize: w['value-size'] ?? LOAD_DEFAULTS.valueSize,
      rate: w.rate,
      warmupMs: w.warmup ?? LOAD_DEFAULTS.warmupMs,
      ...kinds,
    },
    programs: (s.clients ?? []).map((cmd) => ({ cmd, cwd: path.dirname(path.resolve(file)) })),
    steps,
    timelineFrom: 'start',
    notices,
  };
}

/** The workload's kinds and their settings, with the defaults (a bad combination, e.g. a TTL shorter than the hold, is exit 2). */
function loadKindsOf(w: NonNullable<z.output<typeof scenarioSchema>['workload']>): LoadKinds {
  const d = LOAD_KIND_DEFAULTS;
  const ms = (v: number | undefined, dflt: string): string => (v === undefined ? dflt : `${v}ms`);
  return loadKinds({
    load: w.load ?? d.load,
    lockClients: w.lock?.clients ?? d.lockClients,
    locks: w.lock?.locks ?? d.locks,
    lockHold: ms(w.lock?.hold, d.lockHold),
    lockTtl: ms(w.lock?.ttl, d.lockTtl),
    channels: w.pubsub?.channels ?? d.channels,
    pubsubMode: w.pubsub?.mode ?? d.pubsubMode,
    publishInterval: ms(w.pubsub?.interval, d.publishInterval),
  });
}

const startsWith = (a: readonly (string | number)[], prefix: readonly (string | number)[]): boolean =>
  prefix.every((p, i) => a[i] === p);

/** A step is `- NAME` or `- NAME: OPTIONS` (a mapping with exactly one key). */
function stepShape(item: unknown): { name: string; options: unknown } | { problem: string; key?: string } {
  const known = `the steps are: ${STEP_NAMES.join(', ')}`;
  const unknown = (n: string): { problem: string; key: string } => {
    const guess = closest(n, STEP_NAMES);
    return { problem: `unknown step "${n}"${guess ? ` (did you mean ${guess}?)` : ''}; ${known}`, key: n };
  };
  if (typeof item === 'string') return stepHandler(item) ? { name: item, options: null } : unknown(item);
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    return { problem: `expected a step (NAME: OPTIONS), found ${describeFound(item)}; ${known}` };
  const keys = Object.keys(item);
  if (keys.length !== 1)
    return {
      problem: `expected one step per list item (NAME: OPTIONS), found ${keys.length ? `${keys.length} keys: ${keys.join(', ')}` : 'an empty mapping'}; start each step with its own "-"`,
    };
  const name = keys[0]!;
  if (!stepHandler(name)) return unknown(name);
  return { name, options: (item as Record<string, unknown>)[name] };
}

/** zod issues -> problems: "expected X, found Y" (leaf messages already say what they expect). */
function zodProblems(
  error: z.ZodError,
  prefix: (string | number)[],
  schema: z.ZodType,
): Omit<Problem, 'line' | 'column'>[] {
  return error.issues.flatMap((issue) => {
    const p = [...prefix, ...issue.path.map((x) => (typeof x === 'symbol' ? String(x) : x))];
    const input = (issue as { input?: unknown }).input;
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, issue.path as (string | number)[]);
      return issue.keys.map((k) => {
        const guess = closest(k, known);
        return {
          path: [...p, k],
          message: `unknown option "${k}"${guess ? ` (did you mean ${guess}?)` : ''}; expected one of: ${known.join(', ')}`,
        };
      });
    }
    // An object-level refinement (options that exclude each other) has no single value to show.
    if (issue.code === 'custom' && input !== null && typeof input === 'object')
      return [{ path: p, message: issue.message }];
    const message = issue.message.startsWith('expected')
      ? issue.message
      : `expected ${issue.code === 'invalid_value' ? `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : issue.message}`;
    return [{ path: p, message: `${message}, found ${describeFound(input)}` }];
  });
}

/** The option names a (possibly wrapped) object schema accepts at a path. */
function keysAt(schema: z.ZodType, at: (string | number)[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    for (let i = 0; i < 10; i++) {
      const def = (x as { def?: { type: string; innerType?: unknown; out?: unknown } }).def;
      if (def?.type === 'pipe') x = def.out;
      else if (def?.type === 'optional' || def?.type === 'nullable' || def?.type === 'default') x = def.innerType;
      else break;
    }
    return x;
  };
  for (const seg of at) {
    s = unwrap(s);
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    s = shape && typeof seg === 'string' ? shape[seg] : undefined;
  }
  return Object.keys((unwrap(s) as { shape?: object } | undefined)?.shape ?? {});
}

/** The offset of the deepest node along `path` (a key's own position for a mapping entry). */
function offsetOf(doc: Document, p: readonly (string | number)[]): number | null {
  let node: unknown = doc.contents;
  let offset: number | null = (node as { range?: [number] } | null)?.range?.[0] ?? null;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = node.items.find((x) => isPair(x) && isScalar(x.key) && x.key.value === seg);
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      offset = (item as { range?: [number] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset;
}

/** Sets an override into the parsed document; returns a problem text when it cannot. */
function applyOverride(data: unknown, o: Override): string | null {
  if (data === null || typeof data !== 'object') return 'the file is not a mapping';
  const path = pathFor(data, o);
  let node = data as Record<string | number, unknown>;
  for (const [i, seg] of path.slice(0, -1).entries()) {
    let next = node[seg];
    if ((next === null || next === true) && path[i + 1] !== undefined) next = node[seg] = {};
    if (next === undefined) {
      if (o.requireParent) return o.requireParent;
      next = node[seg] = typeof path[i + 1] === 'number' ? [] : {};
    }
    if (typeof next !== 'object' || next === null)
      return `cannot set ${path.slice(0, i + 2).join('.')}: ${path.slice(0, i + 1).join('.')} is ${describeFound(next)}`;
    node = next as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = o.value;
  return null;
}
