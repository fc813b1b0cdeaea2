import type { Command } from 'commander';
import type { Address } from '../nodes/address.js';
import { Output } from '../ui/output.js';
import { UsageError } from '../errors.js';

/** Options every command has (see `redis-drill --help`). */
export interface Globals {
  cluster: string;
  stateDir: string;
  seed?: Address;
  /** soak --seed N: the schedule's seed (the global --seed given a number). */
  soakSeed?: number;
  password?: string;
  /** The password came from REDISCLI_AUTH, not the command line (create ignores it). */
  passwordFromEnv: boolean;
  timeout: number;
  json: boolean;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface Context {
  globals: Globals;
  out: Output;
  /** Aborted on Ctrl-C: long waits stop and clean up what they started. */
  abortSignal: AbortSignal;
  /** Whether the user gave an option (on the command line or by its environment variable), rather than its default. */
  given(option: string): boolean;
}

export function makeContext(cmd: Command, abortSignal: AbortSignal): Context {
  const raw = cmd.optsWithGlobals<Omit<Globals, 'seed'> & { seed?: Address | number }>();
  if (typeof raw.seed === 'number' && cmd.name() !== 'soak')
    throw new UsageError(`--seed: expected HOST:PORT, e.g. 127.0.0.1:7000 (got ${raw.seed})`, {
      hint: 'a number seeds the schedule of redis-drill soak only',
    });
  const numeric = typeof raw.seed === 'number' ? raw.seed : undefined;
  const seed = typeof raw.seed === 'number' ? undefined : raw.seed;
  const globals: Globals = {
    ...raw,
    seed,
    soakSeed: numeric,
    passwordFromEnv: cmd.getOptionValueSourceWithGlobals('password') === 'env',
    json: Boolean(raw.json),
    quiet: Boolean(raw.quiet),
    verbose: Boolean(raw.verbose),
  };
  const given = (option: string): boolean => {
    const source = cmd.getOptionValueSourceWithGlobals(option);
    return source !== undefined && source !== 'default';
  };
  return {
    globals,
    abortSignal,
    given,
    out: new Output({ json: globals.json, quiet: globals.quiet, verbose: globals.verbose, color: globals.color }),
  };
}

/** Which cluster a command works on, as core functions take it (--cluster or --seed, and the node deadline). */
export function targetOptions(ctx: Context): {
  stateDir: string;
  cluster: string;
  seed?: Address;
  password?: string;
  timeoutMs: number;
  abortSignal: AbortSignal;
  warn: (m: string) => void;
} {
  const g = ctx.globals;
  return {
    stateDir: g.stateDir,
    cluster: g.cluster,
    seed: g.seed,
    abortSignal: ctx.abortSignal,
    password: g.password,
    timeoutMs: g.timeout,
    warn: (m) => ctx.out.warn(m),
  };
}

/** Refuses --seed where the command needs processes redis-drill started. */
export function requireManaged(ctx: Context, command: string): void {
  if (ctx.globals.seed) {
    throw new UsageError(`${command} works on deployments redis-drill created, not on a cluster attached with --seed`, {
      hint: 'drop --seed and name the cluster with --cluster NAME',
    });
  }
}
