import { renderChart } from './chart.js';
import { sideBlocks, sideLanes } from './load-rows.js';
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

export const esc = (s: unknown): string =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const table = (head: string[], rows: unknown[][]): string =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}.pass{color:#17803d}.fail{color:#c62828}table{border-collapse:collapse;margin:.5rem 0 1.2rem}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:12px}svg{width:100%;height:auto;border:1px solid #eee}
svg .plot{fill:#fcfcfc;stroke:#ddd}svg .ops{fill:none;stroke:#1f6fd1;stroke-width:1.5}svg .p99{fill:none;stroke:#e07b00;stroke-width:1.2}
svg .errors{fill:#d32f2f;opacity:.7}svg .marker line{stroke:#555;stroke-dasharray:4 3}svg text{font-size:11px;fill:#333}
svg .marker-label-bg{fill:#fff}svg .marker-label.end{text-anchor:end}svg .tick{text-anchor:middle;fill:#777}
svg .lane-bg{fill:#eef6ee}svg .outage{fill:#d32f2f}svg .lane-label{text-anchor:end;font-size:10px}
svg .partition{fill:#7b1fa2;opacity:.08}svg .lost{stroke:#b71c1c;stroke-width:1}`;

/** One self-contained HTML file (no network needed): tables and an inline SVG chart. */
export function renderHtml(r: DrillReport): string {
  const c = r.client;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(reportTitle(r))} ${esc(r.verdict.toUpperCase())} - ${esc(r.setup.cluster)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(reportTitle(r))}: <span class="${r.verdict}" id="verdict">${r.verdict === 'pass' ? 'PASS' : 'FAIL'}</span></h1>
<p>${esc(sourceSentence(r))}</p>
<p>${esc(setupSentence(r, () => '%NAME%')).replace('%NAME%', `<code>${esc(r.setup.cluster)}</code>`)}
${esc(faultSentence(r))}</p>
<h2>Verdict</h2>
${table(
  ['check', 'result', 'detail'],
  r.checks.map((k) => [k.name, k.passed ? 'pass' : 'FAIL', k.detail]),
)}
<h2>Steps</h2>${table(STEPS_HEAD, stepRows(r))}
<h2>Throughput, p99 latency, errors and unwritable slots</h2>
<figure id="chart">${renderChart(
    c.windows,
    r.markers,
    [
      ...(r.availability?.masters ?? []).map((m) => ({ label: m.label, outages: m.outages, victim: m.victim })),
      ...sideLanes(r, c.windows.length * 100),
    ],
    {
      lostAtMs: (r.writeLog?.lostWrites ?? []).map((x) => x.atMs),
      partition: r.partition ? { fromMs: r.partition.cutMs, toMs: r.partition.healMs } : null,
    },
  )}</figure>
<h2>Key figures</h2>
${table(['figure', 'value', 'source'], keyFigureRows(r))}
${
  r.sentinel
    ? `<h2>Sentinel</h2>${sentinelLines(r)
        .map((l) => `<p>${esc(l)}</p>`)
        .join('')}<p><small>${esc(r.sentinel.staleMethod)}.</small></p>`
    : ''
}
${
  r.partition
    ? `<h2>Partition</h2>${partitionLines(r)
        .map((l) => `<p>${esc(l)}</p>`)
        .join('')}`
    : ''
}
${
  r.writeLog
    ? `<h2>Lost writes (write log)</h2><p>${esc(r.writeLog.method)}.</p>${table(
        ['master (at the start)', 'acknowledged', 'lost', 'lost %'],
        r.writeLog.masters.map((m) => [m.label, m.acknowledged, m.lost, `${m.lostPercent}%`]),
      )}${r.writeLog.lostWrites.length ? table(LOST_HEAD, lostRows(r.writeLog.lostWrites)) : ''}`
    : ''
}
${sideBlocks(r)
  .map(
    (b) =>
      `<h2>${esc(b.title)}</h2>${b.lines.map((l) => `<p>${esc(l)}</p>`).join('')}${b.tables.map((t) => table(t.head, t.rows)).join('')}`,
  )
  .join('\n')}
${r.availability ? `<h2>Availability per master (write probe)</h2><p>${esc(r.availability.method)}.</p>${table(AVAILABILITY_HEAD, availabilityRows(r))}` : ''}
<h2>Client impact (the load: ${loopOf(c.mode)}, client side)</h2>
<p>Load: ${esc(c.mode)}.</p>
${table(['phase', 'time', 'throughput', 'errors', 'p50 ms', 'p99 ms', 'max ms'], [phaseRow('before', c.phases.before), phaseRow('during', c.phases.during), phaseRow('after', c.phases.after)])}
${Object.keys(c.errorsByClass).length ? table(['error class', 'count', 'last message'], errorRows(c)) : '<p>No operation failed.</p>'}
${restartSentence(c) ? `<p>${esc(restartSentence(c)!)}</p>` : ''}
<h2>Timeline</h2><p>${esc(r.setup.clock)}</p>
${table(TIMELINE_HEAD(r), timelineRows(r))}
<h2>Slot map before</h2>${table(['master', 'keys', 'replicas'], slotMapRows(r.slotMapBefore))}
<h2>Slot map after</h2>${table(['master', 'keys', 'replicas'], slotMapRows(r.slotMapAfter))}
${
  r.consistency
    ? `<h2>Consistency</h2>${table(
        ['master', 'counters', 'acknowledged', 'value', 'lost', 'unacknowledged applied'],
        r.consistency.groups.map((g) => [
          g.master,
          g.counters,
          g.acknowledged,
          g.value,
          g.lost,
          g.unacknowledgedApplied,
        ]),
      )}`
    : ''
}
${r.logs.map((l) => `<h2>Log: ${esc(l.title)}</h2><pre>${esc(l.lines.join('\n'))}</pre>`).join('\n')}
<p><small>redis-drill ${esc(r.tool.version)}, report schema ${r.schemaVersion}, generated ${esc(r.generatedAt)}.</small></p>
</body></html>
`;
}
