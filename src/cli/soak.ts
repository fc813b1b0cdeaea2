import { type Command, Option } from 'commander';
import { faultsHelp } from '../faults/catalog.js';
import { CheckFailedError, InterruptedError, UsageError } from '../errors.js';
import type { Action } from './action.js';
import { type CreateFlags, addCreateOptions, createRequest } from './cluster.js';
import { RATE_HELP, rateArg, anyIntArg, intArg } from './options.js';

interface SoakFlags extends CreateFlags {
  create?: boolean;
  loops?: number;
  duration?: string;
  faults: string;
  targets: string;
  interval: string;
  plan?: boolean;
  clients: number;
  rate?: number;
  warmup: string;
  out?: string;
  format: string;
  deadline?: number;
  destroyOnFailure?: boolean;
  skipUnavailable?: boolean;
  keepGoing?: boolean;
  force?: boolean;
  randomSeed?: number;
}

/**
 * `soak`: many faults in a row from one seeded schedule, each restored and
 * waited out, one load across all of them; stops at the first loop that
 * fails, keeps the deployment for a look, and prints how to run it again.
 */
export function registerSoak(program: Command, action: Action): void {
  const cmd = program
    .command('soak')
    .description(
      'many faults in a row from a seeded schedule (fault, promotion, restore, rejoin, cluster ok), one load across all; per-loop rows and distributions in the report',
    );
  addCreateOptions(cmd)
    .option(
      '--create',
      'build a fresh cluster first (with the create options below; replaces one of the same name; kept afterwards)',
    )
    .option('--loops <n>', 'how many loops (default 20)', anyIntArg)
    .option('--duration <time>', 'instead of --loops: as many loops as fit, planned from the fault mix (e.g. 10m)')
    .option(
      '--faults <list>',
      `faults of the catalogue, with weights as kill=3,failover=1: ${faultsHelp()}`,
      'kill,failover',
    )
    .option(
      '--targets <target>',
      'any-master (a random master each loop), random-node (any node, replicas too) or Master[N]',
      'any-master',
    )
    .option('--interval <time>', 'pause after each loop (jittered by up to ±20%)', '2s')
    .option(
      '--random-seed <n>',
      'the seed of every random choice: fault, target, pause (default: a random one, printed)',
      intArg(0),
    )
    // The older spelling (the global --seed is HOST:PORT everywhere else): still read, with a one-line notice.
    .addOption(new Option('--seed <n>').hideHelp().argParser(intArg(0)))
    .option('--plan', 'print the schedule and stop: nothing is created or broken')
    .option('--clients <n>', 'load connections', intArg(1), 20)
    .option('--rate <ops>', RATE_HELP, rateArg)
    .option('--warmup <time>', 'load before the first loop', '1s')
    .option('--out <dir>', 'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)')
    .option('--format <list>', 'report formats: md, json, html', 'md,json,html')
    .option(
      '--deadline <ms>',
      'for each promotion, rejoin and cluster_state:ok (default: 3 x node timeout + 10 s)',
      intArg(1),
    )
    .option(
      '--skip-unavailable',
      'leave faults this machine cannot send (partition without root) out of the mix instead of refusing',
    )
    .option(
      '--keep-going',
      'after a failed loop, restore what it broke and go on once the deployment is healthy (every failed loop is in the report; exit 1 at the end)',
    )
    .option(
      '--force',
      'also break masters that have no replica (their loops fail: nothing can take over); without it such a soak is refused before it starts',
    )
    .option(
      '--destroy-on-failure',
      'with --create: destroy the cluster when a loop fails (default: keep it for a look)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill soak --create --node-timeout 1000 --loops 20 --faults kill=3,failover=1 --random-seed 7\n  redis-drill soak --loops 3 --faults kill,failover --random-seed 7 --plan\n  sudo redis-drill soak --create --node-timeout 1000 --loops 10 --faults kill,freeze,failover,partition',
    );
  cmd.action(
    action(async (ctx, f: SoakFlags) => {
      const g = ctx.globals;
      if (g.seed)
        throw new UsageError('soak breaks and restarts processes: not on a cluster attached with --seed', {
          hint: 'run it on a cluster redis-drill created (--cluster NAME, or --create)',
        });
      if (g.soakSeed !== undefined)
        ctx.out.warn(
          `soak --seed ${g.soakSeed} is an older spelling of --random-seed ${g.soakSeed}: it still works, but write --random-seed`,
        );
      const { planSoak } = await import('../soak/plan.js');
      const { mayChangeFirewall } = await import('../faults/iptables.js');
      const s = await planSoak({
        stateDir: g.stateDir,
        cluster: g.cluster,
        create: Boolean(f.create),
        createShape: { masters: f.masters, replicas: f.replicas, nodeTimeoutMs: f.nodeTimeout },
        planOnly: Boolean(f.plan),
        loops: f.loops,
        duration: f.duration,
        faults: f.faults,
        targets: f.targets,
        interval: f.interval,
        randomSeed: f.randomSeed ?? g.soakSeed,
        skipUnavailable: Boolean(f.skipUnavailable),
        keepGoing: Boolean(f.keepGoing),
        force: Boolean(f.force),
        mayChangeFirewall: await mayChangeFirewall(),
      });
      const out = ctx.out.reporter();
      for (const d of s.deprecated) out.warn(`--faults: ${d} (an older spelling; it still works)`);
      if (s.dropped.length) out.warn(`--skip-unavailable: ${s.dropped.join(', ')} left out of the mix (it needs root)`);
      if (f.plan) {
        const { seed, loops, intervalMs, schedule } = s;
        ctx.out.json({ seed, loops, faults: f.faults, target: f.targets, intervalMs, schedule });
        ctx.out.result((await import('../soak/spec.js')).planText(seed, schedule));
        return;
      }
      out.warn(`soak seed ${s.seed}: the same seed and options give the same schedule (${s.reproduce} --plan)`);
      const { runSoak } = await import('../soak/run.js');
      const { failedChecks, sessionBase } = await import('./drill-session.js');
      const { report, files, dir } = await runSoak(s, {
        session: {
          ...sessionBase(ctx, f),
          create: f.create
            ? { request: createRequest(ctx, { ...f, force: true }), kind: 'cluster', throwAway: false }
            : undefined,
        },
        clients: f.clients,
        rate: f.rate,
        warmupMs: (await import('../workload/options.js')).parseDuration(f.warmup, '--warmup'),
        faults: f.faults,
        targets: f.targets,
        keepGoing: Boolean(f.keepGoing),
        force: Boolean(f.force),
        destroyOnFailure: Boolean(f.create && f.destroyOnFailure),
      });
      ctx.out.json(report);
      ctx.out.result((await import('../ui/render-soak.js')).renderSoak(report, files));
      // Ctrl-C: what the loops broke was restored (restart, resume, heal) and their report written; exit 130.
      if (report.checks.some((k) => k.name === 'interrupted')) throw new InterruptedError();
      if (report.verdict === 'fail') {
        const failed = report.soak?.firstFailedLoop;
        const kept = f.create && !f.destroyOnFailure;
        throw new CheckFailedError(`the soak failed${failed ? ` at loop ${failed}` : ''}: ${failedChecks(report)}`, {
          hint: `repeat it with: ${s.reproduce}${kept ? `; the cluster "${g.cluster}" is kept for a look (redis-drill cluster status)` : ''}; see ${files[0] ?? dir}`,
        });
      }
    }),
  );
}
