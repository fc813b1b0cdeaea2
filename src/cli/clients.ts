import type { Command } from 'commander';
import { CheckFailedError } from '../errors.js';
import type { Action } from './action.js';
import { addReportOutputOptions, createFirst, drillTarget } from './drill-options.js';
import { type CreateFlags, addCreateOptions } from './cluster.js';
import { addSentinelCreateOptions } from './sentinel-options.js';
import { collect, intArg } from './options.js';

interface ClientsFlags extends CreateFlags {
  list?: boolean;
  libraries?: string;
  client: string[];
  faults: string;
  create?: boolean;
  warmup: string;
  settle: string;
  hold: string;
  interval: string;
  loadClients: number;
  requireSurvival?: boolean;
  out?: string;
  format: string;
  deadline?: number;
}

const DEFAULT_FAULTS = 'kill,freeze,failover,blackhole';

/**
 * `clients` (a cluster) and `sentinel clients` (whose --create makes a
 * Sentinel deployment): real client libraries side by side through the same
 * faults, and the matrix of how each fared.
 */
export function registerClients(group: Command, action: Action, kind: 'cluster' | 'sentinel'): void {
  const cmd = group
    .command('clients')
    .description(
      `which client survives which fault: the shipped client adapters (and your own) side by side through one drill per fault, and the matrix${kind === 'sentinel' ? ', on a Sentinel deployment' : ''}`,
    );
  (kind === 'sentinel' ? addSentinelCreateOptions(cmd) : addCreateOptions(cmd))
    .option('--list', 'list the shipped adapters and whether this machine can run them, then exit')
    .option(
      '--sentinel',
      kind === 'sentinel'
        ? 'a Sentinel deployment (this command always is one)'
        : 'on a Sentinel deployment: the same as redis-drill sentinel clients (its create options)',
    )
    .option(
      '--create',
      `build a fresh ${kind === 'sentinel' ? 'Sentinel deployment' : 'cluster'} first (with the create options; replaces one of the same name)`,
    )
    .option(
      '--libraries <list>',
      'the shipped adapters to run, by library (both of its rows) or by row name: ioredis,redis-py,phpredis-failover (default: every one installed here)',
    )
    .option(
      '--client <NAME=CMD>',
      'your own client program (sh -c) speaking the line protocol of docs/clients.md, under NAME in the matrix (repeatable)',
      collect,
      [],
    )
    .option('--faults <list>', 'catalogue faults, one drill each (partition and blackhole need root)', DEFAULT_FAULTS)
    .option('--warmup <time>', 'clients and load running before each fault', '3s')
    .option('--settle <time>', 'wait after the promotion before the old master is brought back', '3s')
    .option(
      '--hold <time>',
      'how long a partition or black hole lasts before it is healed: long enough to tell a client that hangs from one that gives up',
      '15s',
    )
    .option('--interval <time>', "pause between one client's operations", '10ms')
    .option('--load-clients <n>', "redis-drill's own load beside the clients (its checks need one)", intArg(1, 1000), 4)
    .option(
      '--require-survival',
      'exit 1 when a client did not survive a fault (default: the matrix is a finding, exit 0)',
    );
  addReportOutputOptions(
    cmd,
    'where to write the matrix and each drill (default ./reports/<UTC timestamp>-clients/)',
    'for each promotion and rejoin (default: 3 x node timeout + 10 s)',
  )
    .addHelpText(
      'after',
      `\nExamples:\n  redis-drill ${kind === 'sentinel' ? 'sentinel ' : ''}clients --list\n  redis-drill ${kind === 'sentinel' ? 'sentinel ' : ''}clients --create --node-timeout 1000\n  redis-drill clients --create --node-timeout 1000 --libraries ioredis,redis-py --faults kill,freeze\n  redis-drill clients --create --faults kill --client ruby-naive="ruby naive.rb" --out ./matrix`,
    )
    .action(
      action(async (ctx, f: ClientsFlags) => {
        const { ADAPTERS, adapterStatus } = await import('../clients/adapters.js');
        const ui = await import('../ui/render-clients.js');
        if (f.list) {
          const list = await Promise.all(ADAPTERS.map(adapterStatus));
          ctx.out.json(
            list.map((s) => ({
              name: s.adapter.name,
              library: s.adapter.library,
              language: s.adapter.language,
              config: s.adapter.config,
              installed: s.installed,
              version: s.version,
              ...(s.reason ? { reason: s.reason } : {}),
            })),
          );
          ctx.out.result(ui.renderAdapterList(ctx.out.c, list));
          return;
        }
        const { parseDuration } = await import('../workload/options.js');
        const { parseFormats, defaultOutDir, writeTexts } = await import('../report/write.js');
        const { chooseClients, parseFaultList } = await import('../clients/choose.js');
        const target = await drillTarget(ctx, f.create, kind);
        const faults = parseFaultList(f.faults, target);
        const formats = parseFormats(f.format);
        const timing = {
          warmupMs: parseDuration(f.warmup, '--warmup'),
          settleMs: parseDuration(f.settle, '--settle'),
          holdMs: parseDuration(f.hold, '--hold'),
          intervalMs: parseDuration(f.interval, '--interval'),
        };
        const chosen = await chooseClients(f.libraries, f.client, target, (m) => ctx.out.warn(m));
        const dir = f.out ?? defaultOutDir('clients');
        const { runClientsMatrix } = await import('../clients/run.js');
        const { sessionBase } = await import('./drill-session.js');
        const { report: reportRequest, ...session } = sessionBase(ctx, f);
        const report = await runClientsMatrix(
          {
            clients: chosen.clients,
            faults,
            kind: target,
            session,
            create: createFirst(ctx, f, kind),
            dir,
            formats,
            version: reportRequest.version,
            ...timing,
            loadClients: f.loadClients,
            deadlineMs: f.deadline,
            onFault: (fault, i) => ctx.out.info(`Fault ${i + 1} of ${faults.length}: ${fault}`),
          },
          chosen.skipped,
        );
        const m = await import('../report/clients-matrix.js');
        const files = await writeTexts(
          dir,
          formats.map((x) => [
            `report.${x}`,
            x === 'json'
              ? `${JSON.stringify(report, null, 2)}\n`
              : x === 'md'
                ? m.renderMatrixMarkdown(report)
                : m.renderMatrixHtml(report),
          ]),
        );
        ctx.out.json(report);
        ctx.out.result(ui.renderClientsMatrix(ctx.out.c, report, files));
        const died = report.matrix.filter((c) => !c.survived);
        if (f.requireSurvival && died.length)
          throw new CheckFailedError(
            `${died.length} client run${died.length > 1 ? 's' : ''} did not survive: ${died.map((c) => `${c.client} (${c.fault}): ${c.verdict}`).join('; ')}`,
            { hint: `see ${files.find((x) => x.endsWith('.html')) ?? files[0] ?? dir}` },
          );
      }),
    );
}
