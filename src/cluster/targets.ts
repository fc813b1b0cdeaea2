import type { Address } from '../nodes/address.js';
import { formatAddress } from '../nodes/address.js';
import { discoverFromSeed } from './discover.js';
import { livePid } from './lifecycle.js';
import { hostsFor, nodeFor } from './runtime.js';
import { readState } from './state.js';
import type { StatusTarget } from './status.js';

/** The nodes a read-only command talks to: from --seed, or from the state file of --cluster. */
export interface Targets {
  /** The cluster's name, or the seed's address for an attached cluster. */
  name: string;
  targets: StatusTarget[];
  password: string | null;
}

export async function clusterTargets(o: { stateDir: string; cluster: string; seed?: Address; password?: string; timeoutMs: number }): Promise<Targets> {
  if (o.seed) {
    const password = o.password ?? null;
    const addresses = await discoverFromSeed(o.seed, { timeoutMs: o.timeoutMs, password });
    return { name: formatAddress(o.seed), targets: addresses, password };
  }
  const state = await readState(o.stateDir, o.cluster);
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
