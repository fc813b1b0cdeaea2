import { type Command, Option } from 'commander';
import { CheckFailedError } from '../errors.js';
import type { FaultSignal } from '../faults/catalog.js';
import { PARTITION_MODES, type PartitionMode } from '../faults/partition-modes.js';
import type { FaultResult } from '../faults/result.js';
import type { Action } from './action.js';
import { type Context, targetOptions } from './context.js';
import type { Deployment } from '../deployment/handle.js';
import { choiceArg, intArg } from './options.js';

/** Runs a fault on the cluster the globals name, and always closes what was opened (SSH connections). */
async function onCluster(
  ctx: Context,
  kind: 'cluster' | 'sentinel',
  fn: (d: Deployment) => Promise<FaultResult>,
): Promise<FaultResult> {
  if (kind === 'sentinel' && ctx.globals.seed) {
    const { UsageError } = await import('../errors.js');
    throw new UsageError('sentinel commands work on deployments redis-drill created, not on a node given with --seed', {
      hint: 'drop --seed and name the deployment with --cluster NAME',
    });
  }
  const { withDeployment } = await import('../deployment/handle.js');
  return withDeployment({ ...targetOptions(ctx), expect: kind }, fn);
}

/** Prints the result (JSON or timeline); a missed deadline is exit 1 after the output. */
async function finish(ctx: Context, r: FaultResult): Promise<void> {
  ctx.out.json(r);
  ctx.out.result((await import('../ui/render-timeline.js')).renderFault(ctx.out.c, r));
  if (r.outcome === 'deadline-exceeded') {
    throw new CheckFailedError(`${r.action}: not done within ${r.deadlineMs} ms`, {
      details: [`waited for: ${r.waitedFor}`, `last seen: ${r.lastSeen}`],
    });
  }
  if (r.wiped) {
    const held = Math.max(...r.wiped.replicas.map((x) => x.keysBefore));
    throw new CheckFailedError(
      `${r.action}: ${r.wiped.node} came back empty as a master while its replica held ${held} keys: the shard is lost`,
      {
        details: r.wiped.replicas.map((x) => `replica ${x.node}: ${x.keysBefore} keys before, ${x.keysNow ?? '?'} now`),
      },
    );
  }
}

const deadlineOption = (): Option =>
  new Option('--deadline <ms>', 'how long to wait (default: 3 x node timeout + 10 s)').argParser(intArg(1));

