import type { ChalkInstance } from 'chalk';
import type { DrillReport } from '../report/model.js';
import type { Validation } from '../scenario/validate.js';
import { renderReportSummary } from './render-report.js';
import { renderTable } from './table.js';

/** The steps as they ran, then the same summary as failover-report. */
export function renderScenarioSummary(c: ChalkInstance, r: DrillReport, files: string[]): string {
  const outcome = (o: string): string => (o === 'done' ? c.green(o) : o === 'failed' ? c.red(o) : c.dim(o));
  const short = (t: string): string => (t.length > 44 ? `${t.slice(0, 43)}…` : t);
  const rows = r.scenario.steps.map((s) => [
    `steps[${s.index}] ${short(s.title)}`,
    `+${s.startMs} ms`,
    `${s.endMs - s.startMs} ms`,
    outcome(s.outcome),
    s.detail,
  ]);
  return [
    `Scenario ${r.scenario.name} (${r.scenario.file ?? 'built in'})`,
    '',
    renderTable(c, ['STEP', 'AT', 'TOOK', 'OUTCOME', 'DETAIL'], rows),
    '',
    renderReportSummary(c, r, files),
  ].join('\n');
}

/** One line per valid file with its steps; the problems of bad files go to stderr as the error. */
export function renderValidation(v: Validation): string {
  return v.files
    .filter((f) => f.valid)
    .map((f) =>
      [
        `${f.file}: ok, scenario "${f.name}", ${f.steps.length} steps, cluster: ${f.cluster}`,
        ...f.steps.map((s) => `  ${s}`),
      ].join('\n'),
    )
    .join('\n');
}
