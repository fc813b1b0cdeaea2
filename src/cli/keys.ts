import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DeploymentNotFoundError } from '../errors.js';
import { statePath } from '../cluster/state-path.js';
import type { Action } from './action.js';
import { targetOptions } from './context.js';
import { collect, intArg } from './options.js';

export function registerKeyCommands(program: Command, action: Action): void {
  program
    .command('slotmap')
    .description('the hash-slot map: one row per master with its slots, keys (DBSIZE) and replicas')
    .option('--key <key>', 'also show which slot and nodes own this key (repeatable)', collect, [])
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill slotmap\n  redis-drill slotmap --key user:1 --key "{user:1}:cart"\n  redis-drill slotmap --seed 127.0.0.1:7000 --json',
    )
    .action(
      action(async (ctx, flags: { key: string[] }) => {
        const { clusterTargets } = await import('../cluster/targets.js');
        const { slotMap } = await import('../cluster/slotmap.js');
        const { placeKey } = await import('../cluster/keys.js');
        const t = await clusterTargets(targetOptions(ctx));
        (await import('../cluster/targets.js')).requireCluster(t, 'slotmap');
        const { name, targets, password } = t;
        const map = await slotMap(targets, { timeoutMs: ctx.globals.timeout, password });
        const placements = flags.key.map((k) => placeKey(k, map));
        ctx.out.json({ cluster: name, ...map, ...(placements.length ? { keys: placements } : {}) });
        const r = await import('../ui/render-keys.js');
        ctx.out.result(
          r.renderSlotMap(ctx.out.c, map) +
            (placements.length ? `\n\n${r.renderPlacements(ctx.out.c, placements)}` : ''),
        );
      }),
    );

  program
    .command('keyslot')
    .description(
      'the hash slot of each key ({hash tag} rule included) and, if a cluster is there, the nodes that own it',
    )
    .argument('<key...>', 'one or more keys')
    .addHelpText('after', '\nExample:\n  redis-drill keyslot key1 "{user:1}:cart" "{user:1}:orders"')
    .action(
      action(async (ctx, _flags: object, args: string[]) => {
        const { placeKey } = await import('../cluster/keys.js');
        let map = null;
        try {
          // No state file and no --seed: no cluster to load (nor its code: this is the common case, and fast).
          if (!ctx.globals.seed && !existsSync(statePath(ctx.globals.stateDir, ctx.globals.cluster)))
            throw new DeploymentNotFoundError(ctx.globals.cluster, ctx.globals.stateDir);
          const { clusterTargets, requireCluster } = await import('../cluster/targets.js');
          const { slotMap } = await import('../cluster/slotmap.js');
          const t = await clusterTargets(targetOptions(ctx));
          requireCluster(t, 'keyslot');
          map = await slotMap(t.targets, { timeoutMs: ctx.globals.timeout, password: t.password });
        } catch (e) {
          // The slot needs no cluster: without one, show just the slots.
          if (!(e instanceof DeploymentNotFoundError)) throw e;
          ctx.out.info(
            `no cluster "${ctx.globals.cluster}" here: showing slots only (use --seed HOST:PORT for a running cluster)`,
          );
        }
        const keys = args.map((k) => placeKey(k, map));
        ctx.out.json({ keys });
        ctx.out.result((await import('../ui/render-keys.js')).renderPlacements(ctx.out.c, keys));
      }),
    );

  program
    .command('populate')
    .description(
      "write key1..keyN (pipelined, straight to each slot's master) and show the keys per master from DBSIZE",
    )
    .requiredOption(
      '--keys <n>',
      'how many keys to write',
      intArg(1, 100_000_000, 'a whole number of keys, at least 1'),
    )
    .option('--prefix <prefix>', 'key name prefix', 'key')
    .option('--value-size <bytes>', 'size of each value', intArg(0, 512 * 1024 * 1024), 16)
    .addHelpText('after', '\nExample:\n  redis-drill populate --keys 1000      # then: redis-drill slotmap')
    .action(
      action(async (ctx, flags: { keys: number; prefix: string; valueSize: number }) => {
        const { clusterTargets } = await import('../cluster/targets.js');
        const { populate } = await import('../cluster/populate.js');
        const { mapProvider } = await import('../cluster/targets.js');
        const t = await clusterTargets(targetOptions(ctx));
        const connect = { timeoutMs: ctx.globals.timeout, password: t.password };
        const result = await ctx.out.reporter().step(`Writing ${flags.keys} keys`, () =>
          populate(mapProvider(t, connect), {
            keys: flags.keys,
            prefix: flags.prefix,
            valueSize: flags.valueSize,
            connect,
            abortSignal: ctx.abortSignal,
          }),
        );
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-keys.js')).renderPopulate(ctx.out.c, result));
        if (result.errors > 0) {
          const { CheckFailedError } = await import('../errors.js');
          throw new CheckFailedError(`${result.errors} of ${result.keys} writes failed`, {
            details: result.errorSamples,
          });
        }
      }),
    );
}
