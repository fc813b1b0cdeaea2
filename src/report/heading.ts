import { formatAddress } from '../nodes/address.js';
import { fig } from './drill-rows.js';
import type { DrillReport } from './model.js';

/** The report's heading: its title and the sentences under it, alike in Markdown and HTML. Pure. */

/** "Failover drill" (the built-in drill) or "Scenario NAME". */
export const reportTitle = (r: DrillReport): string =>
  r.scenario.builtIn ? 'Failover drill' : `Scenario ${r.scenario.name}`;

/** The file's line under the title (a built-in drill says what it does instead). */
export const sourceSentence = (r: DrillReport): string =>
  r.scenario.file
    ? `File \`${r.scenario.file}\`.${r.scenario.description ? ` ${r.scenario.description}` : ''}`
    : `${r.scenario.description ?? ''}`;

/** "Cluster `x`, redis-server 7.0.15, 3 masters and 3 replicas, node timeout 1000 ms." (or a Sentinel deployment's own words); `code` formats the name. */
export function setupSentence(r: DrillReport, code: (name: string) => string): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (r.sentinel)
    return `Sentinel deployment ${code(r.setup.cluster)}, ${r.setup.server}, ${plural(r.setup.masters, 'master')} and ${plural(r.setup.replicas, 'replica')} named "${r.sentinel.masterName}" by its sentinels (quorum ${r.sentinel.quorum}), down-after ${r.sentinel.downAfterMs} ms.`;
  return `Cluster ${code(r.setup.cluster)}, ${r.setup.server}, ${plural(r.setup.masters, 'master')} and ${plural(r.setup.replicas, 'replica')}, node timeout ${fig(r.setup.nodeTimeoutMs)}.`;
}

export function faultSentence(r: DrillReport): string {
  if (!r.fault) return 'No fault step.';
  return `${r.scenario.builtIn ? 'Fault' : 'First fault'}: ${r.fault.how} on Master[${r.fault.victim.index ?? '?'}] ${formatAddress(r.fault.victim)} at ${r.fault.at}.`;
}
