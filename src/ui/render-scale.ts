import type { FixResult } from '../cluster/fix.js';
import type { RebalanceResult, ReshardResult } from '../cluster/reshard.js';

const node = (n: ReshardResult['from']): string => `Master[${n.index}] ${n.host}:${n.port}`;

export function renderReshard(r: ReshardResult): string {
  const agreed = r.agreedMs === null ? '' : `; every node agreed ${r.agreedMs} ms later`;
  return `Moved ${r.slots} slots (${r.slotRanges}) and ${r.keys} keys from ${node(r.from)} to ${node(r.to)} in ${r.elapsedMs} ms (${r.keysPerSec} keys/s)${agreed}.`;
}

export function renderFix(r: FixResult): string {
  if (r.actions.length === 0) return 'Nothing to fix: every slot is stable and served.';
  const found = [r.openSlots.length ? `${r.openSlots.length} open slot(s) (${r.openSlots.join(', ')})` : '', r.uncovered ? `unserved slots ${r.uncovered}` : ''].filter(Boolean).join(' and ');
  return [`Found ${found}; fixed in ${r.elapsedMs} ms:`, ...r.actions.map((a) => `  slot ${a.slot}: ${a.action}: ${a.detail}`)].join('\n');
}

export function renderRebalance(r: RebalanceResult): string {
  if (r.moves.length === 0) return `Nothing to move: the slots are already even (${r.after.map((m) => m.slots).join(' / ')}).`;
  return [
    `Moved ${r.slots} slots and ${r.keys} keys in ${r.moves.length} move(s), ${r.elapsedMs} ms:`,
    ...r.moves.map((m) => `  ${renderReshard(m)}`),
    `Slots per master now: ${r.after.map((m) => `${m.host}:${m.port} ${m.slots}`).join(', ')}.`,
  ].join('\n');
}
