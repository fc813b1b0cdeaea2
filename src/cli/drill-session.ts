import type { DrillReport } from '../report/model.js';
import { parseFormats } from '../report/write.js';
import { VERSION } from '../version.js';
import type { Context } from './context.js';

/** What every drill command (failover-report, scenario run, soak) passes to its session: the globals and the report flags. */
export function sessionBase(ctx: Context, f: { out?: string; format: string; deadline?: number }) {
  const g = ctx.globals;
  return {
    stateDir: g.stateDir,
    cluster: g.cluster,
    seed: g.seed,
    password: g.password,
    timeoutMs: g.timeout,
    report: { out: f.out, formats: parseFormats(f.format), version: VERSION },
    deadlineMs: f.deadline,
    abortSignal: ctx.abortSignal,
    reporter: ctx.out.reporter(),
  };
}

/** The failed checks as one line: "name (detail); ...". */
export function failedChecks(report: Pick<DrillReport, 'checks'>): string {
  return report.checks
    .filter((k) => !k.passed)
    .map((k) => `${k.name} (${k.detail})`)
    .join('; ');
}
