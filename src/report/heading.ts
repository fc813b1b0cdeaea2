import { findFault } from '../faults/catalog.js';
import type { SlotMap } from '../cluster/slotmap.js';
import { formatAddress } from '../nodes/address.js';
import { fig } from './drill-rows.js';
import type { DrillReport } from './model.js';

/** The report's heading: its title and the sentences under it, alike in Markdown and HTML. Pure. */

/** Each kind of run by its own name: "Soak: 4 loops of kill,failover", "Failover drill" (failover-report) or "Scenario NAME". */
export function reportTitle(r: DrillReport): string {
  // A soak runs as a built-in scenario too: its section, not builtIn, tells it from failover-report.
  if (r.soak) return `Soak: ${r.soak.loops} loop${r.soak.loops === 1 ? '' : 's'} of ${r.soak.faults}`;
  return r.scenario.builtIn ? 'Failover drill' : `Scenario ${r.scenario.name}`;
}

/** The file's line under the title (a built-in drill says what it does instead). */
export const sourceSentence = (r: DrillReport): string =>
  r.scenario.file
    ? `File \`${r.scenario.file}\`.${r.scenario.description ? ` ${r.scenario.description}` : ''}`
    : `${r.scenario.description ?? ''}`;

/** "Cluster `x`, redis-server 7.0.15, 3 masters and 3 replicas, node timeout 1000 ms." (or a Sentinel deployment's own words); `code` formats the name. */
export function setupSentence(r: DrillReport, code: (name: string) => string): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const kept = r.setup.persistence ? `, persistence ${r.setup.persistence}` : '';
  if (r.sentinel)
    return `Sentinel deployment ${code(r.setup.cluster)}, ${r.setup.server}, ${plural(r.setup.masters, 'master')} and ${plural(r.setup.replicas, 'replica')} named "${r.sentinel.masterName}" by its sentinels (quorum ${r.sentinel.quorum}), down-after ${r.sentinel.downAfterMs} ms${kept}.`;
  return `Cluster ${code(r.setup.cluster)}, ${r.setup.server}, ${plural(r.setup.masters, 'master')} and ${plural(r.setup.replicas, 'replica')}, node timeout ${fig(r.setup.nodeTimeoutMs)}${kept}.`;
}

/** failover-report has one fault; a scenario or a soak names its first. */
export function faultSentence(r: DrillReport): string {
  if (!r.fault) return 'No fault step.';
  const which = r.scenario.builtIn && !r.soak ? 'Fault' : 'First fault';
  // A fault of the whole deployment has no one victim: its how names every node.
  const whole = findFault(r.fault.kind)?.entry.scope === 'deployment';
  const on = whole ? '' : ` on ${victimName(r.fault.victim, r.slotMapBefore)}`;
  return `${which}: ${r.fault.how}${on} at ${r.fault.at}.`;
}

/**
 * "Master[0] 127.0.0.1:7000" when the fault hit a master by its slots;
 * otherwise (a replica, or a partition that cut off no master) the node's
 * role in the slot map before the drill and its address: "replica 127.0.0.1:7004".
 */
function victimName(victim: NonNullable<DrillReport['fault']>['victim'], before: SlotMap): string {
  const at = formatAddress(victim);
  if (victim.index !== undefined) return `Master[${victim.index}] ${at}`;
  const same = (n: { id: string; host: string; port: number }): boolean =>
    (victim.id !== null && n.id === victim.id) || formatAddress(n) === at;
  if (before.masters.some(same)) return `master ${at}`;
  if (before.masters.some((m) => m.replicas.some(same))) return `replica ${at}`;
  return `node ${at}`;
}
