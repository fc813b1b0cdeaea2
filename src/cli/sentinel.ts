import type { Command } from 'commander';
import { type Action, preload } from './action.js';
import { requireManaged } from './context.js';
import { registerFaults } from './faults.js';
import { registerLifecycle } from './lifecycle.js';
import { registerReport } from './report.js';
import { registerClients } from './clients.js';
import { type SentinelFlags, addSentinelCreateOptions, sentinelRequest } from './sentinel-options.js';

export function registerSentinel(program: Command, action: Action): void {
  const group = program
    .command('sentinel')
    .description(
      'one master, its replicas and the Sentinels that watch them: create, inspect, break, stop, start, destroy',
    );

  addSentinelCreateOptions(
    group
      .command('create')
      .description(
        'start a master, its replicas and the sentinels (their config seeded: fully formed without waiting for hello messages)',
      ),
  )
    .option('--force', 'destroy an existing deployment of the same name first')
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill sentinel create\n  redis-drill sentinel create --replicas 2 --sentinels 3 --quorum 2 --down-after 1000 --json\n  redis-drill sentinel create --bind 127.0.2.1+      # one address per node: what a partition needs',
    )
    .action(
      action(async (ctx, f: SentinelFlags & { force?: boolean }) => {
        requireManaged(ctx, 'sentinel create');
        const render = preload(import('../ui/render-sentinel.js'));
        const { createSentinelFromRequest } = await import('../sentinel/create-request.js');
        const result = await createSentinelFromRequest({
          ...sentinelRequest(ctx, f),
          cluster: ctx.globals.cluster,
          stateDir: ctx.globals.stateDir,
        });
        ctx.out.json(result);
        ctx.out.result((await render).renderSentinelCreate(ctx.out.c, result));
      }),
    );

  group
    .command('status')
    .description(
      "a live view: each data node's role, master, link and lag; each sentinel's master, flags (s_down, o_down), epoch, replicas and sentinels known",
    )
    .action(
      action(async (ctx) => {
        requireManaged(ctx, 'sentinel status');
        const { readState, checkKind } = await import('../cluster/state.js');
        const state = await readState(ctx.globals.stateDir, ctx.globals.cluster);
        checkKind(state, 'sentinel');
        const { sentinelStatus } = await import('../sentinel/status.js');
        const result = await sentinelStatus({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          timeoutMs: ctx.globals.timeout,
          state,
        });
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-sentinel.js')).renderSentinelStatus(ctx.out.c, result));
      }),
    );

  registerLifecycle(group, action, 'sentinel');
  registerFaults(group, action, 'sentinel');
  registerReport(group, action, 'sentinel');
  registerClients(group, action, 'sentinel');
}
