import type { ChalkInstance } from 'chalk';
import type { RollingRestartResult } from '../faults/rolling-restart.js';
import { keysText } from '../report/drill-rows.js';
import { renderTable } from './table.js';

/** One row per node in the order they were restarted, then the checks. */
export function renderRollingRestart(c: ChalkInstance, r: RollingRestartResult): string {
  const rows = r.nodes.map((n) => [
    n.node,
    n.role,
    n.failedOverTo ?? '-',
    n.oldPid ?? '-',
    n.newPid ?? '-',
    n.rejoinMs === null ? '-' : `${n.rejoinMs} ms`,
  ]);
  return [
    `Rolling restart of cluster ${r.cluster}: ${r.nodes.length} nodes in ${(r.elapsedMs / 1000).toFixed(1)} s (replicas first, then each master after a failover to its replica)`,
    '',
    renderTable(c, ['NODE', 'WAS', 'FAILED OVER TO', 'OLD PID', 'NEW PID', 'BACK AFTER'], rows),
    '',
    `keys before -> after: ${keysText(r.keys)}`,
    ...r.checks.map((k) => `check: ${k.name}  ${k.passed ? c.green('pass') : c.red('FAIL')}  ${k.detail}`),
  ].join('\n');
}
