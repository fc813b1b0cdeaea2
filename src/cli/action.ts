import type { Command } from 'commander';
import { type Context, makeContext } from './context.js';

/**
 * Wraps a command body for commander: builds the context (globals, output,
 * Ctrl-C signal) and passes the command's own options. Errors propagate to
 * main(), the one place that prints them and picks the exit code.
 */
export type Action = <F>(
  body: (ctx: Context, flags: F, args: string[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

export function makeAction(signal: AbortSignal): Action {
  return (body) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const positional = args.slice(0, -2).flat() as string[];
      await body(makeContext(cmd, signal), cmd.opts() as Parameters<typeof body>[1], positional);
    };
}