/** The faults, for a cluster (`cluster ...`) or a Sentinel deployment (`sentinel ...`): the same core functions. */
export function registerFaults(cluster: Command, action: Action, kind: 'cluster' | 'sentinel'): void {
  cluster
    .command('kill-master')
    .description('break a master on purpose and watch a replica take over (timeline from logs and polling)')
    .option(
      '--master <which>',
      'Master[INDEX] / INDEX as slotmap shows it, a node-id prefix, or HOST:PORT (default: 0)',
    )
    .option('--slot <n>', 'the master that owns this slot', intArg(0, 16383))
    .option('--key <key>', 'the master that owns this key')
    .addOption(
      new Option(
        '--signal <signal>',
        'kill = SIGKILL (a crash), term = SIGTERM (graceful), freeze = SIGSTOP (a hung machine; resume-node ends it)',
      )
        .argParser(choiceArg(['kill', 'term', 'freeze'] as const, { stop: 'freeze' }, action.deprecated))
        .default('kill'),
    )
    .addOption(
      new Option(
        '--via <command>',
        'break it with a Redis command instead of a signal (for --seed clusters): DEBUG SLEEP (needs enable-debug-command) or SHUTDOWN NOSAVE',
      ).choices(['debug-sleep', 'shutdown']),
    )
    .option('--no-wait', 'break it and return at once')
    .option('--force', 'also break a master that has no replica')
    .addOption(deadlineOption())
    .addHelpText(
      'after',
      kind === 'cluster'
        ? '\nExamples:\n  redis-drill cluster kill-master\n  redis-drill cluster kill-master --master 1 --signal freeze\n  redis-drill cluster kill-master --key user:42 --json'
        : '\nExamples:\n  redis-drill sentinel kill-master\n  redis-drill sentinel kill-master --signal freeze --no-wait\n  redis-drill sentinel kill-master --json',
    )
    .action(
      action(
        async (
          ctx,
          f: {
            master?: string;
            slot?: number;
            key?: string;
            signal: FaultSignal;
            via?: 'debug-sleep' | 'shutdown';
            wait: boolean;
            force?: boolean;
            deadline?: number;
          },
        ) => {
          const { killMaster } = await import('../faults/kill-master.js');
          await finish(
            ctx,
            await onCluster(ctx, kind, (d) =>
              killMaster(d, {
                target: { master: f.master, slot: f.slot, key: f.key },
                signal: f.signal,
                via: f.via,
                wait: f.wait,
                force: Boolean(f.force),
                deadlineMs: f.deadline,
              }),
            ),
          );
        },
      ),
    );

  cluster
    .command('partition')
    .description(
      'cut a master (or a set of nodes) off the cluster network with iptables, and watch the majority replace it; clients still reach every node (not with --mode blackhole, which drops theirs too)',
    )
    .option(
      '--master <which>',
      'the master to cut off: Master[INDEX] / INDEX, a node-id prefix, or HOST:PORT (default: 0)',
    )
    .option('--slot <n>', 'the master that owns this slot', intArg(0, 16383))
    .option('--key <key>', 'the master that owns this key')
    .option(
      '--sides <a|b>',
      'an explicit split instead: nodes (Master[N], HOST:PORT or id prefix) on the first side | on the second; unlisted nodes join the second',
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'isolate (both ways), one-way (see --direction), flaky (random loss, see --loss) or blackhole (every packet to and from the node, clients too)',
      )
        .choices(PARTITION_MODES)
        .default('isolate'),
    )
    .addOption(
      new Option('--direction <dir>', 'one-way: out = its packets to the others are dropped, in = theirs to it')
        .choices(['in', 'out'])
        .default('out'),
    )
    .option('--loss <percent>', 'flaky: the share of packets dropped, e.g. 30%', '30%')
    .option(
      '--duration <time>',
      'heal by itself after this long, e.g. 10s, and watch the old master rejoin (default: stay until cluster heal)',
    )
    .option('--no-wait', 'cut and return at once')
    .addOption(deadlineOption())
    .addHelpText(
      'after',
      kind === 'cluster'
        ? '\nNeeds root (iptables) and a cluster with one address per node (cluster create --bind 127.0.1.1+).\n\nExamples:\n  redis-drill cluster partition --master 0 --duration 3s\n  redis-drill cluster partition --mode flaky --loss 30% --duration 20s\n  redis-drill cluster partition --mode blackhole --master 1 --duration 5s\n  redis-drill cluster partition --sides 0,1\\|2 && redis-drill cluster heal'
        : '\nNeeds root (iptables) and a deployment with one address per node and sentinel (sentinel create --bind 127.0.1.1+).\n\nExamples:\n  redis-drill sentinel partition --duration 5s\n  redis-drill sentinel partition --sides "0,Sentinel[0]|" && redis-drill sentinel heal',
    )
    .action(
      action(
        async (
          ctx,
          f: {
            master?: string;
            slot?: number;
            key?: string;
            sides?: string;
            mode: PartitionMode;
            direction: 'in' | 'out';
            loss: string;
            duration?: string;
            wait: boolean;
            deadline?: number;
          },
        ) => {
          const { partitionDeployment } = await import('../faults/partition-fault.js');
          const { parseLoss } = await import('../faults/partition-plan.js');
          const { parseDuration } = await import('../workload/options.js');
          const loss = parseLoss(f.loss);
          const durationMs = f.duration !== undefined ? parseDuration(f.duration) : undefined;
          await finish(
            ctx,
            await onCluster(ctx, kind, (d) =>
              partitionDeployment(d, {
                target: { master: f.master, slot: f.slot, key: f.key },
                sides: f.sides,
                mode: f.mode,
                direction: f.direction,
                loss,
                durationMs,
                wait: f.wait,
                deadlineMs: f.deadline,
              }),
            ),
          );
        },
      ),
    );

  cluster
    .command('heal')
    .description(
      "remove this cluster's network partition (its iptables rules, nothing else) and watch the cut-off master rejoin as a replica",
    )
    .option('--no-wait', 'remove the rules and return at once')
    .addOption(deadlineOption())
    .action(
      action(async (ctx, f: { wait: boolean; deadline?: number }) => {
        const { healDeployment } = await import('../faults/partition-fault.js');
        await finish(
          ctx,
          await onCluster(ctx, kind, (d) => healDeployment(d, { wait: f.wait, deadlineMs: f.deadline })),
        );
      }),
    );

  for (const mode of ['restart', 'resume'] as const) {
    cluster
      .command(`${mode}-node`)
      .description(
        mode === 'restart'
          ? 'start a killed node again and watch it rejoin as a replica of the new master'
          : 'SIGCONT a frozen node and watch it rejoin as a replica',
      )
      .argument('<node>', 'HOST:PORT or a node-id prefix')
      .addOption(deadlineOption())
      .action(
        action(async (ctx, f: { deadline?: number }, args: string[]) => {
          const { rejoinNode } = await import('../faults/rejoin.js');
          await finish(
            ctx,
            await onCluster(ctx, kind, (d) => rejoinNode(d, { node: args[0]!, mode, deadlineMs: f.deadline })),
          );
        }),
      );
  }

  const failover = cluster.command('failover');
  if (kind === 'cluster') {
    failover
      .description('a manual failover (CLUSTER FAILOVER on a replica), waiting until the roles have swapped')
      .option(
        '--replica <node>',
        'the replica to promote: HOST:PORT or node-id prefix (default: a replica of Master[0])',
      )
      .option('--force', 'CLUSTER FAILOVER FORCE: do not wait for the master to agree')
      .option('--takeover', 'CLUSTER FAILOVER TAKEOVER: no election at all');
  } else {
    failover.description(
      'a manual failover (SENTINEL FAILOVER: Sentinel picks the replica), waiting until every sentinel names the new master and the old one is its replica',
    );
  }
  failover.addOption(deadlineOption()).action(
    action(async (ctx, f: { replica?: string; force?: boolean; takeover?: boolean; deadline?: number }) => {
      const { UsageError } = await import('../errors.js');
      if (f.force && f.takeover)
        throw new UsageError('--force and --takeover exclude each other', {
          hint: 'pick one (or neither, for the safe default)',
        });
      const { manualFailover } = await import('../faults/manual-failover.js');
      await finish(
        ctx,
        await onCluster(ctx, kind, (d) =>
          manualFailover(d, {
            replica: f.replica,
            mode: f.force ? 'force' : f.takeover ? 'takeover' : 'default',
            deadlineMs: f.deadline,
          }),
        ),
      );
    }),
  );
}
