import type { Command } from 'commander';
import type { Action } from './action.js';
import { type Context, targetOptions } from './context.js';
import { intArg } from './options.js';

/** The cluster a slot-moving command works on, and what every one of them passes down. */
async function slotCommand(ctx: Context, command: string) {
  const { clusterTargets, requireCluster } = await import('../cluster/targets.js');
  const t = await clusterTargets(targetOptions(ctx));
  requireCluster(t, command);
  return {
    name: t.name,
    common: {
      connect: { timeoutMs: ctx.globals.timeout, password: t.password },
      targets: t.targets,
      abortSignal: ctx.abortSignal,
      reporter: ctx.out.reporter(),
    },
  };
}

/** Changing a cluster under load: slots moved between masters. */
export function registerScale(cluster: Command, action: Action): void {
  cluster
    .command('reshard')
    .description(
      'move slots (and their keys) from one master to another, natively (SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE, SETSLOT NODE), pipelined',
    )
    .requiredOption(
      '--slots <n>',
      "how many slots to move (the source's first ones)",
      intArg(1, 16384, 'a number of slots from 1 to 16384'),
    )
    .requiredOption('--from <node>', 'the master giving the slots: Master[N] / N, HOST:PORT or a node-id prefix')
    .requiredOption('--to <node>', 'the master taking them (may own none yet)')
    .option(
      '--pipeline <n>',
      'keys per MIGRATE to start with (more for a slot with many keys, while each round stays fast)',
      intArg(1, 100_000),
      100,
    )
    .option('--batch <n>', 'slots moved together, their commands pipelined', intArg(1, 16384), 256)
    .option('--no-wait', 'return after the last SETSLOT, without waiting until every node agrees')
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill cluster reshard --slots 1000 --from Master[0] --to Master[1]\n  redis-drill cluster reshard --slots 100 --from 127.0.0.1:7000 --to 127.0.0.1:7002 --json',
    )
    .action(
      action(
        async (ctx, f: { slots: number; from: string; to: string; pipeline: number; batch: number; wait: boolean }) => {
          const t = await slotCommand(ctx, 'cluster reshard');
          const { reshard } = await import('../cluster/reshard.js');
          const result = await reshard({
            ...t.common,
            slots: f.slots,
            from: f.from,
            to: f.to,
            pipeline: f.pipeline,
            batch: f.batch,
            wait: f.wait,
          });
          ctx.out.json({ cluster: t.name, ...result });
          ctx.out.result((await import('../ui/render-scale.js')).renderReshard(result));
        },
      ),
    );

  cluster
    .command('fix')
    .description(
      'close slots left importing or migrating (finish the migration or roll it back) and give unserved slots a master, as redis-cli --cluster fix does',
    )
    .addHelpText('after', '\nExample:\n  redis-drill cluster fix      # after a reshard stopped midway')
    .action(
      action(async (ctx) => {
        const t = await slotCommand(ctx, 'cluster fix');
        const { fixCluster } = await import('../cluster/fix.js');
        const result = await fixCluster(t.common);
        ctx.out.json({ cluster: t.name, ...result });
        ctx.out.result((await import('../ui/render-scale.js')).renderFix(result));
      }),
    );

  cluster
    .command('rebalance')
    .description(
      'even out the slots over every master, empty ones included (as redis-cli --cluster rebalance --cluster-use-empty-masters), one reshard per move',
    )
    .option(
      '--pipeline <n>',
      'keys per MIGRATE to start with (more for a slot with many keys, while each round stays fast)',
      intArg(1, 100_000),
      100,
    )
    .option('--batch <n>', 'slots moved together', intArg(1, 16384), 256)
    .addHelpText('after', '\nExample:\n  redis-drill cluster add-node && redis-drill cluster rebalance')
    .action(
      action(async (ctx, f: { pipeline: number; batch: number }) => {
        const t = await slotCommand(ctx, 'cluster rebalance');
        const { rebalance } = await import('../cluster/rebalance.js');
        const result = await rebalance({ ...t.common, pipeline: f.pipeline, batch: f.batch });
        ctx.out.json({ cluster: t.name, ...result });
        ctx.out.result((await import('../ui/render-scale.js')).renderRebalance(result));
      }),
    );

  cluster
    .command('add-node')
    .description(
      "start a new node with the cluster's config and join it (CLUSTER MEET), as an empty master or as a replica (CLUSTER REPLICATE)",
    )
    .option('--replica-of <node>', 'make it a replica of this master: Master[N] / N, HOST:PORT or a node-id prefix')
    .option('--master', 'an empty master (the default); give it slots with cluster reshard or rebalance')
    .option('--port <port>', 'its port (default: one above the highest port of the cluster)', intArg(1, 65535))
    .option(
      '--bind <address>',
      "its address (default: the nodes' shared one, or the next after the highest when each node has its own)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill cluster add-node                      # an empty master\n  redis-drill cluster add-node --replica-of 127.0.0.1:7006',
    )
    .action(
      action(async (ctx, f: { replicaOf?: string; master?: boolean; port?: number; bind?: string }) => {
        const { UsageError } = await import('../errors.js');
        if (f.master && f.replicaOf)
          throw new UsageError('--master and --replica-of exclude each other', {
            hint: 'an empty master, or a replica of an existing master',
          });
        const { requireManaged } = await import('./context.js');
        requireManaged(ctx, 'cluster add-node');
        const { addNode } = await import('../cluster/membership.js');
        const result = await addNode({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          timeoutMs: ctx.globals.timeout,
          replicaOf: f.replicaOf,
          port: f.port,
          bind: f.bind,
          abortSignal: ctx.abortSignal,
          reporter: ctx.out.reporter(),
        });
        ctx.out.json(result);
        const n = result.node;
        ctx.out.result(
          `Added ${n.host}:${n.port} (${n.id.slice(0, 8)}) as ${n.role === 'master' ? 'an empty master: give it slots with redis-drill cluster rebalance' : `a replica of ${n.master}`}, in ${result.elapsedMs} ms.`,
        );
      }),
    );

  cluster
    .command('remove-node')
    .description(
      'take a node out of the cluster: CLUSTER FORGET on every other node, then stop it and remove its directory (a master must own no slots)',
    )
    .argument('<node>', 'HOST:PORT or a node-id prefix')
    .addHelpText(
      'after',
      '\nExample:\n  redis-drill cluster reshard --slots 4096 --from 127.0.0.1:7006 --to 0 && redis-drill cluster remove-node 127.0.0.1:7006',
    )
    .action(
      action(async (ctx, _f: object, args: string[]) => {
        const { requireManaged } = await import('./context.js');
        requireManaged(ctx, 'cluster remove-node');
        const { removeNode } = await import('../cluster/membership.js');
        const result = await removeNode({
          stateDir: ctx.globals.stateDir,
          cluster: ctx.globals.cluster,
          timeoutMs: ctx.globals.timeout,
          node: args[0]!,
          abortSignal: ctx.abortSignal,
          reporter: ctx.out.reporter(),
        });
        ctx.out.json(result);
        ctx.out.result(
          `Removed ${result.node.role} ${result.node.host}:${result.node.port} (${result.node.id.slice(0, 8)}): forgotten by ${result.forgottenBy} node(s), stopped, its directory removed (${result.elapsedMs} ms).`,
        );
      }),
    );
}
