import type { ChalkInstance } from 'chalk';
import type { DrillReport, Measured } from '../report/model.js';
import { fig, keysText, loopOf } from '../report/drill-rows.js';
import { renderTable } from './table.js';
import { minorityLabel } from '../report/minority-window.js';

/** The summary printed on stdout after a drill; the files hold the rest. */
export function renderReportSummary(c: ChalkInstance, r: DrillReport, files: string[]): string {
  const p = r.client.phases;
  const rows = [
    ['verdict', r.verdict === 'pass' ? c.green('PASS') : c.red('FAIL')],
    ...r.checks.map((k) => [`check: ${k.name}`, `${k.passed ? c.green('pass') : c.red('FAIL')}  ${k.detail}`]),
    ['promotion time', `${fig(r.promotion.ms)} (${r.promotion.ms.source})`],
    ...(r.rejoin ? [['rejoin time', `${fig(r.rejoin.ms)}, ${r.rejoin.resync} resync`]] : []),
    ...(r.availability && r.fault
      ? [["victim's slots unavailable (write probe)", fig(r.availability.victimUnavailable)]]
      : []),
    ...(r.availability
      ? [
          [
            r.fault ? "other masters' slots unavailable (write probe)" : "a master's slots unavailable (write probe)",
            fig(r.availability.othersUnavailable),
          ],
        ]
      : []),
    [
      `load: no success on ${r.fault ? "the victim's slots" : "one master's slots"} (${loopOf(r.client.mode)})`,
      fig(r.client.unavailableVictimSlots),
    ],
    [
      'throughput before / during / after',
      `${fig(p.before.opsPerSec)} / ${fig(p.during.opsPerSec)} / ${fig(p.after.opsPerSec)}`,
    ],
    [
      'p99 before / during / after',
      `${p.before.latency?.p99Ms ?? '-'} / ${p.during.latency?.p99Ms ?? '-'} / ${p.after.latency?.p99Ms ?? '-'} ms`,
    ],
    [
      'failed operations',
      `${fig(r.client.errors)} ${Object.entries(r.client.errorsByClass)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    ],
    [
      'lost / unacknowledged-applied writes',
      r.consistency ? `${r.consistency.lost} / ${r.consistency.unacknowledgedApplied} (counters)` : 'n/a',
    ],
    ['keys before -> after', keysText(r.keys)],
    ...(r.writeLog
      ? [
          [
            'lost writes (write log)',
            `${r.writeLog.lost} of ${r.writeLog.acknowledged} acknowledged (${r.writeLog.lostPercent}%)${r.writeLog.lostAcknowledgedFromMs !== null ? `, acknowledged +${r.writeLog.lostAcknowledgedFromMs}..+${r.writeLog.lostAcknowledgedToMs} ms` : ''}`,
          ],
        ]
      : []),
    ...(r.sentinel
      ? [['+switch-master / MASTER MODE', `${fig(r.sentinel.switchMaster)} / ${fig(r.sentinel.masterMode)}`]]
      : []),
    ...(r.sentinel?.staleMasters ?? []).map((m) => [
      `${m.node} a stale master for`,
      `${m.window.value} ms; ${m.acknowledged} writes acknowledged there, ${m.lost ?? '?'} lost`,
    ]),
    ...(r.partition?.minorityFail.value != null
      ? [
          [
            minorityLabel(r.partition.mode),
            `${r.partition.minorityFail.value} ms after the cut (node timeout ${r.partition.nodeTimeoutMs} ms)`,
          ],
        ]
      : []),
  ];
  const coarse = coarseFigures(r).map(([name, m]) => c.yellow(`warning: ${name}: ${m.warning}`));
  return [renderTable(c, ['', ''], rows), ...coarse, ...witnessLines(r), '', ...files.map((f) => `report: ${f}`)].join(
    '\n',
  );
}

/** --witness: each master's longest gap as the probe and as the independent witness saw it, side by side. */
function witnessLines(r: DrillReport): string[] {
  if (!r.witness || !r.availability) return [];
  const rows = r.witness.masters.map((w) => {
    const p = r.availability!.masters.find((m) => m.index === w.index);
    const diff = p ? w.longestGap.ms - p.longestGap.ms : null;
    return `  ${w.label}: probe ${p?.longestGap.ms ?? '?'} ms, witness ${w.longestGap.ms} ms${diff === null ? '' : ` (difference ${diff >= 0 ? '+' : ''}${diff} ms)`}`;
  });
  return ['', 'Longest span without a successful write, the probe and an independent witness:', ...rows];
}

/** The figures whose error bound is too wide for their digits, by name. */
function coarseFigures(r: DrillReport): [string, Measured][] {
  const all: [string, Measured | undefined][] = [
    ['promotion time', r.promotion.ms],
    ['rejoin time', r.rejoin?.ms],
    ["victim's slots unavailable", r.availability?.victimUnavailable],
    ["other masters' slots unavailable", r.availability?.othersUnavailable],
  ];
  return all.filter((x): x is [string, Measured] => x[1]?.warning !== undefined);
}
