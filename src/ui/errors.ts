import { CommanderError } from 'commander';
import { EXIT, type ExitCode, isDrillError } from '../errors.js';

/** The lines to print for an error, and the exit code it maps to (docs/architecture.md, "Exit codes"). */
export function describeError(e: unknown, verbose: boolean): { lines: string[]; exitCode: ExitCode } {
  if (isDrillError(e)) {
    const lines = [e.message];
    if (e.hint) lines.push(`hint: ${e.hint}`);
    for (const d of e.details) lines.push(`  ${d}`);
    if (verbose && e.stack) lines.push(e.stack);
    return { lines, exitCode: e.exitCode };
  }
  if (e instanceof CommanderError) {
    return { lines: [], exitCode: e.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  // Not one of ours: a bug, never "a check failed" (CI must tell a broken tool from a failed drill).
  const message = e instanceof Error ? e.message : String(e);
  const lines = [
    `internal error: ${message}`,
    `hint: this is a bug in redis-drill; ${verbose ? 'the stack trace is below' : 'run again with --verbose for the stack trace'}, and please report it`,
  ];
  if (verbose && e instanceof Error && e.stack) lines.push(e.stack);
  return { lines, exitCode: EXIT.internal };
}
