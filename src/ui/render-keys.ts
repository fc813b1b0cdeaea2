import type { ChalkInstance } from 'chalk';
import type { KeyPlacement } from '../cluster/keys.js';
import type { PopulateResult } from '../cluster/populate.js';
import { formatRanges } from '../cluster/slots.js';
import type { SlotMap } from '../cluster/slotmap.js';
import { formatAddress } from '../nodes/address.js';
import { renderTable } from './table.js';

const keys = (n: number | null): string => (n === null ? '?' : String(n));

export function renderSlotMap(c: ChalkInstance, map: SlotMap): string {
  const rows = map.masters.map((m) => [
    `Master[${m.index}] -> Slots ${formatRanges(m.slots)} -> ${formatAddress(m)}`,
    m.slotCount,
    keys(m.dbsize),
    m.state === 'ok' ? c.green('ok') : c.red(m.state),
    m.replicas.length === 0
      ? c.yellow('none')
      : m.replicas
          .map(
            (r) =>
              `${formatAddress(r)} (${keys(r.dbsize)} keys, link ${r.linkUp === null ? 'unknown' : r.linkUp ? 'up' : c.red('down')}, lag ${r.lagBytes ?? '?'} B)`,
          )
          .join('; '),
  ]);
  const lines = [renderTable(c, ['MASTER', 'SLOT COUNT', 'KEYS', 'STATE', 'REPLICAS'], rows)];
  for (const u of map.uncovered)
    lines.push(c.red(`Uncovered -> Slots ${formatRanges([u])} (${u[1] - u[0] + 1} slots, no master)`));
  lines.push('');
  const reachable =
    map.masters.length + map.masters.reduce((n, m) => n + m.replicas.length, 0) - map.unreachable.length;
  lines.push(
    `Total: ${map.totalKeys}${map.totalKeysComplete ? '' : '+ (some masters unreachable)'} keys; ${map.slotsCovered} of 16384 slots covered; ` +
      (map.agreed
        ? `all ${reachable} reachable nodes agree on the slot map.`
        : c.red(`nodes that disagree with this map: ${map.disagreeing.join(', ')}.`)),
  );
  if (map.unreachable.length > 0)
    lines.push(c.red(`Unreachable: ${map.unreachable.join(', ')} (their keys are unknown, not 0).`));
  return lines.join('\n');
}

export function renderPlacements(c: ChalkInstance, placements: KeyPlacement[]): string {
  return renderTable(
    c,
    ['KEY', 'SLOT', 'MASTER', 'REPLICAS'],
    placements.map((p) => [
      JSON.stringify(p.key),
      p.slot,
      p.master ? `Master[${p.master.index}] ${formatAddress(p.master)}` : '-',
      p.replicas.map(formatAddress).join(', ') || '-',
    ]),
  );
}

export function renderPopulate(c: ChalkInstance, r: PopulateResult): string {
  const rows = r.masters.map((m) => [`Master[${m.index}]`, formatAddress(m), keys(m.dbsize), m.written]);
  const lines = [
    renderTable(c, ['MASTER', 'ADDRESS', 'KEYS (DBSIZE)', 'WRITTEN NOW'], rows),
    '',
    `Wrote ${r.written} of ${r.keys} keys in ${r.elapsedMs} ms (${r.opsPerSec} SET/s); the ${r.masters.length === 1 ? 'master' : 'cluster'} now holds ${r.totalKeys} keys.`,
    // One master (a Sentinel deployment) holds every key: nothing to spread.
    ...(r.masters.length > 1
      ? ['Keys spread by hash slot (CRC16 mod 16384), so the counts per master are near-equal, not equal.']
      : []),
  ];
  if (r.errors > 0) lines.push(c.red(`${r.errors} writes failed, e.g.: ${r.errorSamples.join('; ')}`));
  return lines.join('\n');
}
