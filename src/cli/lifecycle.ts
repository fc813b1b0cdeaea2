import type { Command } from 'commander';
import { type Action, preload } from './action.js';
import { requireManaged } from './context.js';

/** stop, start and destroy, for a cluster (`cluster ...`) or a Sentinel deployment (`sentinel ...`): the same core functions. */
export function registerLifecycle(group: Command, action: Action, kind: 'cluster' | 'sentinel'): void {
  const what = kind === 'cluster' ? 'cluster' : 'deployment';
  group
    .command('stop')
    .description(
      `stop every node of the ${what}${kind === 'sentinel' ? ' (data nodes and sentinels)' : ''}, keeping its data`,
    )
    .action(
      action(async (ctx) => {
        requireManaged(ctx, `${kind} stop`);
        const { stopDeployment } = await import('../cluster/lifecycle.js');
        const result = await stopDeployment({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          expect: kind,
          reporter: ctx.out.reporter(),
        });
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-cluster.js')).renderStop(result, kind));
      }),
    );

  group
    .command('start')
    .description(
      kind === 'cluster'
        ? 'start the stopped nodes again and wait for cluster_state:ok'
        : 'start the stopped nodes and sentinels again and wait until every sentinel agrees on the master',
    )
    .action(
      action(async (ctx) => {
        requireManaged(ctx, `${kind} start`);
        const render = preload(import('../ui/render-cluster.js'));
        const { startDeployment } = await import('../cluster/lifecycle.js');
        const result = await startDeployment({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          expect: kind,
          abortSignal: ctx.abortSignal,
          reporter: ctx.out.reporter(),
        });
        ctx.out.json(result);
        ctx.out.result((await render).renderStart(result, kind));
      }),
    );

  group
    .command('destroy')
    .description(`stop every node and remove the ${what} (safe to repeat)`)
    .option('--keep-data', 'keep the node directories (configs, data, logs)')
    .action(
      action(async (ctx, flags: { keepData?: boolean }) => {
        requireManaged(ctx, `${kind} destroy`);
        const { destroyDeployment } = await import('../cluster/lifecycle.js');
        const result = await destroyDeployment({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          expect: kind,
          keepData: Boolean(flags.keepData),
          reporter: ctx.out.reporter(),
        });
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-cluster.js')).renderDestroy(result, kind));
      }),
    );
}
