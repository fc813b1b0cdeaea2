import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAULTS } from '../../src/faults/catalog.js';

/**
 * The user docs follow the fault catalogue: docs/faults.md's "at a glance"
 * table has a row for every fault (its scenario step, failover-report
 * --fault, soak --faults, and what it needs), and docs/scenarios.md's step
 * table has every fault's step. A fault added to the catalogue and not to the
 * docs fails here (see docs/architecture.md, "Adding a fault").
 */

const doc = (name: string): string => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

/** The lines of a section: from its heading to the next heading of any level. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.replace(/^#+\s*/, '') === heading && l.startsWith('#'));
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A Markdown table's rows as cells (an escaped \| stays inside its cell); the first row is the header. */
function table(lines: readonly string[]): string[][] {
  return lines
    .filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l))
    .map((l) =>
      l
        .slice(1, l.endsWith('|') ? -1 : undefined)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe('docs/faults.md, "The faults at a glance"', () => {
  const [header, ...rows] = table(section(doc('faults.md'), 'The faults at a glance'));
  const column = (name: string): number => {
    const i = header!.findIndex((h) => h.includes(name));
    if (i < 0) throw new Error(`no column "${name}" in the table (${header!.join(', ')})`);
    return i;
  };
  const rowOf = (fault: string): string[] | undefined => rows.find((r) => r[0] === `**${fault}**`);

  it('has one row per catalogue fault, and no other', () => {
    expect(rows.map((r) => r[0]).sort()).toEqual(FAULTS.map((f) => `**${f.name}**`).sort());
  });

  for (const f of FAULTS) {
    describe(f.name, () => {
      it(`names its scenario step \`${f.step}\``, () => {
        expect(rowOf(f.name)?.[column('scenario step')]).toContain(`\`${f.step}\``);
      });

      it('names its failover-report --fault and soak --faults', () => {
        const row = rowOf(f.name)!;
        expect(row[column('failover-report')]).toContain(`\`--fault ${f.name}\``);
        expect(row[column('soak')]).toContain(`\`${f.name}\``);
      });

      it(`says what it needs (root: ${f.needs.root}, Redis Cluster: ${f.needs.redisCluster})`, () => {
        const needs = rowOf(f.name)![column('needs')]!;
        expect(/\broot\b/.test(needs)).toBe(f.needs.root);
        expect(needs.includes('Redis Cluster')).toBe(f.needs.redisCluster);
      });
    });
  }
});

describe('docs/scenarios.md, "Steps"', () => {
  const [, ...rows] = table(section(doc('scenarios.md'), 'Steps'));
  const stepsInFirstColumn = rows.flatMap((r) => [...r[0]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!));

  for (const f of FAULTS) {
    it(`documents the step \`${f.step}\` (${f.name})`, () => {
      expect(stepsInFirstColumn).toContain(f.step);
    });
  }
});
