import type { ChalkInstance } from 'chalk';
import type { PartitionLeft } from '../faults/partition-left.js';

/** The lines `status` adds when a partition is still in place: what, where, since when, and how to remove it. */
export function partitionLines(c: ChalkInstance, p: PartitionLeft | null): string[] {
  if (!p) return [];
  const sides = p.sides[0].length ? ` {${p.sides[0].join(', ')}} | {${p.sides[1].join(', ')}}` : '';
  const since = p.startedAt ? ` since ${localTime(p.startedAt)}` : '';
  const where =
    p.rulesOn === null
      ? 'recorded in the state file (run as root to see the firewall itself)'
      : p.rulesOn.length
        ? `its rules are in the firewall of ${p.rulesOn.join(', ')}`
        : 'recorded in the state file, but no rule of it is in any firewall now';
  return [
    '',
    c.yellow(
      `A network partition is still in place${p.mode ? ` (${p.mode})` : ''}${sides}${since}: iptables chain ${p.chain}, ${where}.`,
    ),
    c.yellow(`Remove it with: ${p.heal}`),
  ];
}

/** "14:02:07" on this machine's clock, as the timelines print times. */
function localTime(iso: string): string {
  const d = new Date(iso);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
