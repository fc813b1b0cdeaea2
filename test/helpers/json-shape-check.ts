import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { runJson } from './cli.js';
import { docShapes, shapeProblems } from './json-shape.js';

/** Every command's documented --json shape (docs/json.md). */
export const SHAPES = docShapes(readFileSync(fileURLToPath(new URL('../../docs/json.md', import.meta.url)), 'utf8'));

/**
 * The files that check the shapes, each on its own deployment so that they
 * run side by side: which of them checks a command. Together they check
 * every one. The Sentinel faults that wait for Sentinel to convert the old
 * master (about 10 s each) are checked in sentinel.test.ts, on the drills it
 * runs anyway, instead of running them twice.
 */
export type ShapePart = 'cluster' | 'sentinel' | 'sentinel-drills' | 'soak';
const SENTINEL_DRILLS = new Set([
  'sentinel kill-master',
  'sentinel resume-node',
  'sentinel restart-node',
  'sentinel failover-report',
]);
export function shapePart(command: string): ShapePart {
  if (SENTINEL_DRILLS.has(command)) return 'sentinel-drills';
  if (command.startsWith('sentinel ')) return 'sentinel';
  return command === 'soak' || command === 'report compare' ? 'soak' : 'cluster';
}

/**
 * The shape checker of one part: `check` runs a command with --json in a
 * state directory and checks its exit code and its shape; `expectShape`
 * checks the JSON of a command the test ran itself. When the file ends,
 * every documented command of the part must have been checked.
 */
export function shapeChecker(part: ShapePart): {
  check: (dir: string, command: string, args: string[], code?: number) => Promise<any>;
  expectShape: (command: string, json: unknown) => void;
  seen: Set<string>;
} {
  const seen = new Set<string>();
  afterAll(() => {
    expect([...SHAPES.keys()].filter((k) => shapePart(k) === part && !seen.has(k))).toEqual([]);
  });
  const expectShape = (command: string, json: unknown): void => {
    expect(shapePart(command), command).toBe(part);
    expect(shapeProblems(json, SHAPES.get(command)!), command).toEqual([]);
    seen.add(command);
  };
  return {
    seen,
    expectShape,
    async check(dir, command, args, code = 0) {
      const { result, json } = await runJson<any>([...command.split(' '), ...args], { stateDir: dir });
      expect(result.exitCode, result.stderr).toBe(code);
      expectShape(command, json);
      return json;
    },
  };
}

/** A client matrix as short as it can be: its shape is checked, not the libraries. */
export const QUICK_MATRIX = ['--warmup', '500ms', '--settle', '200ms', '--format', 'json'];
