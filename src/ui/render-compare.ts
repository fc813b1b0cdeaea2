import type { Comparison } from '../report/compare.js';

const cell = (v: number | string | null): string => (v === null ? '-' : String(v));

/** One row per figure: each report's value, then each later report's difference from the first. Pure. */
function rows(c: Comparison): string[][] {
  const later = c.reports.slice(1);
  const head = ['figure', ...c.reports.map((r) => r.label), ...later.map((r) => `${r.label} - ${c.reports[0]!.label}`)];
  const body = c.figures.map((f) => [
    f.unit ? `${f.name} (${f.unit})` : f.name,
    ...f.values.map(cell),
    ...later.map((_, k) => {
      const d = f.diffs[k + 1] ?? null;
      const p = f.diffPercents[k + 1] ?? null;
      if (f.values[k + 1] === null || f.values[0] === null) return '-';
      return d === null
        ? f.values[k + 1] === f.values[0]
          ? 'same'
          : 'differs'
        : `${d > 0 ? '+' : ''}${d}${p === null ? '' : ` (${p > 0 ? '+' : ''}${p}%)`}`;
    }),
  ]);
  return [head, ...body];
}

function legend(c: Comparison): string[] {
  return c.reports.map((r) => `${r.label}: ${r.file} (${r.kind}, ${r.generatedAt}, ${r.verdict})`);
}

/** An aligned text table for a terminal. Pure. */
export function renderCompare(c: Comparison): string {
  const t = rows(c);
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => r[i]!.length)));
  return [
    ...legend(c),
    '',
    ...t.map((r) =>
      r
        .map((x, i) => x.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}

/** The same as a Markdown table, to paste into a document. Pure. */
export function renderCompareMarkdown(c: Comparison): string {
  const t = rows(c);
  const line = (r: string[]): string => `| ${r.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    ...legend(c).map((l) => `- ${l}`),
    '',
    line(t[0]!),
    line(t[0]!.map(() => '---')),
    ...t.slice(1).map(line),
  ].join('\n');
}
