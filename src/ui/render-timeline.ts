import type { ChalkInstance } from 'chalk';
import type { FaultResult } from '../faults/report.js';
import { formatAddress } from '../nodes/address.js';
import { renderTable } from './table.js';

function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const HEADLINE: Record<FaultResult['action'], string> = {
  'kill-master': 'Broke',
  'restart-node': 'Restarted',
  'resume-node': 'Resumed',
  failover: 'Manual failover away from',
  partition: 'Cut off',
  heal: 'Healed the partition around',
};

/** The timeline a student pastes into a lab report, then the verdict and the raw log lines. */
export function renderFault(c: ChalkInstance, r: FaultResult): string {
  const victim = `${r.victim.index !== undefined ? `Master[${r.victim.index}] ` : ''}${formatAddress(r.victim)}${r.victim.id ? ` (${r.victim.id.slice(0, 8)})` : ''}`;
  const lines = [`${HEADLINE[r.action]} ${victim} with ${r.how} at ${clockTime(Date.parse(r.faultAt))} (local clock).`, ''];
  const rows = r.events
    .filter((e) => e.tMs >= -5)
    .map((e) => [
      `${e.tMs >= 0 ? '+' : ''}${e.tMs} ms`,
      e.source === 'log' ? `log ${e.node}` : `poll ${e.node}`,
      e.kind,
      e.detail,
      e.logTime !== undefined ? clockTime(e.logTime) : clockTime(Date.parse(r.faultAt) + e.tMs),
    ]);
  lines.push(renderTable(c, ['T', 'SOURCE', 'EVENT', 'DETAIL', 'CLOCK'], rows), '');
  if (r.outcome === 'deadline-exceeded') {
    lines.push(c.red(`Not done within the deadline of ${r.deadlineMs} ms: waited for ${r.waitedFor}.`), c.red(`Last seen: ${r.lastSeen}`));
  } else if (r.outcome === 'not-waited') {
    lines.push('Not watching the promotion (--no-wait).');
  }
  if (r.promoted) {
    const src = r.promotionSource === 'log' ? 'its own "Failover election won" log line' : 'the first poll that saw it master';
    lines.push(c.green(`Promoted: ${formatAddress(r.promoted)} (${r.promoted.id.slice(0, 8)}) after ${r.promotionMs} ms, measured from the fault to ${src}.`));
  }
  if (r.rejoined) {
    lines.push(
      c.green(
        r.rejoined.role === 'replica'
          ? `Rejoined: ${formatAddress(r.victim)} is a replica of ${r.rejoined.master} (checked with ROLE), link up after ${r.rejoinMs} ms.`
          : `Rejoined: ${formatAddress(r.victim)} is a master again (no failover had happened), cluster_state ok after ${r.rejoinMs} ms.`,
      ),
    );
  }
  if (r.partition) lines.push(...partitionLines(c, r));
  if (r.action === 'heal' && !r.partition && r.how === 'nothing to heal') lines.push('Nothing to heal: no rule of this cluster was in place.');
  lines.push(c.dim(r.clock));
  if (r.log && r.log.lines.length > 0) {
    lines.push('', `Log of ${r.log.node} during the drill:`, ...r.log.lines.map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

/** What was cut, the cut-off master's own window, the heal; and what a one-way cut really does. */
function partitionLines(c: ChalkInstance, r: FaultResult): string[] {
  const p = r.partition!;
  const out = [`Partition (${p.mode}${p.loss !== null ? `, ${Math.round(p.loss * 100)}% loss` : ''}, iptables chain ${p.chain}): {${p.sides[0].join(', ')}} | {${p.sides[1].join(', ')}}.`];
  if (p.minorityFail?.ms !== null && p.minorityFail) {
    out.push(`${p.minorityFail.node} said "Cluster state changed: fail" ${p.minorityFail.ms} ms after the cut (node timeout ${p.nodeTimeoutMs} ms): until then it acknowledged writes that the majority never saw.`);
  }
  if (p.direction !== 'both') out.push(c.dim('One-way: TCP needs packets both ways, so a connection whose acknowledgements are dropped soon behaves as if cut both ways.'));
  if (r.action === 'partition' && p.healedAt === null) out.push(c.yellow(`The partition stays in place: remove it with redis-drill cluster heal${r.cluster === 'default' ? '' : ` --cluster ${r.cluster}`}`));
  return out;
}
