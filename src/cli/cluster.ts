import { type Command, Option } from 'commander';
import { CREATE_DEFAULTS, DEFAULT_SSH_CONNECT_TIMEOUT_MS, SHELL_START_FACTOR } from '../cluster/create-defaults.js';
import type { CreateRequest } from '../cluster/create-request.js';
import { type Context, requireManaged, targetOptions } from './context.js';
import { anyIntArg, choiceArg, collect, intArg, portArg } from './options.js';
import { PERSISTENCE_MODES, type Persistence } from '../nodes/persistence.js';
import { type Action, preload } from './action.js';
import { registerFaults } from './faults.js';
import { registerLifecycle } from './lifecycle.js';
import { registerRollingRestart } from './rolling.js';
import { registerScale } from './scale.js';

export interface CreateFlags {
  masters: number;
  replicas: number;
  port: number;
  bind: string;
  nodeTimeout: number;
  redisServer?: string;
  config: string[];
  persistence?: Persistence;
  force?: boolean;
  hosts?: string;
  inventory?: string;
  nodesPerHost?: number;
  sshPort?: number;
  sshIdentity?: string;
  sshOption: string[];
  sshTimeout: number;
  remoteDir?: string;
}

/** The options of `cluster create`, shared with `failover-report --create`. */
export function addCreateOptions(cmd: Command): Command {
  cmd
    .option('--masters <n>', 'number of masters (at least 3)', anyIntArg, CREATE_DEFAULTS.masters)
    .option('--replicas <n>', 'replicas per master', anyIntArg, CREATE_DEFAULTS.replicas)
    .option(
      '--port <port>',
      'first client port; nodes take consecutive ports, cluster bus = port + 10000',
      portArg,
      CREATE_DEFAULTS.port,
    )
    .option(
      '--bind <address>',
      "the nodes' address: one for all (127.0.0.1), one per node counting up (127.0.1.1+: what network faults need), or a list of one per node",
      CREATE_DEFAULTS.bind,
    )
    .option(
      '--node-timeout <ms>',
      'cluster-node-timeout: how long until a silent node counts as failing',
      intArg(100),
      CREATE_DEFAULTS.nodeTimeoutMs,
    );
  return addServerAndHostOptions(cmd, {
    nodes: 'node',
    first: 'masters go one per host first',
    perHost: 'nodes on each --hosts host, on consecutive ports from --port (default: as few as fit)',
  });
}

/**
 * The server binary, extra config, and SSH host options every create shares
 * (cluster create, sentinel create, their failover-report --create).
 */
export function addServerAndHostOptions(
  cmd: Command,
  words: { nodes: string; first: string; perHost: string },
): Command {
  return cmd
    .addOption(
      new Option('--redis-server <path>', 'server binary (default: redis-server, then valkey-server, on PATH)').env(
        'REDIS_SERVER',
      ),
    )
    .addOption(
      new Option(
        '--persistence <mode>',
        `what a ${words.nodes} keeps across a restart: none (nothing: a restarted master comes back empty), rdb (snapshots on Redis's default schedule), aof (append-only file, fsync every second) or aof-always (fsync every write) (default: aof)`,
      ).argParser(choiceArg(PERSISTENCE_MODES)),
    )
    .option(
      '--config <key=value>',
      `extra redis.conf line for every ${words.nodes} (repeatable; wins over --persistence)`,
      collect,
      [],
    )
    .option('--hosts <list>', `run the nodes on these machines over SSH: [user@]address,... (${words.first})`)
    .option('--inventory <file.yaml>', 'the hosts, with per-host SSH settings, ports and paths, from a YAML file')
    .option('--nodes-per-host <n>', words.perHost, intArg(1, 1000))
    .option('--ssh-port <port>', 'SSH port of the --hosts hosts', portArg)
    .option('--ssh-identity <file>', "private key for SSH (default: ssh's own choice)")
    .option('--ssh-option <key=value>', 'extra ssh -o option, e.g. StrictHostKeyChecking=yes (repeatable)', collect, [])
    .option(
      '--ssh-timeout <ms>',
      `how long an SSH host may take to accept a connection (its login shell gets ${SHELL_START_FACTOR}x this to start)`,
      intArg(100, 600_000),
      DEFAULT_SSH_CONNECT_TIMEOUT_MS,
    )
    .option(
      '--remote-dir <dir>',
      'base directory on SSH hosts; a deployment lives in <dir>/<name> (default: ~/.redis-drill)',
    );
}

