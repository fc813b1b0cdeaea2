import { type Command, Option } from 'commander';
import { DRILL_FAULTS, type DrillFault, RESHARD_FAULTS } from '../drill/failover-report.js';
import { CheckFailedError, UsageError } from '../errors.js';
import type { Action } from './action.js';
import { type CreateFlags, addCreateOptions, createRequest } from './cluster.js';
import { type SentinelFlags, addSentinelCreateOptions, sentinelRequest } from './sentinel-options.js';
import type { LoadKindInput } from '../workload/load-defaults.js';
import { choiceArg, collect, intArg, loadKindOptions } from './options.js';

interface ReportFlags extends CreateFlags, LoadKindInput {
  clientCmd: string[];
  maxDoubleGrants?: number;
  maxLostMessages?: number;
  create?: boolean;
  fault: DrillFault;
  master?: string;
  slot?: number;
  key?: string;
  warmup: string;
  settle: string;
  clients: number;
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
      kind === 'sentinel'
        ? new Option(
            '--fault <fault>',
            'kill (SIGKILL), term (SIGTERM), freeze (SIGSTOP, then resumed), failover (manual) or partition (iptables; needs root)',
          )
            .argParser(
              choiceArg(
                DRILL_FAULTS.filter((x) => !RESHARD_FAULTS.includes(x)),
                { stop: 'freeze' },
              ),
            )
            .default('kill')
        : new Option(
            '--fault <fault>',
            'kill (SIGKILL), term (SIGTERM), freeze (SIGSTOP, then resumed), failover (manual), partition (iptables; needs root), or reshard-kill-source / reshard-kill-target (SIGKILL to a master 30% into a reshard; then fix)',
          )
            .argParser(choiceArg(DRILL_FAULTS, { stop: 'freeze' }))
            .default('kill'),
    )
    .addOption(
      new Option('--partition-mode <mode>', '--fault partition: isolate (both ways), one-way or flaky')
        .choices(['isolate', 'one-way', 'flaky'])
        .default('isolate'),
    )
    .addOption(
      new Option('--partition-direction <dir>', "one-way: out = its packets dropped, in = the others' to it")
        .choices(['in', 'out'])
        .default('out'),
    )
    .option('--partition-loss <percent>', 'flaky: the share of packets dropped', '30%')
    .option(
      '--partition-duration <time>',
      '--fault partition: how long the partition lasts before it is healed (default: 3 x node timeout)',
    )
    .option('--master <which>', 'the master to break (as kill-master: index, id prefix or HOST:PORT)')
    .option('--slot <n>', 'the master that owns this slot', intArg(0, 16383))
    .option('--key <key>', 'the master that owns this key')
    .option('--warmup <time>', 'load before the fault', '5s')
    .option('--settle <time>', 'wait after the promotion before restarting the old master', '5s')
    .option('--clients <n>', 'concurrent request loops', intArg(1, 10_000), 50)
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
    .option('--out <dir>', 'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)')
    .option('--format <list>', 'md, json, html', 'md,json,html')
    .addOption(
      new Option('--deadline <ms>', 'for the promotion and the rejoin (default: 3 x node timeout + 10 s)').argParser(
        intArg(1),
      ),
    )
    .addHelpText(
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
      const partition = {
        mode: f.partitionMode,
        direction: f.partitionDirection,
        loss: parseLoss(f.partitionLoss),
        durationMs:
          f.partitionDuration !== undefined ? parseDuration(f.partitionDuration, '--partition-duration') : undefined,
      };
      // What the drill runs on: what --create makes, or the named deployment's kind.
      const target = f.create
        ? kind
        : ctx.globals.seed
          ? 'cluster'
          : await (await import('../cluster/state.js')).deploymentKind(ctx.globals.stateDir, ctx.globals.cluster);
      if (target === 'sentinel' && RESHARD_FAULTS.includes(f.fault))
        throw new UsageError(
          `--fault ${f.fault} needs Redis Cluster: "${ctx.globals.cluster}" is a Sentinel deployment, whose one master has no slots to move`,
        );
      const spec = failoverReportSpec({
        partition,
        fault: f.fault,
        target: { master: f.master, slot: f.slot, key: f.key },
        warmupMs: parseDuration(f.warmup, '--warmup'),
        settleMs: parseDuration(f.settle, '--settle'),
        clients: f.clients,
        mix: f.mix,
        keyspace: f.keyspace,
        // A cluster's manual failover waits for the replica to catch up: nothing may be lost. SENTINEL FAILOVER
        // does not: the old master takes writes until Sentinel converts it, so its losses are reported, not judged.
        maxLost: f.maxLost ?? (f.fault === 'failover' && target === 'cluster' ? 0 : null),
        deadlineMs: f.deadline,
        kinds,
        maxDoubleGrants: f.maxDoubleGrants ?? null,
        maxLostMessages: f.maxLostMessages ?? null,
        programs: f.clientCmd.map((cmd) => ({ cmd, cwd: process.cwd() })),
      });
      const { failedChecks, sessionBase } = await import('./drill-session.js');
      const { report, files, dir } = await runDrillSession({
        ...sessionBase(ctx, f),
        create: f.create
          ? kind === 'sentinel'
            ? sentinelRequest(ctx, { ...(f as unknown as SentinelFlags), force: true })
            : createRequest(ctx, { ...f, force: true })
          : undefined,
        createKind: kind,
        expect: kind === 'sentinel' ? 'sentinel' : undefined,
        destroyCreated: false,
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
