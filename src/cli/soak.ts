import type { Command } from 'commander';
import { CheckFailedError, DeploymentNotFoundError, InterruptedError, UsageError } from '../errors.js';
import type { Action } from './action.js';
import { type CreateFlags, addCreateOptions, createRequest } from './cluster.js';
import { anyIntArg, intArg } from './options.js';

interface SoakFlags extends CreateFlags {
  create?: boolean;
  loops?: number;
  duration?: string;
  faults: string;
  targets: string;
  interval: string;
  plan?: boolean;
  clients: number;
  warmup: string;
  out?: string;
  format: string;
  deadline?: number;
  destroyOnFailure?: boolean;
  skipUnavailable?: boolean;
  keepGoing?: boolean;
  force?: boolean;
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
      'kill, term, freeze, failover, partition and flaky (need root), reshard-kill; weights as kill=3,failover=1',
      'kill,failover',
    )
    .option(
      '--targets <target>',
      'any-master (a random master each loop), random-node (any node, replicas too) or Master[N]',
      'any-master',
    )
    .option('--interval <time>', 'pause after each loop (jittered by up to ±20%)', '2s')
    .option('--seed <n>', 'the seed of every random choice: fault, target, pause (default: a random one, printed)')
    .option('--plan', 'print the schedule and stop: nothing is created or broken')
    .option('--clients <n>', 'load connections', intArg(1), 20)
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
      '\nExamples:\n  redis-drill soak --create --node-timeout 1000 --loops 20 --faults kill=3,failover=1 --seed 7\n  redis-drill soak --loops 3 --faults kill,failover --seed 7 --plan\n  sudo redis-drill soak --create --node-timeout 1000 --loops 10 --faults kill,freeze,failover,partition',
    );
  cmd.action(
    action(async (ctx, f: SoakFlags) => {
      const { parseDuration } = await import('../workload/options.js');
      const { availableFaults, buildSchedule, parseFaults, parseTarget, randomSeed } =
        await import('../soak/schedule.js');
      const { planText, soakSpec } = await import('../soak/spec.js');
      const g = ctx.globals;
      if (g.seed)
        throw new UsageError('soak breaks and restarts processes: not on a cluster attached with --seed', {
          hint: 'run it on a cluster redis-drill created (--cluster NAME, or --create)',
        });
      if (f.loops !== undefined && f.duration !== undefined)
        throw new UsageError('--loops and --duration exclude each other', { hint: 'give one of them' });
      if (f.loops !== undefined && f.loops < 1)
        throw new UsageError(`--loops must be at least 1 (got ${f.loops})`, { hint: 'e.g. --loops 20' });
      const { mayChangeFirewall } = await import('../faults/iptables.js');
      const usable = availableFaults(parseFaults(f.faults), {
        mayChangeFirewall: await mayChangeFirewall(),
        skipUnavailable: Boolean(f.skipUnavailable),
      });
      if (usable.dropped.length)
        ctx.out.reporter().warn(`--skip-unavailable: ${usable.dropped.join(', ')} left out of the mix (it needs root)`);
      const faults = usable.faults;
      const target = parseTarget(f.targets);
      const intervalMs = parseDuration(f.interval, '--interval');
      // The global --seed, given a number, seeds the schedule here (HOST:PORT attaches elsewhere; soak refuses it).
      const seed = g.soakSeed ?? randomSeed();
      // How many masters: what --create makes, or what the deployment was made with.
      // --plan needs no deployment: without one, the schedule is for --masters of them.
      const { readState } = await import('../cluster/state.js');
      const state = f.create
        ? null
        : await readState(g.stateDir, g.cluster).catch((e: unknown) =>
            f.plan && e instanceof DeploymentNotFoundError ? null : Promise.reject(e as Error),
          );
      const kind = state?.kind ?? 'cluster';
      const masters = state ? (kind === 'sentinel' ? 1 : state.masters) : f.masters;
      if (kind === 'sentinel' && faults.some((x) => x.fault === 'reshard-kill'))
        throw new UsageError('--faults reshard-kill needs Redis Cluster: a Sentinel deployment has no slots to move', {
          hint: 'drop reshard-kill from --faults',
        });
      // Every loop waits for a replica to take over: without one, loop 1 could only fail (and leave slots unserved).
      if (!f.force && (state ? state.replicas : f.replicas) === 0)
        throw new UsageError(
          `soak needs replicas: ${state ? `"${g.cluster}" has none` : '--replicas 0 gives none'}, so no loop's promotion could happen`,
          {
            hint: 'create the cluster with --replicas 1 or more, or pass --force to break masters anyway (every loop fails)',
          },
        );
      const nodeTimeoutMs = state?.nodeTimeoutMs ?? f.nodeTimeout;
      // --duration: loops planned from what a loop takes at least (3 node timeouts to detect, elect and rejoin, plus the pause).
      const loops =
        f.loops ??
        (f.duration !== undefined
          ? Math.max(1, Math.floor(parseDuration(f.duration, '--duration') / (3 * nodeTimeoutMs + intervalMs)))
          : 20);
      const nodes = state ? state.nodes.length : f.masters * (1 + f.replicas);
      const schedule = buildSchedule({ seed, loops, faults, target, masters, nodes, intervalMs });
      const reproduce = `redis-drill soak --loops ${loops} --faults ${f.faults} --targets ${f.targets} --seed ${seed} --interval ${f.interval}${f.skipUnavailable ? ' --skip-unavailable' : ''}${f.keepGoing ? ' --keep-going' : ''}${f.force ? ' --force' : ''}`;
      if (f.plan) {
        ctx.out.json({ seed, loops, faults: f.faults, target: f.targets, intervalMs, schedule });
        ctx.out.result(planText(seed, schedule));
        return;
      }
      ctx.out
        .reporter()
        .warn(`soak seed ${seed}: the same seed and options give the same schedule (${reproduce} --plan)`);
      const { runDrillSession } = await import('../drill/session.js');
      const { LOAD_DEFAULTS } = await import('../drill/spec.js');
      const { LOAD_KIND_DEFAULTS } = await import('../workload/load-defaults.js');
      const { loadKinds } = await import('../workload/loads.js');
      const spec = soakSpec({
        schedule,
        load: {
          ...LOAD_DEFAULTS,
          clients: f.clients,
          warmupMs: parseDuration(f.warmup, '--warmup'),
          rate: undefined,
          ...loadKinds(LOAD_KIND_DEFAULTS),
        },
        plan: {
          seed,
          faults: f.faults,
          target: f.targets,
          intervalMs,
          reproduce,
          judgeFailoverLoss: kind === 'cluster',
          keepGoing: Boolean(f.keepGoing),
          force: Boolean(f.force),
        },
        deadlineMs: f.deadline,
      });
      const { failedChecks, sessionBase } = await import('./drill-session.js');
      const { report, files, dir } = await runDrillSession({
        ...sessionBase(ctx, f),
        create: f.create ? createRequest(ctx, { ...f, force: true }) : undefined,
        createKind: 'cluster',
        destroyCreated: false,
        spec,
      });
      ctx.out.json(report);
      ctx.out.result((await import('../ui/render-soak.js')).renderSoak(report, files));
      // Ctrl-C: what the loops broke was restored (restart, resume, heal) and their report written; exit 130.
      if (report.checks.some((k) => k.name === 'interrupted')) throw new InterruptedError();
      if (report.verdict === 'fail') {
        const failed = report.soak?.firstFailedLoop;
        if (f.create && f.destroyOnFailure)
          await (
            await import('../cluster/lifecycle.js')
          ).destroyDeployment({ stateDir: g.stateDir, cluster: g.cluster });
        throw new CheckFailedError(`the soak failed${failed ? ` at loop ${failed}` : ''}: ${failedChecks(report)}`, {
          hint: `repeat it with: ${reproduce}${f.create && !f.destroyOnFailure ? `; the cluster "${g.cluster}" is kept for a look (redis-drill cluster status)` : ''}; see ${files[0] ?? dir}`,
        });
      }
    }),
  );
}
