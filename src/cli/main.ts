import { Command, CommanderError, Option } from 'commander';
import { EXIT } from '../errors.js';
import { describeError } from '../ui/errors.js';
import { VERSION } from '../version.js';
import { Output } from '../ui/output.js';
import { makeAction } from './action.js';
import { registerCluster } from './cluster.js';
import { registerKeyCommands } from './keys.js';
import { registerWorkload } from './workload.js';
import { registerReport } from './report.js';
import { registerScenario } from './scenario.js';
import { registerSentinel } from './sentinel.js';
import { registerSoak } from './soak.js';
import { registerReportGroup } from './compare.js';
import { registerClients } from './clients.js';
import { intArg, seedArg } from './options.js';
import { sentinelSpelling } from './argv.js';
import { runController } from './run-controller.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the command ran but a check failed (e.g. a deadline passed)
  2    bad usage or bad input (unknown option, bad value, unknown cluster)
  3    environment problem (redis-server missing, port in use, node unreachable)
  70   internal error: a bug in redis-drill (--verbose shows the stack trace)
  130  interrupted (Ctrl-C); everything the command started is stopped

Environment:
  REDIS_DRILL_HOME  state directory (same as --state-dir)
  REDIS_SERVER      redis-server binary (same as --redis-server)
  REDISCLI_AUTH     password for --seed clusters (safer than --password: not visible in ps)
  NO_COLOR          no colour in the output`;

const EXIT_CODES_SHORT =
  '\nExit codes: 0 success, 1 a check failed, 2 bad usage or input, 3 environment, 70 internal error, 130 interrupted (see redis-drill --help).';

export function buildProgram(abortSignal: AbortSignal): Command {
  const program = new Command('redis-drill')
    .description('Build Redis Cluster deployments, break masters on purpose, and measure the failover.')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--cluster <name>', 'which cluster (several can live side by side)').default('default'))
    .addOption(
      new Option('--state-dir <dir>', 'where clusters are kept').env('REDIS_DRILL_HOME').default('./.redis-drill'),
    )
    .addOption(
      new Option(
        '--seed <host:port>',
        'attach to a running cluster redis-drill did not create (soak: the number that seeds its schedule)',
      ).argParser(seedArg),
    )
    .addOption(
      new Option(
        '--password <password>',
        'password of a --seed cluster; for cluster create: auto (random) or none',
      ).env('REDISCLI_AUTH'),
    )
    .addOption(
      new Option('--timeout <ms>', 'deadline for every call to a node').argParser(intArg(1, 600_000)).default(2000),
    )
    .option('--json', 'print the result as one JSON document on stdout')
    .option('--no-color', 'no colour')
    .option('-q, --quiet', 'no progress output on stderr')
    .option('--verbose', 'more detail, and stack traces on errors')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  const action = makeAction(abortSignal);
  registerCluster(program, action);
  registerSentinel(program, action);
  registerKeyCommands(program, action);
  registerWorkload(program, action);
  registerReport(program, action, 'cluster');
  registerSoak(program, action);
  registerClients(program, action, 'cluster');
  registerReportGroup(program, action);
  registerScenario(program, action);
  // Subcommands inherit the error behaviour: throw to main() instead of exiting.
  const inherit = (cmd: Command): void =>
    cmd.commands.forEach((sub) => {
      sub
        .exitOverride()
        .showHelpAfterError('(run with --help for usage)')
        .configureHelp({ showGlobalOptions: true })
        .addHelpText('after', EXIT_CODES_SHORT);
      inherit(sub);
    });
  inherit(program);
  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
  const controller = runController();
  const onSignal = (): void => {
    // A second Ctrl-C means "now": give up on the cleanup.
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nInterrupted: stopping what was started (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const program = buildProgram(controller.signal);
  try {
    await program.parseAsync(sentinelSpelling(argv));
    return controller.signal.aborted ? EXIT.interrupted : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const verbose = argv.includes('--verbose');
    const { lines, exitCode } = describeError(e, verbose);
    new Output({ json: false, quiet: false, verbose, color: !argv.includes('--no-color') }).error(lines);
    return exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
