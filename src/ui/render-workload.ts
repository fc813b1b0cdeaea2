import type { ChalkInstance } from 'chalk';
import {
  DOUBLE_GRANT_HEAD,
  LOCK_SUMMARY_HEAD,
  PUBSUB_HEAD,
  doubleGrantRows,
  lockSentence,
  lockSummaryRow,
  pubsubRows,
  pubsubSentence,
} from '../report/load-rows.js';
import type { SecondLine, WorkloadResult } from '../workload/workload-types.js';
import type { SideLoadResults } from '../workload/side-loads.js';
import { renderTable } from './table.js';

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : `${v} ms`);

export function renderSecond(s: SecondLine): string {
  return `${String(s.second).padStart(4)}s  ${String(s.ops).padStart(7)} ops/s  p50 ${ms(s.p50Ms)}  p99 ${ms(s.p99Ms)}  max ${ms(s.maxMs)}  errors ${s.errors}`;
}

export function renderWorkload(c: ChalkInstance, r: WorkloadResult & Partial<SideLoadResults>): string {
  const l = r.latency;
  const lines = [
    `${r.ops} operations in ${(r.durationMs / 1000).toFixed(1)} s: ${r.opsPerSec} ops/s (${r.mode}${r.rateOps ? ` at ${r.rateOps} ops/s` : `, ${r.clients} clients`}), ${r.errors} errors.`,
    '',
    renderTable(
      c,
      ['LATENCY', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      [['ms', l?.p50Ms ?? '-', l?.p90Ms ?? '-', l?.p99Ms ?? '-', l?.p999Ms ?? '-', l?.maxMs ?? '-']],
    ),
  ];
  const classes = Object.entries(r.errorsByClass);
  if (classes.length) {
    lines.push(
      '',
      renderTable(
        c,
        ['ERROR CLASS', 'COUNT', 'LAST MESSAGE'],
        classes.map(([k, n]) => [k, n, (r.lastErrors as Record<string, string>)[k]?.slice(0, 80) ?? '']),
      ),
    );
  }
  if (r.clientRestarts.length)
    lines.push(
      '',
      c.yellow(
        `The client ended itself for good ${r.clientRestarts.length} time(s) (at +${r.clientRestarts.join(' ms, +')} ms: ioredis issue #1683) and was replaced at once.`,
      ),
    );
  lines.push(
    '',
    `Longest span with no successful operation: ${r.longestGap.ms} ms (from +${r.longestGap.fromMs} ms to +${r.longestGap.toMs} ms).`,
  );
  // Counters only when the mix had INCRs: "0 acknowledged INCRs, nothing lost" would say nothing true.
  if (
    r.consistency &&
    r.consistency.acknowledged + r.consistency.groups.reduce((n, g) => n + g.unacknowledgedSent, 0) > 0
  ) {
    const k = r.consistency;
    const verdict = k.lost === 0 ? c.green('no acknowledged write lost') : c.red(`${k.lost} acknowledged writes LOST`);
    lines.push(
      '',
      `Consistency (${k.counters} counters, ${k.acknowledged} acknowledged INCRs): ${verdict}; ${k.unacknowledgedApplied} unacknowledged writes were applied${k.unreadable ? `; ${k.unreadable} counters unreadable` : ''}.`,
      renderTable(
        c,
        ['MASTER', 'COUNTERS', 'ACKED', 'VALUE', 'LOST', 'UNACKED APPLIED'],
        k.groups.map((g) => [g.master, g.counters, g.acknowledged, g.value, g.lost, g.unacknowledgedApplied]),
      ),
    );
  }
  if (r.writeLog) {
    const w = r.writeLog;
    const verdict =
      w.lost === 0
        ? c.green('no acknowledged write lost')
        : c.red(
            `${w.lost} acknowledged writes LOST (${w.lostPercent}%), acknowledged from +${w.lostAcknowledgedFromMs} to +${w.lostAcknowledgedToMs} ms`,
          );
    lines.push(
      '',
      `Write log (${w.acknowledged} acknowledged adds in ${w.keys.length} sets): ${verdict}; ${w.unacknowledgedApplied} unacknowledged adds are present${w.unreadableKeys ? `; ${w.unreadableKeys} sets unreadable` : ''}.`,
    );
    if (w.lostWrites.length)
      lines.push(
        renderTable(
          c,
          ['LOST ID', 'KEY', 'SLOT', 'ACKNOWLEDGED AT'],
          w.lostWrites.slice(0, 10).map((x) => [x.id, x.key, x.slot, `+${x.atMs} ms`]),
        ),
      );
  }
  if (r.lock) {
    const k = r.lock;
    lines.push(
      '',
      `Locks (${k.clients} clients, ${k.locks.length} locks, hold ${k.holdMs} ms, TTL ${k.ttlMs} ms): ${k.doubleGrants.length ? c.red(lockSentence(k)) : c.green(lockSentence(k))}`,
      renderTable(
        c,
        LOCK_SUMMARY_HEAD.map((h) => h.toUpperCase()),
        [lockSummaryRow(k)],
      ),
    );
    if (k.doubleGrants.length)
      lines.push(
        renderTable(
          c,
          DOUBLE_GRANT_HEAD.map((h) => h.toUpperCase()),
          doubleGrantRows(k, null, 10),
        ),
      );
  }
  if (r.pubsub) {
    const p = r.pubsub;
    lines.push(
      '',
      `Pub/sub: ${p.lost ? c.red(pubsubSentence(p)) : c.green(pubsubSentence(p))}`,
      renderTable(
        c,
        PUBSUB_HEAD.map((h) => h.toUpperCase()),
        pubsubRows(p),
      ),
    );
  }
  return lines.join('\n');
}
