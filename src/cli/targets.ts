import { discoverFromSeed } from '../cluster/discover.js';
import { livePid } from '../cluster/lifecycle.js';
import { hostsFor, nodeFor } from '../cluster/runtime.js';
import { readState } from '../cluster/state.js';
import type { StatusTarget } from '../cluster/status.js';
import { formatAddress } from '../nodes/client.js';
import type { Context } from './context.js';

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
  const hosts = hostsFor(state);
  try {
    const targets = await Promise.all(
      state.nodes.map(async (r) => {
        const node = nodeFor(hosts, state, r);
        const pid = await livePid(node, r.pid);
        return { host: r.bind, port: r.port, machine: r.host, pid, process: await node.processState(pid) };
      }),
    );
    return { name: state.name, targets, password: state.password };
  } finally {
    await hosts.dispose();
  }
}
