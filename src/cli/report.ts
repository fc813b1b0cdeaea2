import { type Command, Option } from 'commander';
import { CheckFailedError } from '../errors.js';
import { FAULTS, faultsFor, faultsHelp } from '../faults/catalog.js';
import type { Action } from './action.js';
import { addReportOutputOptions, createFirst, drillTarget } from './drill-options.js';
import { type CreateFlags, addCreateOptions } from './cluster.js';
import { addSentinelCreateOptions } from './sentinel-options.js';
import type { LoadKindInput } from '../workload/load-defaults.js';
import { RATE_HELP, rateArg, choiceArg, collect, intArg, loadKindOptions } from './options.js';

interface ReportFlags extends CreateFlags, LoadKindInput {
  clientCmd: string[];
  witness?: boolean;
  maxDoubleGrants?: number;
  maxLostMessages?: number;
  create?: boolean;
  fault: string;
  master?: string;
  slot?: number;
  key?: string;
  warmup: string;
  settle: string;
  clients: number;
  rate?: number;
  mix: string;
  keyspace: number;
  maxLost?: number;
  out?: string;
  format: string;
  deadline?: number;
  partitionMode: 'isolate' | 'one-way' | 'flaky';
  partitionDirection: 'in' | 'out';
  partitionLoss: string;
  partitionDuration?: string;
}

/** The faults --fault offers on this kind of deployment, and the older spellings of each (hidden from the help). */
const faultNames = (kind: 'cluster' | 'sentinel'): string[] => faultsFor(kind).map((f) => f.name);
const faultAliases = (): Record<string, string> =>
  Object.fromEntries(FAULTS.flatMap((f) => f.aliases.map((a) => [a, f.name])));

/**
 * `failover-report` (a cluster, or any deployment by --cluster) and
 * `sentinel failover-report` (whose --create makes a Sentinel deployment):
 * the same built-in drill.
 */
