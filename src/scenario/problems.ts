import { UsageError } from '../errors.js';
import { formatPath } from '../util/yaml-file.js';

export { describeFound, formatPath } from '../util/yaml-file.js';

/** One thing wrong with a scenario file: where (file line, or the --set that put it there) and what. */
export interface Problem {
  /** As in the document: ['steps', 2, 'kill-master', 'signal']. */
  path: (string | number)[];
  /** 1-based; null when the value came from --set or the place is unknown. */
  line: number | null;
  column: number | null;
  /** "expected ..., found ...". */
  message: string;
  /** Set when the value came from the command line. */
  fromOption?: string;
}

export function formatProblem(file: string, p: Problem): string {
  const where = p.fromOption ? `${p.fromOption}` : p.line !== null ? `${file}:${p.line}:${p.column ?? 1}` : file;
  return `${where}: ${p.path.length ? `${formatPath(p.path)}: ` : ''}${p.message}`;
}

/** A scenario file that cannot be run: exit 2, every problem listed. */
export class ScenarioFileError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    const [first, ...rest] = problems.map((p) => formatProblem(file, p));
    super(first ?? `${file}: not a scenario`, {
      hint: 'the format is in docs/scenarios.md; redis-drill scenario validate FILE checks a file without running it',
      details: rest.length ? [`and ${rest.length} more:`, ...rest] : [],
    });
  }
}

/** The closest known word, for "did you mean": Levenshtein distance at most 2 (or a shared prefix). */
export function closest(word: string, known: readonly string[]): string | null {
  let best: { w: string; d: number } | null = null;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k);
    if (d <= 2 && (!best || d < best.d)) best = { w: k, d };
  }
  return best?.w ?? known.find((k) => word.length >= 4 && k.startsWith(word.toLowerCase())) ?? null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
