import path from 'node:path';
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
  workload: { clients: 20, mix: "set=40,get=40,incr=20", warmup: 1s }
  steps:
    - kill-master: { master: 0, as: victim }   # also stop-master (SIGTERM), freeze-master (SIGSTOP)
    - wait-for: promotion                      # names the new master "promoted"
    - restart-node: victim                     # also resume-node
    - wait-for: rejoin                         # also cluster-ok, or a duration: 2s
    - failover: { master: promoted, force: false, takeover: false, as: old }
    - populate: 1000
    - assert: { roles: { victim: replica }, cluster-ok: true, max-lost-writes: 0, max-unavailable-ms: 3000 }

Every step and option is in the README ("Scenario files"). A bad file is exit 2 and names
the file, the line, the path (steps[2].kill-master.signal), what was expected and what was found.`;

export function registerScenario(program: Command, action: Action): void {
  const scenario = program.command('scenario').description('declarative drills: run or check a YAML scenario file (see scenarios/)').addHelpText('after', FORMAT_HELP);

  scenario
    .command('run')
    .description('run a scenario: its cluster, one load across all steps, the steps in order, a report (md, json, html) and the exit code of its checks')
    .argument('<file>', 'the scenario file (.yaml)')
    .option('--port <port>', "first client port of the cluster the scenario creates (overrides the file's cluster.create.port)", portArg)
    .option('--node-timeout <ms>', 'cluster-node-timeout of the cluster the scenario creates (overrides cluster.create.node-timeout)', intArg(100))
    .option('--set <path=value>', 'override any value of the file, e.g. --set workload.clients=5 or --set steps[0].kill-master.master=1 (repeatable)', collect, [])
    .option('--out <dir>', 'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)')
    .option('--format <list>', 'md, json, html', 'md,json,html')
    .addOption(new Option('--deadline <ms>', 'for every wait-for without its own deadline (default: 3 x node timeout + 10 s)').argParser(intArg(1)))
    .option('--keep', 'keep the cluster the scenario created (default: destroyed at the end)')
    .addHelpText('after', '\nExamples:\n  redis-drill scenario run scenarios/kill-master.yaml\n  redis-drill scenario run scenarios/rolling-restart.yaml --port 7100 --node-timeout 1000 --json > report.json')
    .action(action(async (ctx, f: RunFlags, args: string[]) => runCommand(ctx, args[0]!, f)));

  scenario
    .command('validate')
    .description('check scenario files without running them (YAML, every step and option, node names); exit 2 if one is bad')
    .argument('<file...>', 'one or more scenario files')
    .action(
      action(async (ctx, _f: object, files: string[]) => {
        const { validateFiles } = await import('../scenario/validate.js');
        const result = await validateFiles(files);
        ctx.out.json(result);
        const text = (await import('../ui/render-scenario.js')).renderValidation(result);
        if (text) ctx.out.result(text);
        const bad = result.files.filter((x) => !x.valid);
        // One file: the very error `scenario run` gives (loading it again throws it).
        if (bad.length && files.length === 1) await (await import('../scenario/load.js')).loadScenario(files[0]!);
        if (bad.length) {
          const lines = bad.flatMap((x) => x.problems.map((p) => p.text));
          throw new UsageError(`${bad.length} of ${result.files.length} scenario files have problems; the first: ${lines[0]}`, {
            hint: 'the format is in the README ("Scenario files")',
            details: lines.slice(1),
          });
        }
      }),
    );
}

async function runCommand(ctx: Context, file: string, f: RunFlags): Promise<void> {
  const { loadScenario, parseSetOption } = await import('../scenario/load.js');
  const { parseFormats, defaultOutDir, writeReport } = await import('../report/write.js');
  const formats = parseFormats(f.format);
  const noCreate = (flag: string): string => `${flag} applies only to a scenario that creates its cluster (cluster: create:)`;
  const overrides = [
    ...(f.port !== undefined ? [{ path: ['cluster', 'create', 'port'], value: f.port, option: '--port', requireParent: noCreate('--port') }] : []),
    ...(f.nodeTimeout !== undefined ? [{ path: ['cluster', 'create', 'node-timeout'], value: f.nodeTimeout, option: '--node-timeout', requireParent: noCreate('--node-timeout') }] : []),
    ...f.set.map(parseSetOption),
  ];
  const s = await loadScenario(file, overrides);
  const { chooseCluster } = await import('../scenario/cluster.js');
  const g = ctx.globals;
  const choice = chooseCluster(s, { cluster: g.cluster, clusterGiven: ctx.given('cluster'), seed: g.seed }, file);
  let created: string | null = null;
  if (choice.kind === 'create') {
    const { createCluster } = await import('../cluster/create.js');
    const { parseConfigEntry } = await import('../nodes/config.js');
    const { CREATE_DEFAULTS, passwordFor } = await import('./cluster.js');
    const c = choice.create;
    const port = c.port ?? CREATE_DEFAULTS.port;
    const hosts = c.inventory ? await (await import('../cluster/inventory.js')).loadInventory(path.resolve(path.dirname(file), c.inventory), { port }) : undefined;
    await createCluster({
      cluster: choice.name,
      stateDir: g.stateDir,
      masters: c.masters ?? CREATE_DEFAULTS.masters,
      replicas: c.replicas ?? CREATE_DEFAULTS.replicas,
      port,
      bind: c.bind ?? CREATE_DEFAULTS.bind,
      nodeTimeoutMs: c['node-timeout'] ?? CREATE_DEFAULTS.nodeTimeoutMs,
      redisServer: c['redis-server'] ?? process.env.REDIS_SERVER,
      config: Object.entries(c.config ?? {}).map(([k, v]) => parseConfigEntry(`${k}=${v}`)),
      force: false,
      password: passwordFor(c.password, hosts !== undefined, (m) => ctx.out.warn(m)),
      hosts,
      signal: ctx.signal,
      reporter: ctx.out.reporter(),
    });
    created = choice.name;
  }
  try {
    const { openDrill } = await import('../faults/drill-context.js');
    const drill = await openDrill({ stateDir: g.stateDir, cluster: choice.kind === 'attach' ? g.cluster : choice.name, seed: choice.kind === 'attach' ? choice.seed : undefined, password: g.password, timeoutMs: g.timeout });
    try {
      const { runScenario } = await import('../scenario/run.js');
      const report = await runScenario(drill, s, { file, deadlineMs: f.deadline, version: (await import('../version.js')).VERSION, signal: ctx.signal, reporter: ctx.out.reporter() });
      const dir = f.out ?? defaultOutDir(drill.name);
      const files = await writeReport(report, dir, formats);
      ctx.out.json(report);
      ctx.out.result((await import('../ui/render-scenario.js')).renderScenarioSummary(ctx.out.c, report, files));
      if (report.verdict === 'fail') {
        const failed = report.checks.filter((k) => !k.passed);
        throw new CheckFailedError(`scenario ${s.name} failed: ${failed.map((k) => `${k.name} (${k.detail})`).join('; ')}`, { hint: `see ${files[0] ?? dir}` });
      }
    } finally {
      await drill.hosts.dispose();
    }
  } finally {
    if (created && f.keep) ctx.out.info(`Kept cluster "${created}"; remove it with: redis-drill cluster destroy --cluster ${created}`);
    else if (created) {
      const { destroyCluster } = await import('../cluster/lifecycle.js');
      await ctx.out.reporter().step(`Destroying the scenario's cluster "${created}"`, () => destroyCluster({ stateDir: g.stateDir, cluster: created! }));
    }
  }
}
