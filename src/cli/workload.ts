import type { Command } from 'commander';
import type { Action } from './action.js';
import { targetOptions } from './context.js';
import type { LoadKindInput } from '../workload/load-defaults.js';
import { RATE_HELP, rateArg, intArg, loadKindOptions } from './options.js';

export function registerWorkload(program: Command, action: Action): void {
  const cmd = program
    .command('workload')
    .description(
      'a client load on the cluster (ioredis Cluster) that keeps going through failovers and counts what failed',
    )
    .option('--duration <time>', 'how long: 30s, 2m, 500ms', '30s')
    .option('--clients <n>', 'concurrent request loops', intArg(1, 10_000), 50)
    .option('--mix <ops>', 'operation weights: set, get, del, incr, add (SADD)', 'set=45,get=45,del=5,incr=5')
    .option('--keyspace <n>', 'random keys drill:key:0..n-1, spread over all slots', intArg(1), 100_000)
    .option('--value-size <bytes>', 'size of SET values', intArg(0, 1 << 20), 16)
    .option('--rate <ops>', RATE_HELP, rateArg)
    .option(
      '--check',
      "consistency mode: the mix's INCRs go to counters and its adds to a write log; lost and unacknowledged writes are counted (and listed) at the end",
    )
    .option('--auto-pipelining', 'ioredis enableAutoPipelining (batches commands issued in the same tick)')
    .option(
      '--threads <n>',
      'threads for the key-value load, each with its own client and a share of --clients (default: one per core but one)',
      intArg(1, 64),
    );
  loadKindOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill workload --duration 30s --clients 50 --mix set=50,get=50\n  redis-drill workload --duration 1m --rate 5000 --check\n  redis-drill workload --duration 20s --load kv,lock,pubsub --pubsub-mode sharded',
    )
    .action(
      action(
        async (
          ctx,
          f: {
            duration: string;
            clients: number;
            mix: string;
            keyspace: number;
            valueSize: number;
            rate?: number;
            check?: boolean;
            autoPipelining?: boolean;
            threads?: number;
          } & LoadKindInput,
        ) => {
          const { parseDuration, parseMix } = await import('../workload/options.js');
          const { loadKinds, kvMixFor } = await import('../workload/loads.js');
          const { kvLoad } = await import('../workload/kv-load.js');
          const { defaultLoadThreads } = await import('../workload/threaded-load.js');
          const { SideLoads } = await import('../workload/side-loads.js');
          const { systemClock } = await import('../util/clock.js');
          const { clusterTargets } = await import('../cluster/targets.js');
          const render = await import('../ui/render-workload.js');
          const durationMs = parseDuration(f.duration);
          const kinds = loadKinds(f);
          const kvMix = kvMixFor(kinds.kinds, f.mix);
          const mix = parseMix(kvMix ?? f.mix);
          // The set kind is the write log: it needs consistency mode.
          const check = Boolean(f.check) || kinds.kinds.includes('set');
          if (check && kvMix !== null && !mix.some((m) => m.op === 'incr' || m.op === 'add')) {
            const { UsageError } = await import('../errors.js');
            throw new UsageError('--check counts INCRs and adds, but --mix has neither', {
              hint: "add incr (counters) or add (the write log) to the mix, e.g. --mix set=35,get=35,incr=15,add=15 (or incr=100 for antirez's test)",
            });
          }
          const t = await clusterTargets(targetOptions(ctx));
          const target = {
            seeds: t.targets,
            sentinel: t.masterName ? { sentinels: t.sentinels, masterName: t.masterName } : undefined,
            password: t.password,
          };
          const workload = kvLoad(
            {
              ...target,
              // No kv or set kind: no key-value clients, the other kinds run for --duration.
              clients: kvMix === null ? 0 : f.clients,
              durationMs,
              mix,
              keyspace: f.keyspace,
              valueSize: f.valueSize,
              rateOps: kvMix === null ? undefined : f.rate,
              check,
              abortSignal: ctx.abortSignal,
              clientOptions: f.autoPipelining ? { enableAutoPipelining: true } : {},
              onSecond: (s) => ctx.out.info(render.renderSecond(s)),
            },
            f.threads ?? defaultLoadThreads(),
          );
          const side = new SideLoads(kinds.kinds, target, kinds);
          const { done: running } = await workload.begin();
          try {
            await side.start(systemClock.now());
          } catch (e) {
            workload.stop({ verifyTimeoutMs: 0 });
            await Promise.allSettled([running, side.stop()]);
            throw e;
          }
          const kv = await running;
          const result = { ...kv, load: kinds.kinds, ...(await side.stop()) };
          ctx.out.verbose(`client options: ${JSON.stringify(result.clientOptions)}`);
          ctx.out.json(result);
          ctx.out.result(render.renderWorkload(ctx.out.c, result));
        },
      ),
    );
}
