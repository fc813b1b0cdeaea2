import type { Hosts } from '../cluster/runtime.js';
import type { DeploymentState } from '../cluster/state.js';
import { clusterDir } from '../cluster/state.js';
import { chainExists, mayChangeFirewall } from './iptables.js';
import { type PartitionMode, chainName } from './partition-plan.js';

/** A network partition still in place, as `status` shows it. */
export interface PartitionLeft {
  chain: string;
  /** From the state file (null when only the rules were found). */
  mode: PartitionMode | null;
  /** host:port of the nodes on each side, from the state file (empty when only the rules were found). */
  sides: [string[], string[]];
  /** Local clock, ISO time of the cut (null when only the rules were found). */
  startedAt: string | null;
  /** The hosts whose firewall holds the chain now; null when this process may not read it (not root). */
  rulesOn: string[] | null;
  /** The command that removes it. */
  heal: string;
}

/**
 * What `status` says of a partition: the one the state file records (a
 * `cluster partition` without --duration, or one whose process was killed
 * before it healed) and the chain's rules as the hosts' firewalls hold them
 * now. Null when neither the state file nor any firewall has one.
 */
export async function partitionLeft(
  state: DeploymentState,
  hosts: Hosts,
  stateDir: string,
  o: { remote: 'always' | 'if-recorded' } = { remote: 'always' },
): Promise<PartitionLeft | null> {
  const chain = chainName(clusterDir(stateDir, state.name));
  // An SSH host's firewall costs a remote call (a login shell's start-up, the first time); a partition
  // always records itself in the state file right after its rules go in, so 'if-recorded' misses only a
  // run killed in those few milliseconds (destroy and heal always look).
  const machines = [...new Set([...state.nodes, ...(state.sentinel?.nodes ?? [])].map((n) => n.host))].filter(
    (name) => !hosts.get(name).remote || o.remote === 'always' || state.partition !== null,
  );
  // Reading the firewall needs root here; on an SSH host, the remote account's rights.
  if (machines.some((name) => !hosts.get(name).remote) && !(await mayChangeFirewall()))
    return describe(state, chain, null);
  // Every host at once, one call each (no iptables there: no chain).
  const held = await Promise.all(machines.map((name) => chainExists(hosts.get(name), chain).catch(() => false)));
  const rulesOn = machines.filter((_, i) => held[i]);
  return state.partition || rulesOn.length ? describe(state, chain, rulesOn) : null;
}

function describe(state: DeploymentState, chain: string, rulesOn: string[] | null): PartitionLeft | null {
  const p = state.partition;
  if (!p && rulesOn === null) return null;
  const kind = state.kind === 'sentinel' ? 'sentinel' : 'cluster';
  return {
    chain,
    mode: p?.mode ?? null,
    sides: p?.sides ?? [[], []],
    startedAt: p?.startedAt ?? null,
    rulesOn,
    heal: `redis-drill ${kind} heal${state.name === 'default' ? '' : ` --cluster ${state.name}`}`,
  };
}
