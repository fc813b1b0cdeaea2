import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';

const PLAIN = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * A borderless, column-aligned table: easy to read, and easy for awk/grep
 * when stdout is not a terminal.
 */
export function renderTable(c: ChalkInstance, head: string[], rows: (string | number)[][]): string {
  const table = new Table({
    head: head.map((h) => c.bold(h)),
    chars: PLAIN,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const r of rows) table.push(r.map(String));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}
