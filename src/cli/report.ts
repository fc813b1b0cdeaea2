import { type Command, Option } from 'commander';
import { CheckFailedError } from '../errors.js';
import type { Action } from './action.js';
import { type CreateFlags, addCreateOptions, createFromFlags } from './cluster.js';
import { intArg } from './options.js';

interface ReportFlags extends CreateFlags {
  create?: boolean;
  fault: 'kill' | 'term' | 'stop' | 'failover';
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
}

export function registerReport(program: Command, action: Action): void {
  addCreateOptions(program.command('failover-report').description('the whole drill in one command: load, fault, promotion, rejoin, checks, and a report (md, json, html)'))
    .option('--create', 'build a fresh local cluster first (with the cluster create options below; replaces one of the same name)')
    .addOption(new Option('--fault <fault>', 'kill, term, stop (SIGSTOP + resume) or failover (manual)').choices(['kill', 'term', 'stop', 'failover']).default('kill'))
    .option('--master <which>', 'the master to break (as kill-master: index, id prefix or HOST:PORT)')
    .option('--slot <n>', 'the master that owns this slot', intArg(0, 16383))
    .option('--key <key>', 'the master that owns this key')
    .option('--warmup <time>', 'load before the fault', '5s')
    .option('--settle <time>', 'wait after the promotion before restarting the old master', '5s')
    .option('--clients <n>', 'concurrent request loops', intArg(1, 10_000), 50)
    .option('--mix <ops>', 'operation weights; INCRs are the consistency counters', 'set=40,get=40,incr=20')
    .option('--keyspace <n>', 'random keys', intArg(1), 100_000)
    .option('--max-lost <n>', 'acknowledged writes that may be lost (default: unlimited for kill/term/stop, 0 for failover)', intArg(0))
    .option('--out <dir>', 'where to write the report (default ./reports/<UTC timestamp>-<cluster>/)')
    .option('--format <list>', 'md, json, html', 'md,json,html')
    .addOption(new Option('--deadline <ms>', 'for the promotion and the rejoin (default: 3 x node timeout + 10 s)').argParser(intArg(1)))
    .addHelpText('after', '\nExamples:\n  redis-drill failover-report --create --node-timeout 1000\n  redis-drill failover-report --fault failover --format html --out ./drill')
    .action(
      action(async (ctx, f: ReportFlags) => {
        const { parseDuration, parseMix } = await import('../workload/options.js');
        const { parseFormats, defaultOutDir, writeReport } = await import('../report/write.js');
        const warmupMs = parseDuration(f.warmup, '--warmup');
        const settleMs = parseDuration(f.settle, '--settle');
        const mix = parseMix(f.mix);
        const formats = parseFormats(f.format);
        if (f.create) await createFromFlags(ctx, { ...f, force: true });
        const { openDrill } = await import('../faults/drill-context.js');
        const { runFailoverDrill } = await import('../report/failover-drill.js');
        const g = ctx.globals;
        const drill = await openDrill({ stateDir: g.stateDir, cluster: g.cluster, seed: g.seed, password: g.password, timeoutMs: g.timeout });
        try {
          const report = await runFailoverDrill(drill, {
            fault: f.fault,
            target: { master: f.master, slot: f.slot, key: f.key },
            warmupMs,
            settleMs,
            clients: f.clients,
            mix,
            keyspace: f.keyspace,
            maxLost: f.maxLost ?? (f.fault === 'failover' ? 0 : null),
            deadlineMs: f.deadline,
            version: (await import('../version.js')).VERSION,
            signal: ctx.signal,
            reporter: ctx.out.reporter(),
          });
          const dir = f.out ?? defaultOutDir(drill.name);
          const files = await writeReport(report, dir, formats);
          ctx.out.json(report);
          ctx.out.result((await import('../ui/render-report.js')).renderReportSummary(ctx.out.c, report, files));
          if (report.verdict === 'fail') {
            throw new CheckFailedError(`the drill failed: ${report.checks.filter((k) => !k.passed).map((k) => `${k.name} (${k.detail})`).join('; ')}`, { hint: `see ${files[0] ?? dir}` });
          }
        } finally {
          await drill.hosts.dispose();
        }
      }),
    );
}