/** The create request a command's flags make (cluster create, failover-report --create). */
export function createRequest(ctx: Context, flags: CreateFlags): Omit<CreateRequest, 'cluster' | 'stateDir'> {
  requireManaged(ctx, 'cluster create');
  return {
    masters: flags.masters,
    replicas: flags.replicas,
    port: flags.port,
    // Not given: the default, or one address per node when the drill cuts the network (see runDrillSession).
    bind: ctx.given('bind') ? flags.bind : undefined,
    nodeTimeoutMs: flags.nodeTimeout,
    redisServer: flags.redisServer,
    config: flags.config,
    persistence: flags.persistence,
    force: Boolean(flags.force),
    // REDISCLI_AUTH is the password of --seed clusters, never one to create a cluster with.
    password: ctx.globals.passwordFromEnv ? undefined : ctx.globals.password,
    remote: {
      hosts: flags.hosts,
      inventory: flags.inventory,
      nodesPerHost: flags.nodesPerHost,
      sshPort: flags.sshPort,
      sshIdentity: flags.sshIdentity,
      sshOptions: flags.sshOption,
      sshTimeoutMs: flags.sshTimeout,
      remoteDir: flags.remoteDir,
    },
    abortSignal: ctx.abortSignal,
    reporter: ctx.out.reporter(),
  };
}

export function registerCluster(program: Command, action: Action): void {
  const cluster = program
    .command('cluster')
    .description('create (here or over SSH), inspect, break, stop, start and destroy a Redis Cluster');

  addCreateOptions(
    cluster
      .command('create')
      .description('start redis-server processes and form them into a cluster (3 masters + 3 replicas by default)'),
  )
    .option('--force', 'destroy an existing cluster of the same name first')
    .addHelpText(
      'after',
      [
        '',
        'Password: --password auto makes a random one (the default with --hosts/--inventory), kept only in the',
        "state file (mode 0600) and the nodes' redis.conf; --password none has none (the default locally).",
        '',
        'Examples:',
        '  redis-drill cluster create --masters 3 --replicas 1 --port 7000 --config cluster-require-full-coverage=no',
        '  redis-drill cluster create --hosts root@10.0.0.1,root@10.0.0.2,root@10.0.0.3 --ssh-identity ~/.ssh/drill',
        '  redis-drill cluster create --inventory hosts.yaml',
      ].join('\n'),
    )
    .action(
      action(async (ctx, flags: CreateFlags) => {
        const render = preload(import('../ui/render-cluster.js'));
        const { createFromRequest } = await import('../cluster/create-request.js');
        const result = await createFromRequest({
          ...createRequest(ctx, flags),
          cluster: ctx.globals.cluster,
          stateDir: ctx.globals.stateDir,
        });
        ctx.out.json({
          cluster: result.cluster,
          server: result.server,
          nodeTimeoutMs: result.nodeTimeoutMs,
          passwordProtected: result.passwordProtected,
          nodes: result.nodes,
          elapsedMs: result.elapsedMs,
        });
        ctx.out.result((await render).renderCreate(ctx.out.c, result));
      }),
    );

  cluster
    .command('status')
    .description(
      'a live table from every node: role, master, slots, link, failure flags, epoch, keys, pid, up/down/frozen; and a network partition left in place',
    )
    .action(
      action(async (ctx) => {
        const { statusOf } = await import('../cluster/status.js');
        const result = await statusOf(targetOptions(ctx));
        ctx.out.json(result);
        ctx.out.result((await import('../ui/render-cluster.js')).renderStatus(ctx.out.c, result));
      }),
    );

  registerLifecycle(cluster, action, 'cluster');
  registerFaults(cluster, action, 'cluster');
  registerScale(cluster, action);
  registerRollingRestart(cluster, action);
}
