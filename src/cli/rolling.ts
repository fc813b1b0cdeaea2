import type { Command } from 'commander';
import type { Action } from './action.js';
import { requireManaged, targetOptions } from './context.js';
import { collect } from './options.js';

/** `cluster rolling-restart`: every node restarted in turn, replicas first, masters after a failover. */
export function registerRollingRestart(cluster: Command, action: Action): void {
  cluster
    .command('rolling-restart')
    .description(
      'restart every node one at a time without losing a write: each replica, then each master after a manual failover to its replica; optionally change its config as it restarts',
    )
    .option(
      '--config <key=value>',
      'a redis.conf setting applied to every node as it restarts (CONFIG SET + CONFIG REWRITE), then checked with CONFIG GET (repeatable)',
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nExample:\n  redis-drill cluster rolling-restart --config maxmemory-policy=allkeys-lru\n\nExit 0 when every node was restarted, every shard kept its keys and the setting reads back on every node; 1 (with the failed checks) when not.',
    )
    .action(
      action(async (ctx, flags: { config: string[] }) => {
        requireManaged(ctx, 'cluster rolling-restart');
        const { parseConfigEntry } = await import('../nodes/config.js');
        const config = flags.config.map(parseConfigEntry);
        const { withDeployment } = await import('../deployment/handle.js');
        const { rollingRestart } = await import('../faults/rolling-restart.js');
        const result = await withDeployment({ ...targetOptions(ctx), expect: 'cluster' }, (d) =>
          rollingRestart(d, { config, reporter: ctx.out.reporter() }),
        );
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-rolling.js')).renderRollingRestart(ctx.out.c, result));
        if (!result.passed) {
          const { CheckFailedError } = await import('../errors.js');
          const failed = result.checks.filter((c) => !c.passed);
          throw new CheckFailedError(`rolling-restart: ${failed.map((c) => c.name).join(', ')}`, {
            details: failed.map((c) => `${c.name}: ${c.detail}`),
          });
        }
      }),
    );
}
