import { describe, expect, test } from 'vitest';
import { parseShape, docShapes, shapeProblems } from '../helpers/json-shape.js';

describe('the docs/json.md shape notation used to check --json output', () => {
  const shape = parseShape('{ a, b?, c: { d }, e: [{ f, g? }] }');

  test('a value that matches, with optional keys and null objects', () => {
    expect(shapeProblems({ a: 1, c: { d: 2 }, e: [{ f: 1 }, { f: 2, g: 3 }] }, shape)).toEqual([]);
    expect(shapeProblems({ a: 1, b: 2, c: null, e: [] }, shape)).toEqual([]);
  });

  test('missing, undocumented and wrongly nested keys are all named', () => {
    expect(shapeProblems({ c: { d: 1, x: 2 }, e: [{ g: 1 }], z: 0 }, shape)).toEqual([
      '$.z: not documented',
      '$.a: documented but missing',
      '$.c.x: not documented',
      '$.e[0].f: documented but missing',
    ]);
    expect(shapeProblems({ a: 1, c: { d: 1 }, e: {} }, shape)).toEqual(['$.e: expected a list']);
  });

  test('a table in the docs/json.md form', () => {
    const md =
      '<!-- json-shapes -->\n| command | json |\n| --- | --- |\n| `one`, `two` | `{ a }` |\n<!-- /json-shapes -->';
    expect([...docShapes(md).keys()]).toEqual(['one', 'two']);
    expect(() => parseShape('{ a: [ b ] }')).toThrow(/expected \{/);
  });
});
