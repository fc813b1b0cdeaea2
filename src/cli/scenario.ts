import { type Command, Option } from 'commander';
import { CheckFailedError, UsageError } from '../errors.js';
import type { Action } from './action.js';
import type { Context } from './context.js';
import { collect, intArg, portArg } from './options.js';

interface RunFlags {
  port?: number;
  nodeTimeout?: number;
  set: string[];
  out?: string;
  format: string;
  deadline?: number;
  keep?: boolean;
}

export const FORMAT_HELP = `
Scenario file (YAML):
  name: rolling-restart            # optional, default: the file name
  cluster:                         # create (throw-away), name (managed) or seed (attach)
    create: { masters: 3, replicas: 1, port: 7000, node-timeout: 2000 }
  workload: { clients: 20, mix: "set=35,get=35,incr=15,add=15", warmup: 1s }
  steps:
    - kill: { master: 0, as: victim }          # also term (SIGTERM), freeze (SIGSTOP); { node: Node[4] } for any node
    - wait-for: promotion                      # names the new master "promoted"
    - restart-node: victim                     # also resume-node
    - wait-for: rejoin                         # also cluster-ok, or a duration: 2s
    - failover: { master: promoted, force: false, takeover: false, as: old }
    - populate: 1000
    - assert: { roles: { victim: replica }, cluster-ok: true, max-lost-writes: 0, max-unavailable-ms: 3000 }

Every step and option is in docs/scenarios.md. A bad file is exit 2 and names
the file, the line, the path (steps[2].kill-master.signal), what was expected and what was found.`;

export function registerScenario(program: Command, action: Action): void {
  const scenario = program
    .command('scenario')
    .description('declarative drills: run or check a YAML scenario file (see scenarios/)')
    .addHelpText('after', FORMAT_HELP);

  scenario
    .command('run')
    .description(
      'run a scenario: its cluster, one load across all steps, the steps in order, a report (md, json, html) and the exit code of its checks',
    )
    .argument('<file>', 'the scenario file (.yaml)')
    .option(
      '--port <port>',
      "first client port of the cluster the scenario creates (overrides the file's cluster.create.port)",
      portArg,
    )
    .option(
      '--node-timeout <ms>',
      'cluster-node-timeout of the cluster the scenario creates (overrides cluster.create.node-timeout)',
      intArg(100),
    )
    .option(
      '--set <path=value>',
      'override any value of the file, e.g. --set workload.clients=5 or --set steps[0].kill-master.master=1 (repeatable)',
      collect,
      [],
    )
    .option('--out <dir>', 'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)')
    .option('--format <list>', 'md, json, html', 'md,json,html')
    .addOption(
      new Option(
        '--deadline <ms>',
        'for every wait-for without its own deadline (default: 3 x node timeout + 10 s)',
      ).argParser(intArg(1)),
    )
    .option('--keep', 'keep the cluster the scenario created (default: destroyed at the end)')
    .addHelpText(
      'after',
      '\nExamples:\n  redis-drill scenario run scenarios/kill-master.yaml\n  redis-drill scenario run scenarios/rolling-restart.yaml --port 7100 --node-timeout 1000 --json > report.json',
    )
    .action(action(async (ctx, f: RunFlags, args: string[]) => runCommand(ctx, args[0]!, f)));

  scenario
    .command('validate')
    .description(
      'check scenario files without running them (YAML, every step and option, node names); exit 2 if one is bad',
    )
    .argument('<file...>', 'one or more scenario files')
    .action(
      action(async (ctx, _f: object, files: string[]) => {
        const { validateFiles } = await import('../scenario/validate.js');
        const result = await validateFiles(files);
        for (const notice of result.files.flatMap((x) => x.notices)) ctx.out.warn(notice);
        ctx.out.json(result);
        const text = (await import('../ui/render-scenario.js')).renderValidation(result);
        if (text) ctx.out.result(text);
        const bad = result.files.filter((x) => !x.valid);
        // One file: the very error `scenario run` gives (loading it again throws it).
        if (bad.length && files.length === 1) await (await import('../scenario/load.js')).loadScenario(files[0]!);
        if (bad.length) {
          const lines = bad.flatMap((x) => x.problems.map((p) => p.text));
          throw new UsageError(
            `${bad.length} of ${result.files.length} scenario files have problems; the first: ${lines[0]}`,
            {
              hint: 'the format is in docs/scenarios.md',
              details: lines.slice(1),
            },
          );
        }
      }),
    );
}

async function runCommand(ctx: Context, file: string, f: RunFlags): Promise<void> {
  const { runScenarioFile } = await import('../scenario/run-file.js');
  const { failedChecks, sessionBase } = await import('./drill-session.js');
  const { report, files, dir, kept, scenario } = await runScenarioFile({
    ...sessionBase(ctx, f),
    file,
    clusterGiven: ctx.given('cluster'),
    port: f.port,
    nodeTimeoutMs: f.nodeTimeout,
    set: f.set,
    keep: Boolean(f.keep),
    redisServer: process.env.REDIS_SERVER,
  });
  if (kept) {
    // A Sentinel deployment is removed by `sentinel destroy`: `cluster destroy` refuses it.
    const [what, group] = report.sentinel ? ['Sentinel deployment', 'sentinel'] : ['cluster', 'cluster'];
    ctx.out.info(`Kept ${what} "${kept}"; remove it with: redis-drill ${group} destroy --cluster ${kept}`);
  }
  ctx.out.json(report);
  ctx.out.result((await import('../ui/render-scenario.js')).renderScenarioSummary(ctx.out.c, report, files));
  if (report.verdict === 'fail') {
    throw new CheckFailedError(`scenario ${scenario.name} failed: ${failedChecks(report)}`, {
      hint: `see ${files[0] ?? dir}`,
    });
  }
}
