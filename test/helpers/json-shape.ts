/**
 * The documented JSON shapes (docs/json.md), in the notation `{ a, b?, c: { d }, e: [{ f }] }`:
 * every key listed must be there (unless marked `?`), no other key may be;
 * `c: {...}` and `e: [{...}]` describe nested objects and array elements
 * (null is allowed where an object is described: "none").
 */
export interface Shape {
  keys: Map<string, { optional: boolean; nested: Shape | null; array: boolean }>;
}

export function parseShape(text: string): Shape {
  const tokens = text.match(/[{}[\],:?]|[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  let i = 0;
  const expect = (t: string): void => {
    if (tokens[i] !== t)
      throw new Error(`shape "${text}": expected ${t} at token ${i} (${tokens.slice(i, i + 3).join(' ')})`);
    i++;
  };
  const object = (): Shape => {
    expect('{');
    const keys: Shape['keys'] = new Map();
    while (tokens[i] !== '}') {
      const name = tokens[i++]!;
      const optional = tokens[i] === '?' ? (i++, true) : false;
      let nested: Shape | null = null;
      let array = false;
      if (tokens[i] === ':') {
        i++;
        if (tokens[i] === '[') {
          i++;
          array = true;
          nested = object();
          expect(']');
        } else nested = object();
      }
      keys.set(name, { optional, nested, array });
      if (tokens[i] === ',') i++;
    }
    expect('}');
    return { keys };
  };
  const shape = object();
  if (i !== tokens.length) throw new Error(`shape "${text}": trailing tokens ${tokens.slice(i).join(' ')}`);
  return shape;
}

/** Differences between a value and its documented shape, as "path: problem" lines. */
export function shapeProblems(value: unknown, shape: Shape, at = '$'): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${at}: expected an object, found ${JSON.stringify(value)?.slice(0, 40)}`];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(v)) if (!shape.keys.has(k)) problems.push(`${at}.${k}: not documented`);
  for (const [k, d] of shape.keys) {
    if (!(k in v)) {
      if (!d.optional) problems.push(`${at}.${k}: documented but missing`);
      continue;
    }
    const child = v[k];
    if (!d.nested || child === null) continue;
    if (d.array) {
      if (!Array.isArray(child)) problems.push(`${at}.${k}: expected a list`);
      else child.forEach((x, j) => problems.push(...shapeProblems(x, d.nested!, `${at}.${k}[${j}]`)));
    } else problems.push(...shapeProblems(child, d.nested, `${at}.${k}`));
  }
  return problems;
}

/** The table between <!-- json-shapes --> and <!-- /json-shapes --> in a Markdown text (docs/json.md): command -> shape. */
export function docShapes(markdown: string): Map<string, Shape> {
  const block = /<!-- json-shapes -->([\s\S]*?)<!-- \/json-shapes -->/.exec(markdown)?.[1];
  if (!block) throw new Error('no <!-- json-shapes --> table in the text (docs/json.md)');
  const shapes = new Map<string, Shape>();
  for (const line of block.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    const shape = parseShape(/`(\{.*\})`/.exec(cells[2]!)?.[1] ?? '');
    for (const cmd of cells[1]!.matchAll(/`([^`]+)`/g)) shapes.set(cmd[1]!, shape);
  }
  return shapes;
}