export function registerReport(group: Command, action: Action, kind: 'cluster' | 'sentinel'): void {
  const cmd = group
    .command('failover-report')
    .description(
      `the whole drill in one command: load, fault, promotion, rejoin, checks, and a report (md, json, html)${kind === 'sentinel' ? ' on a Sentinel deployment' : ''}`,
    );
  (kind === 'sentinel' ? addSentinelCreateOptions(cmd) : addCreateOptions(cmd))
    .option(
      '--create',
      `build a fresh ${kind === 'sentinel' ? 'Sentinel deployment' : 'cluster'} first (with the create options below; replaces one of the same name)`,
    )
    .addOption(
      new Option('--fault <fault>', `the fault, from the catalogue (docs/faults.md): ${faultsHelp(kind)}`)
        .argParser(choiceArg(faultNames(kind), faultAliases(), action.deprecated))
        .default('kill'),
    )
    .addOption(
      new Option('--partition-mode <mode>', '--fault partition: isolate (both ways) or one-way')
        // flaky was a partition mode here: it is its own fault now (--fault flaky); still read, with a notice.
        .argParser(choiceArg(['isolate', 'one-way', 'flaky'] as const))
        .default('isolate'),
    )
    .addOption(
      new Option('--partition-direction <dir>', "one-way: out = its packets dropped, in = the others' to it")
        .choices(['in', 'out'])
        .default('out'),
    )
    .option('--partition-loss <percent>', '--fault flaky: the share of packets dropped', '30%')
    .option(
      '--partition-duration <time>',
      '--fault partition or flaky: how long it lasts before it is healed (default: 3 x node timeout)',
    )
    .option('--master <which>', 'the master to break (as kill-master: index, id prefix or HOST:PORT)')
    .option('--slot <n>', 'the master that owns this slot', intArg(0, 16383))
    .option('--key <key>', 'the master that owns this key')
    .option('--warmup <time>', 'load before the fault', '5s')
    .option('--settle <time>', 'wait after the promotion before restarting the old master', '5s')
    .option('--clients <n>', 'concurrent request loops', intArg(1, 10_000), 50)
    .option('--rate <ops>', RATE_HELP, rateArg)
    .option(
      '--mix <ops>',
      'operation weights; INCRs are the consistency counters, adds the write log of lost writes',
      'set=35,get=35,incr=15,add=15',
    )
    .option('--keyspace <n>', 'random keys', intArg(1), 100_000)
    .option(
      '--max-lost <n>',
      `acknowledged writes that may be lost (default: not judged${kind === 'cluster' ? ', but 0 for a manual failover' : ''})`,
      intArg(0),
    )
    .option('--max-double-grants <n>', 'lock load: double grants allowed (default: reported, not judged)', intArg(0))
    .option(
      '--max-lost-messages <n>',
      'pubsub load: acknowledged messages that may be lost (default: reported, not judged)',
      intArg(0),
    )
    .option(
      '--client-cmd <cmd>',
      'your own client program, run (sh -c) beside the load with REDIS_DRILL_NODES etc. in its environment; judged by whether it survived (repeatable)',
      collect,
      [],
    )
    .option(
      '--witness',
      "beside the probe, an independent process per master (raw RESP, no cluster client) measures each master's unavailability too; both figures are printed side by side",
    );
  addReportOutputOptions(
    cmd,
    'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)',
    'for the promotion and the rejoin (default: 3 x node timeout + 10 s)',
  ).addHelpText(
    'after',
    '\nExamples:\n  redis-drill failover-report --create --node-timeout 1000\n  redis-drill failover-report --fault failover --format html --out ./drill\n  redis-drill failover-report --create --node-timeout 1000 --load kv,lock,pubsub\n  redis-drill failover-report --create --node-timeout 1000 --client-cmd "node my-client.mjs"\n  sudo redis-drill failover-report --create --node-timeout 1000 --fault partition --partition-duration 4s' +
      (kind === 'cluster'
        ? '\n  redis-drill failover-report --create --node-timeout 1000 --fault reshard-kill-source'
        : ''),
  );
  loadKindOptions(cmd).action(
    action(async (ctx, f: ReportFlags) => {
      const { parseDuration, parseMix } = await import('../workload/options.js');
      const { failoverReportSpec } = await import('../drill/failover-report.js');
      const { runDrillSession } = await import('../drill/session.js');
      const { loadKinds } = await import('../workload/loads.js');
      parseMix(f.mix);
      const kinds = loadKinds(f);
      const { parseLoss } = await import('../faults/partition-plan.js');
      let fault = f.fault;
      if (f.partitionMode === 'flaky' && fault === 'partition') {
        ctx.out.warn(
          '--fault partition --partition-mode flaky is an older spelling of --fault flaky: it still works, but write --fault flaky',
        );
        fault = 'flaky';
      }
      const target = await drillTarget(ctx, f.create, kind);
      const spec = failoverReportSpec({
        fault,
        kind: target,
        target: { master: f.master, slot: f.slot, key: f.key },
        warmupMs: parseDuration(f.warmup, '--warmup'),
        settleMs: parseDuration(f.settle, '--settle'),
        clients: f.clients,
        rate: f.rate,
        mix: f.mix,
        keyspace: f.keyspace,
        maxLost: f.maxLost,
        deadlineMs: f.deadline,
        kinds,
        maxDoubleGrants: f.maxDoubleGrants ?? null,
        maxLostMessages: f.maxLostMessages ?? null,
        programs: f.clientCmd.map((cmd) => ({ cmd, cwd: process.cwd() })),
        network: {
          direction: f.partitionMode === 'one-way' ? f.partitionDirection : undefined,
          loss: parseLoss(f.partitionLoss),
          durationMs:
            f.partitionDuration !== undefined ? parseDuration(f.partitionDuration, '--partition-duration') : undefined,
        },
      });
      const { failedChecks, sessionBase } = await import('./drill-session.js');
      const { report, files, dir } = await runDrillSession({
        ...sessionBase(ctx, f),
        create: createFirst(ctx, f, kind),
        expect: kind === 'sentinel' ? 'sentinel' : undefined,
        witness: Boolean(f.witness),
        spec,
      });
      ctx.out.json(report);
      ctx.out.result((await import('../ui/render-report.js')).renderReportSummary(ctx.out.c, report, files));
      if (report.verdict === 'fail') {
        throw new CheckFailedError(`the drill failed: ${failedChecks(report)}`, { hint: `see ${files[0] ?? dir}` });
      }
    }),
  );
}
