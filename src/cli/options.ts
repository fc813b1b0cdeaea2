import { type Command, InvalidArgumentError } from 'commander';
import { LOAD_KIND_DEFAULTS } from '../workload/load-defaults.js';
import { type Address, parseAddress } from '../nodes/address.js';

/**
 * An integer option value (surrounding spaces allowed), or a one-line usage
 * error (exit 2). Plain code, not a schema: option parsers are built when the
 * CLI starts, and every command would pay for loading a schema library.
 */
function integerParser(min: number, max: number, expected: string): (value: string) => number {
  return (value) => {
    const v = value.trim();
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected ${expected}.`);
    return n;
  };
}

export const intArg = (min: number, max = Number.MAX_SAFE_INTEGER, expected = `an integer from ${min} to ${max}`) =>
  integerParser(min, max, expected);

/** Any integer: range checks that need a reason (e.g. at least 3 masters) happen in core code. */
export const anyIntArg = integerParser(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'an integer');

export const portArg = intArg(1, 65535, 'a port number from 1 to 65535');

export const addressArg = (value: string): Address => {
  const a = parseAddress(value);
  if (!a) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:7000.');
  return a;
};

/**
 * The global --seed: HOST:PORT of a cluster to attach to, or, for `soak`
 * only, the number that seeds its schedule (makeContext tells them apart).
 */
export const seedArg = (value: string): Address | number => (/^\d+$/.test(value) ? Number(value) : addressArg(value));

/** For repeatable options: collects every value in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * One of `choices`, or an older spelling of one (`aliases`: old -> new). The
 * help lists only the current words; the old ones keep scripts working, and
 * `deprecated` is told each time one is used (a one-line notice).
 */
export const choiceArg =
  <T extends string>(
    choices: readonly T[],
    aliases: Readonly<Record<string, T>> = {},
    deprecated: (written: string, now: string) => void = () => undefined,
  ) =>
  (value: string): T => {
    const v = aliases[value] ?? value;
    if (v !== value) deprecated(value, v);
    if (!(choices as readonly string[]).includes(v))
      throw new InvalidArgumentError(`expected ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}.`);
    return v as T;
  };

/** --rate (workload, failover-report, soak): the key-value load's fixed rate, its help and its parser. */
export const RATE_HELP =
  "a fixed rate in ops/s, shared by the clients (open loop), instead of as fast as they can: latency counts from each request's intended start, and the load leaves the CPU to Redis";
export const rateArg = intArg(1, 1_000_000, 'ops per second, an integer from 1 to 1000000');

/** --load and the settings of its lock and pub/sub kinds (workload, failover-report). */
export function loadKindOptions(cmd: Command): Command {
  const d = LOAD_KIND_DEFAULTS;
  return cmd
    .option(
      '--load <kinds>',
      'what the load does, comma-separated: kv (the --mix), set (SADDs of unique ids: which acknowledged writes were lost), lock (SET NX PX locks: double grants), pubsub (numbered messages: lost, duplicated, out of order)',
      d.load,
    )
    .option('--lock-clients <n>', 'lock: clients competing for the locks', intArg(0, 10_000), d.lockClients)
    .option('--locks <n>', 'lock: lock keys, spread over all masters', intArg(0, 100_000), d.locks)
    .option('--lock-hold <time>', 'lock: how long a holder keeps a lock', d.lockHold)
    .option('--lock-ttl <time>', 'lock: its expiry (PX); longer than --lock-hold', d.lockTtl)
    .option('--channels <n>', 'pubsub: channels, spread over all masters', intArg(0, 10_000), d.channels)
    .option(
      '--pubsub-mode <mode>',
      'pubsub: classic (PUBLISH/SUBSCRIBE) or sharded (SPUBLISH/SSUBSCRIBE)',
      d.pubsubMode,
    )
    .option('--publish-interval <time>', 'pubsub: one message per channel this often', d.publishInterval);
}
