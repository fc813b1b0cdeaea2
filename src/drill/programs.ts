import { CheckFailedError, UsageError } from '../errors.js';
import type { Check } from '../report/model.js';
import { NOT_FOUND, type ProgramResult, type ProgramRun } from '../workload/program-run.js';

/**
 * A program that ended before the first step gives the drill nothing to
 * judge: exit 2 when the shell could not find it, 1 otherwise, and no fault
 * is sent.
 */
export function refuseEarlyExit(p: ProgramRun): void {
  const e = p.ended;
  if (!e) return;
  const said = p.stderrTail.length ? `: ${p.stderrTail.slice(-3).join(' | ')}` : '';
  if (e.code === NOT_FOUND)
    throw new UsageError(`${p.name} (${describe(p)}) was not found by the shell${said}`, {
      hint: "check the command and its path; it runs with sh -c from the scenario file's directory (failover-report: the current one)",
    });
  throw new CheckFailedError(
    `${p.name} (${describe(p)}) ${e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`} before the first step, so nothing was broken${said}`,
    { hint: 'run the command by hand with REDIS_DRILL_NODES set to see why it stops' },
  );
}

const describe = (p: ProgramRun): string => `"${p.command}"`;

/** The check every program gets: it survived the drill (still running at the end, or exited 0). */
export function survivedCheck(r: ProgramResult, faultMs: number | null, several: boolean): Check {
  const name = several ? `client survived: ${r.name}` : 'client survived';
  if (r.survived)
    return {
      name,
      passed: true,
      detail: r.stoppedByDrill
        ? `"${r.cmd}" was still running at the end (stopped by the drill)`
        : `"${r.cmd}" exited with code 0 at ${r.exitedMs} ms from the start of the load`,
    };
  const when =
    r.exitedMs === null
      ? ''
      : faultMs === null
        ? ` at ${r.exitedMs} ms from the start of the load`
        : ` ${Math.round(Math.abs(r.exitedMs - faultMs))} ms ${r.exitedMs >= faultMs ? 'after' : 'before'} the fault`;
  const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
  return {
    name,
    passed: false,
    detail: `"${r.cmd}" ${how}${when}${r.stderrTail.length ? `; its last stderr: ${r.stderrTail.slice(-3).join(' | ')}` : ''}`,
  };
}
