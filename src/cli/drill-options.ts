import { type Command, Option } from 'commander';
import type { CreateFirst } from '../drill/session.js';
import type { Context } from './context.js';
import { type CreateFlags, createRequest } from './cluster.js';
import { intArg } from './options.js';
import { type SentinelFlags, sentinelRequest } from './sentinel-options.js';

/** --out, --format and --deadline, as every command that writes a drill report has them. */
export function addReportOutputOptions(cmd: Command, out: string, deadline: string): Command {
  return cmd
    .option('--out <dir>', out)
    .option('--format <list>', 'md, json, html', 'md,json,html')
    .addOption(new Option('--deadline <ms>', deadline).argParser(intArg(1)));
}

/** --create: the deployment the drill command builds first (kept afterwards), from the create options it was given. */
export function createFirst(
  ctx: Context,
  f: CreateFlags & { create?: boolean },
  kind: 'cluster' | 'sentinel',
): CreateFirst | undefined {
  if (!f.create) return undefined;
  return {
    request:
      kind === 'sentinel'
        ? sentinelRequest(ctx, { ...(f as unknown as SentinelFlags), force: true })
        : createRequest(ctx, { ...f, force: true }),
    kind,
    throwAway: false,
  };
}

/** What a drill command runs on: the kind --create makes, a cluster attached with --seed, or the named deployment's kind. */
export async function drillTarget(
  ctx: Context,
  create: boolean | undefined,
  kind: 'cluster' | 'sentinel',
): Promise<'cluster' | 'sentinel'> {
  if (create) return kind;
  if (ctx.globals.seed) return 'cluster';
  const { deploymentKind } = await import('../cluster/state.js');
  return deploymentKind(ctx.globals.stateDir, ctx.globals.cluster);
}
