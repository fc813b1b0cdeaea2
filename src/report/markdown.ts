import { sideBlocks } from './load-rows.js';
import {
  AVAILABILITY_HEAD,
  LOST_HEAD,
  STEPS_HEAD,
  TIMELINE_HEAD,
  availabilityRows,
  errorRows,
  keyFigureRows,
  loopOf,
  lostRows,
  partitionLines,
  phaseRow,
  restartSentence,
  sentinelLines,
  slotMapRows,
  stepRows,
  timelineRows,
} from './drill-rows.js';
import { faultSentence, reportTitle, setupSentence, sourceSentence } from './heading.js';
import type { DrillReport } from './model.js';

const row = (cells: (string | number)[]): string =>
  `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]): string[] => [
  row(head),
  row(head.map(() => '---')),
  ...rows.map(row),
];

/** The report as Markdown: what a lab report or an incident review pastes in. */
export function renderMarkdown(r: DrillReport): string {
  const c = r.client;
  const lines = [
    `# ${reportTitle(r)}: ${r.verdict === 'pass' ? 'PASS' : 'FAIL'}`,
    '',
    sourceSentence(r),
    '',
    `${setupSentence(r, (name) => `\`${name}\``)} ${faultSentence(r)}`,
    '',
    '## Verdict',
    '',
    ...table(
      ['check', 'result', 'detail'],
      r.checks.map((k) => [k.name, k.passed ? 'pass' : 'FAIL', k.detail]),
    ),
    '',
    '## Steps',
    '',
    ...table(STEPS_HEAD, stepRows(r)),
    '',
    '## Key figures',
    '',
    ...table(['figure', 'value', 'source'], keyFigureRows(r)),
    '',
    ...(r.availability
      ? [
          '## Availability per master (write probe)',
          '',
          r.availability.method + '.',
          '',
          ...table(AVAILABILITY_HEAD, availabilityRows(r)),
          '',
        ]
      : []),
    ...(r.partition ? ['## Partition', '', ...partitionLines(r), ''] : []),
    ...(r.sentinel
      ? ['## Sentinel', '', ...sentinelLines(r).flatMap((l) => [l, '']), r.sentinel.staleMethod + '.', '']
      : []),
    ...(r.writeLog ? writeLogMarkdown(r) : []),
    ...sideBlocks(r).flatMap((b) => [
      `## ${b.title}`,
      '',
      ...b.lines.flatMap((l) => [l, '']),
      ...b.tables.flatMap((t) => [...table(t.head, t.rows), '']),
    ]),
    `## Client impact (the load: ${loopOf(c.mode)}, client side)`,
    '',
    `Load: ${c.mode}.`,
    '',
    ...table(
      ['phase', 'time', 'throughput', 'errors', 'p50 ms', 'p99 ms', 'max ms'],
      [phaseRow('before', c.phases.before), phaseRow('during', c.phases.during), phaseRow('after', c.phases.after)],
    ),
    '',
    ...(Object.keys(c.errorsByClass).length
      ? table(['error class', 'count', 'last message'], errorRows(c))
      : ['No operation failed.']),
    ...(restartSentence(c) ? ['', restartSentence(c)!] : []),
    '',
    '## Timeline',
    '',
    r.setup.clock,
    '',
    ...table(TIMELINE_HEAD(r), timelineRows(r)),
    '',
    '## Slot map before',
    '',
    ...table(['master', 'keys', 'replicas'], slotMapRows(r.slotMapBefore)),
    '',
    '## Slot map after',
    '',
    ...table(['master', 'keys', 'replicas'], slotMapRows(r.slotMapAfter)),
    '',
  ];
  if (r.consistency) {
    lines.push(
      '## Consistency',
      '',
      ...table(
        ['master', 'counters', 'acknowledged', 'value', 'lost', 'unacknowledged applied'],
        r.consistency.groups.map((g) => [
          g.master,
          g.counters,
          g.acknowledged,
          g.value,
          g.lost,
          g.unacknowledgedApplied,
        ]),
      ),
      '',
    );
  }
  for (const l of r.logs) lines.push(`## Log: ${l.title}`, '', '```', ...l.lines, '```', '');
  return lines.join('\n');
}

function writeLogMarkdown(r: DrillReport): string[] {
  const w = r.writeLog!;
  return [
    '## Lost writes (write log)',
    '',
    `${w.method}.`,
    '',
    ...table(
      ['master (at the start)', 'acknowledged', 'lost', 'lost %'],
      w.masters.map((m) => [m.label, m.acknowledged, m.lost, `${m.lostPercent}%`]),
    ),
    '',
    ...(w.lostWrites.length
      ? [
          `The first ${Math.min(20, w.lostWrites.length)} of ${w.lost} lost writes:`,
          '',
          ...table(LOST_HEAD, lostRows(w.lostWrites)),
          '',
        ]
      : []),
    ...(w.unacknowledgedPresent.length
      ? [
          `Unacknowledged but present (${w.unacknowledgedApplied}; the first ${Math.min(20, w.unacknowledgedPresent.length)}):`,
          '',
          ...table(['id', 'key', 'slot', 'failed at'], lostRows(w.unacknowledgedPresent)),
          '',
        ]
      : []),
  ];
}
