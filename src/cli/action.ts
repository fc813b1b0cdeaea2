import type { Command } from 'commander';
import { type Context, makeContext } from './context.js';

/**
 * Wraps a command body for commander: builds the context (globals, output,
 * Ctrl-C signal) and passes the command's own options. Errors propagate to
 * main(), the one place that prints them and picks the exit code.
 * `deprecated` notes an older spelling the parser accepted: the command
 * prints one line about it on stderr before it runs.
 */
export type Action = (<F>(
  body: (ctx: Context, flags: F, args: string[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>) & { deprecated: (written: string, now: string) => void };

export function makeAction(abortSignal: AbortSignal): Action {
  const notes: string[] = [];
  const action = (<F>(body: (ctx: Context, flags: F, args: string[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const positional = args.slice(0, -2).flat() as string[];
      const ctx = makeContext(cmd, abortSignal);
      for (const note of notes.splice(0)) ctx.out.warn(note);
      await body(ctx, cmd.opts() as F, positional);
    }) as Action;
  action.deprecated = (written, now) =>
    notes.push(`"${written}" is an older spelling of "${now}": it still works, but write ${now}`);
  return action;
}

/**
 * A module a command needs for its result (its renderer), loading while the
 * command runs. Once a create or start has checked for a late Ctrl-C (it
 * rolls back before that check), nothing may wait on I/O until the result is
 * out: an interrupt taken in such a wait would exit 130, which says
 * everything started was stopped, with everything running. A failed load is
 * thrown where it is awaited, not as an unhandled rejection meanwhile.
 */
export function preload<T>(loading: Promise<T>): Promise<T> {
  loading.catch(() => undefined);
  return loading;
}
