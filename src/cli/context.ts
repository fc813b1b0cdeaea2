import type { Command } from 'commander';
import { discoverFromSeed } from '../cluster/discover.js';
import { livePid } from '../cluster/lifecycle.js';
import { Hosts, nodeFor } from '../cluster/runtime.js';
import { readState } from '../cluster/state.js';
import type { StatusTarget } from '../cluster/status.js';
import { type Address, formatAddress } from '../nodes/client.js';
import { Output } from '../ui/output.js';

/** Options every command has (see `redis-drill --help`). */
export interface Globals {
  cluster: string;
  stateDir: string;
  seed?: Address;
  password?: string;
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
  signal: AbortSignal;
}

export function makeContext(cmd: Command, signal: AbortSignal): Context {
  const raw = cmd.optsWithGlobals() as Globals;
  const globals: Globals = { ...raw, json: Boolean(raw.json), quiet: Boolean(raw.quiet), verbose: Boolean(raw.verbose) };
  return { globals, signal, out: new Output({ json: globals.json, quiet: globals.quiet, verbose: globals.verbose, color: globals.color }) };
}

/** The nodes a read-only command talks to: from --seed, or from the state file of --cluster. */
export interface Targets {
  /** The cluster's name, or the seed's address for an attached cluster. */
  name: string;
  targets: StatusTarget[];
  password: string | null;
}

export async function resolveTargets(ctx: Context): Promise<Targets> {
  const g = ctx.globals;
  if (g.seed) {
    const password = g.password ?? null;
    const addresses = await discoverFromSeed(g.seed, { timeoutMs: g.timeout, password });
    return { name: formatAddress(g.seed), targets: addresses, password };
  }
  const state = await readState(g.stateDir, g.cluster);
  const hosts = new Hosts();
  try {
    const targets = await Promise.all(
      state.nodes.map(async (r) => {
        const node = nodeFor(hosts, state, r);
        const pid = await livePid(node, r.pid);
        return { host: r.bind, port: r.port, pid, process: await node.processState(pid) };
      }),
    );
    return { name: state.name, targets, password: state.password };
  } finally {
    await hosts.dispose();
  }
}
