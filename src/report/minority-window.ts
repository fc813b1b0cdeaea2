import type { PartitionMode } from '../faults/partition-plan.js';

/**
 * How the cut-off side's own "Cluster state changed: fail" reads, by the
 * cut's mode. Behind a partition, clients still reach the cut-off master,
 * so until that line it acknowledged writes the majority never saw; in a
 * black hole no client reaches it, so the same time is only how long it
 * took to notice. Pure.
 */
export function minorityLabel(mode: PartitionMode): string {
  return mode === 'blackhole'
    ? 'black-holed master saw the cluster fail after'
    : 'cut-off master still acknowledging writes for';
}

/** One sentence on the cut-off master's window: `ms` after the cut, `atMs` on the drill's clock when known. */
export function minorityWindow(
  mode: PartitionMode,
  o: { node: string | null; ms: number; nodeTimeoutMs: number | null; atMs?: number },
): string {
  const at = o.atMs !== undefined ? ` at +${o.atMs} ms` : '';
  const timeout = `node timeout ${o.nodeTimeoutMs ?? '?'} ms`;
  return mode === 'blackhole'
    ? `${o.node} said "Cluster state changed: fail"${at}, ${o.ms} ms after the cut (${timeout}); no client could reach it meanwhile (a black hole), so it acknowledged nothing there.`
    : `${o.node} kept acknowledging writes for ${o.ms} ms after the cut (${timeout}), until its own "Cluster state changed: fail"${at}: writes the majority never saw.`;
}
