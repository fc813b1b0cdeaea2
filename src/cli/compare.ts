import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { readTextFile } from '../util/text-file.js';
import type { DrillReport } from '../report/model.js';
import type { Action } from './action.js';

/** `report compare A.json B.json [...]`: key figures of drill and soak reports side by side. */
export function registerReportGroup(program: Command, action: Action): void {
  const group = program.command('report').description('work with reports redis-drill wrote');
  group
    .command('compare')
    .description(
      "key figures of two or more report.json files (drills, scenarios, soaks) side by side, with each one's difference from the first",
    )
    .argument('<files...>', 'report.json files; the first is the baseline')
    .addOption(
      new Option('--format <format>', 'text (an aligned table) or md (a Markdown table)')
        .choices(['text', 'md'])
        .default('text'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill report compare reports/timeout-1000/report.json reports/timeout-5000/report.json\n  redis-drill report compare a.json b.json c.json --format md > comparison.md\n  redis-drill report compare a.json b.json --json',
    )
    .action(
      action(async (ctx, f: { format: 'text' | 'md' }, files: string[]) => {
        if (files.length < 2)
          throw new UsageError(`report compare needs at least two reports (got ${files.length})`, {
            hint: 'e.g. redis-drill report compare a/report.json b/report.json',
          });
        const { compareReports, notAReport } = await import('../report/compare.js');
        const items = await Promise.all(
          files.map(async (file) => ({ file, report: await readReport(file, notAReport) })),
        );
        const c = compareReports(items);
        ctx.out.json(c);
        const ui = await import('../ui/render-compare.js');
        ctx.out.result(f.format === 'md' ? ui.renderCompareMarkdown(c) : ui.renderCompare(c));
      }),
    );
}

async function readReport(file: string, notAReport: (v: unknown) => string | null): Promise<DrillReport> {
  const text = await readTextFile(file, 'report ', 'give the report.json a drill wrote (--out DIR, or ./reports/...)');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message})`, {
      hint: 'give the report.json, not the .md or .html report',
    });
  }
  const problem = notAReport(v);
  if (problem)
    throw new UsageError(`${file}: ${problem}`, { hint: 'give the report.json a drill, scenario run or soak wrote' });
  return v as DrillReport;
}
