import { type FixResult, fixSummary } from '../cluster/fix.js';
import type { RebalanceResult } from '../cluster/rebalance.js';
import type { ReshardResult } from '../cluster/reshard.js';
import { slotsText } from '../cluster/slots.js';

const node = (n: ReshardResult['from']): string => `Master[${n.index}] ${n.host}:${n.port}`;

export function renderReshard(r: ReshardResult): string {
  const agreed = r.agreedMs === null ? '' : `; every node agreed ${r.agreedMs} ms later`;
  return `Moved ${r.slots} slots (${r.slotRanges}) and ${r.keys} keys from ${node(r.from)} to ${node(r.to)} in ${r.elapsedMs} ms (${r.keysPerSec} keys/s)${agreed}.`;
}

export function renderFix(r: FixResult): string {
  if (r.actions.length === 0) return 'Nothing to fix: every slot is stable and served.';
  const found = [
    r.openSlots.length ? `${r.openSlots.length} open slot(s) (${slotsText(r.openSlots)})` : '',
    r.uncovered ? `unserved slots ${r.uncovered}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  // Slot by slot while that stays readable; grouped by what was done beyond that (the --json has every slot).
  const lines =
    r.actions.length <= 20 ? r.actions.map((a) => `slot ${a.slot}: ${a.action}: ${a.detail}`) : fixSummary(r.actions);
  return [`Found ${found}; fixed in ${r.elapsedMs} ms:`, ...lines.map((l) => `  ${l}`)].join('\n');
}

export function renderRebalance(r: RebalanceResult): string {
  if (r.moves.length === 0)
    return `Nothing to move: the slots are already even (${r.after.map((m) => m.slots).join(' / ')}).`;
  return [
    `Moved ${r.slots} slots and ${r.keys} keys in ${r.moves.length} move(s), ${r.elapsedMs} ms:`,
    ...r.moves.map((m) => `  ${renderReshard(m)}`),
    `Slots per master now: ${r.after.map((m) => `${m.host}:${m.port} ${m.slots}`).join(', ')}.`,
  ].join('\n');
}
