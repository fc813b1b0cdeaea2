import type { Command } from 'commander';
import type { Action } from './action.js';
import { targetOptions } from './context.js';
import { intArg } from './options.js';

/** Changing a cluster under load: slots moved between masters. */
export function registerScale(cluster: Command, action: Action): void {
  cluster
    .command('reshard')
    .description('move slots (and their keys) from one master to another, natively (SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE, SETSLOT NODE), pipelined')
    .requiredOption('--slots <n>', 'how many slots to move (the source\'s first ones)', intArg(1, 16384, 'a number of slots from 1 to 16384'))
    .requiredOption('--from <node>', 'the master giving the slots: Master[N] / N, HOST:PORT or a node-id prefix')
    .requiredOption('--to <node>', 'the master taking them (may own none yet)')
    .option('--pipeline <n>', 'keys per MIGRATE', intArg(1, 100_000), 100)
    .option('--batch <n>', 'slots moved together, their commands pipelined', intArg(1, 16384), 256)
    .option('--no-wait', 'return after the last SETSLOT, without waiting until every node agrees')
    .addHelpText('after', '\nExamples:\n  redis-drill cluster reshard --slots 1000 --from Master[0] --to Master[1]\n  redis-drill cluster reshard --slots 100 --from 127.0.0.1:7000 --to 127.0.0.1:7002 --json')
    .action(
      action(async (ctx, f: { slots: number; from: string; to: string; pipeline: number; batch: number; wait: boolean }) => {
        const { clusterTargets, requireCluster } = await import('../cluster/targets.js');
        const { reshard } = await import('../cluster/reshard.js');
        const t = await clusterTargets(targetOptions(ctx));
        requireCluster(t, 'cluster reshard');
        const result = await reshard({ connect: { timeoutMs: ctx.globals.timeout, password: t.password }, targets: t.targets, slots: f.slots, from: f.from, to: f.to, pipeline: f.pipeline, batch: f.batch, wait: f.wait, signal: ctx.signal, reporter: ctx.out.reporter() });
        ctx.out.json({ cluster: t.name, ...result });
        ctx.out.result((await import('../ui/render-scale.js')).renderReshard(result));
      }),
    );
}
