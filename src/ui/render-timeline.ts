import type { ChalkInstance } from 'chalk';
import { RESTORE_HEADLINES, type RestoreName, findFault } from '../faults/catalog.js';
import type { FaultResult } from '../faults/result.js';
import { formatAddress } from '../nodes/address.js';
import { renderTable } from './table.js';
import { minorityWindow } from '../report/minority-window.js';

function clockTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The headline's first word, from the fault catalogue (or the restore's own). */
function headlineOf(r: FaultResult): string {
  const restore = RESTORE_HEADLINES[r.fault as RestoreName] as string | undefined;
  return findFault(r.fault)?.entry.headline ?? restore ?? r.action;
}

/** The timeline a student pastes into a lab report, then the verdict and the raw log lines. */
export function renderFault(c: ChalkInstance, r: FaultResult): string {
  // A Sentinel deployment's nodes have no cluster id: their id is their address, not repeated.
  const id = (n: { id: string | null; host: string; port: number }): string =>
    n.id && n.id !== formatAddress(n) ? ` (${n.id.slice(0, 8)})` : '';
  const victim = `${r.victim.index !== undefined ? `Master[${r.victim.index}] ` : ''}${formatAddress(r.victim)}${id(r.victim)}`;
  const at = `at ${clockTime(Date.parse(r.faultAt))} (local clock)`;
  // A partition's and a heal's own words say what was done to whom.
  const headline =
    r.action === 'partition' || r.action === 'heal'
      ? `${headlineOf(r)}: ${r.how}, ${at}.`
      : `${headlineOf(r)} ${victim} with ${r.how} ${at}.`;
  const lines = [headline, ''];
  const rows = r.events
    .filter((e) => e.tMs >= -5)
    .map((e) => [
      `${e.tMs >= 0 ? '+' : ''}${e.tMs} ms`,
      `${e.source} ${e.node}`.trim(),
      e.kind,
      e.detail,
      e.logTime !== undefined ? clockTime(e.logTime) : clockTime(Date.parse(r.faultAt) + e.tMs),
    ]);
  lines.push(renderTable(c, ['T', 'SOURCE', 'EVENT', 'DETAIL', 'CLOCK'], rows), '');
  if (r.outcome === 'deadline-exceeded') {
    lines.push(
      c.red(`Not done within the deadline of ${r.deadlineMs} ms: waited for ${r.waitedFor}.`),
      c.red(`Last seen: ${r.lastSeen}`),
    );
  } else if (r.outcome === 'not-waited') {
    lines.push(
      r.action === 'partition' && r.waitedFor === 'the end of the partition'
        ? 'No master is cut off from a replica of its own: there is no promotion to watch.'
        : 'Not watching (--no-wait).',
    );
  }
  if (r.promoted) {
    const sentinel = r.masterModeMs !== undefined;
    const src =
      r.promotionSource !== 'log'
        ? 'the first poll that saw it master'
        : sentinel
          ? 'the first sentinel\'s "+switch-master" log line'
          : 'its own "Failover election won" log line';
    const mode =
      sentinel && r.masterModeMs !== null ? ` Its own "MASTER MODE enabled" came after ${r.masterModeMs} ms.` : '';
    lines.push(
      c.green(
        `Promoted: ${formatAddress(r.promoted)}${id(r.promoted)} after ${r.promotionMs} ms, measured from the fault to ${src}.${mode}`,
      ),
    );
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
  if (r.wiped) lines.push(...wipeLines(c, r.wiped));
  if (r.partition) lines.push(...partitionLines(c, r));
  if (r.action === 'heal' && !r.partition && r.how === 'nothing to heal')
    lines.push('Nothing to heal: no rule of this cluster was in place.');
  lines.push(c.dim(r.clock));
  if (r.log && r.log.lines.length > 0) {
    lines.push('', `Log of ${r.log.node} during the drill:`, ...r.log.lines.map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

/** A master back empty: loudly, with each replica's keys before and now. */
function wipeLines(c: ChalkInstance, w: NonNullable<FaultResult['wiped']>): string[] {
  return [
    c.red(
      `WARNING: ${w.node} came back as a master with ${w.keysAfter} keys, before the cluster failed it over: its shard is lost, and its replicas resynchronize from it.`,
    ),
    ...w.replicas.map((r) =>
      c.red(`  replica ${r.node}: ${r.keysBefore} keys before the restart, ${r.keysNow ?? '?'} now`),
    ),
    c.red(
      '  A master without persistence (appendonly no, no RDB save) that restarts before its node timeout loses everything; turn persistence on, or let it stay down until a replica is promoted.',
    ),
  ];
}

/** What was cut, the cut-off master's own window, the heal; and what a one-way cut really does. */
function partitionLines(c: ChalkInstance, r: FaultResult): string[] {
  const p = r.partition!;
  const out = [
    `Partition (${p.mode}${p.loss !== null ? `, ${Math.round(p.loss * 100)}% loss` : ''}, iptables chain ${p.chain}): {${p.sides[0].join(', ')}} | {${p.sides[1].join(', ')}}.`,
  ];
  if (p.minorityFail?.ms !== null && p.minorityFail) {
    out.push(
      minorityWindow(p.mode, { node: p.minorityFail.node, ms: p.minorityFail.ms, nodeTimeoutMs: p.nodeTimeoutMs }),
    );
  }
  if (p.direction !== 'both')
    out.push(
      c.dim(
        'One-way: TCP needs packets both ways, so a connection whose acknowledgements are dropped soon behaves as if cut both ways.',
      ),
    );
  if (r.action === 'partition' && p.healedAt === null)
    out.push(
      c.yellow(
        `The partition stays in place: remove it with redis-drill cluster heal${r.cluster === 'default' ? '' : ` --cluster ${r.cluster}`}`,
      ),
    );
  return out;
}
