import type { ClientTimeline, MatrixCell } from '../clients/matrix.js';
import { cellGrade, cellShort } from '../clients/matrix.js';
import type { ClientsReport } from '../clients/run.js';
import { esc } from './html.js';

/** One row per client, one column per fault: the cell in a few words. Pure. */
export function matrixRows(r: ClientsReport): {
  head: string[];
  rows: { client: string; cells: (MatrixCell | null)[] }[];
} {
  const faults = r.faults.map((f) => f.fault);
  return {
    head: ['client', 'library', 'version', ...faults],
    rows: r.clients.map((c) => ({
      client: c.name,
      cells: faults.map((f) => r.matrix.find((m) => m.client === c.name && m.fault === f) ?? null),
    })),
  };
}

const about = (r: ClientsReport, name: string): string => {
  const c = r.clients.find((x) => x.name === name);
  return c?.shipped ? `${c.library} ${c.version} (${c.config})` : `own client: ${c?.cmd ?? ''}`;
};

function heading(r: ClientsReport): string {
  const d = r.deployment;
  return `${d.kind === 'sentinel' ? 'Sentinel deployment' : 'Cluster'} "${d.cluster}", ${d.server}, node timeout ${d.nodeTimeoutMs ?? '?'} ms`;
}

const LEGEND =
  'A cell: how long after the fault the client succeeded again after its last failed or slow (over 1 s) operation ("unaffected": none after the fault); "hung N s": an operation still waiting at the end; "died +N s": it exited; "never succeeded": not one operation went through; with "N stuck" (operations over 5 s) and "N lost" (acknowledged writes missing when read back). Green: unaffected or back within 5 s, nothing lost; yellow: slower, or stuck operations; red: died, hung, never recovered, or writes lost.';

/** The Markdown matrix (report.md). Pure. */
export function renderMatrixMarkdown(r: ClientsReport): string {
  const { head, rows } = matrixRows(r);
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const out = [
    `# Client matrix`,
    '',
    heading(r),
    '',
    line(head),
    line(head.map(() => '---')),
    ...rows.map((row) => {
      const c = r.clients.find((x) => x.name === row.client)!;
      return line([
        row.client,
        c.library ?? 'own',
        c.version ?? '-',
        ...row.cells.map((m) => (m ? cellShort(m) : '-')),
      ]);
    }),
    '',
    LEGEND,
    '',
    '## Verdicts',
    '',
    ...r.faults.flatMap((f) => [
      `### ${f.fault}${f.drillPassed ? '' : ' (the drill itself failed a check: see its report)'}`,
      '',
      `Report: [${f.report}](${f.report})${f.failedChecks.length ? `. Failed: ${f.failedChecks.join('; ')}` : ''}`,
      '',
      ...r.matrix
        .filter((m) => m.fault === f.fault)
        .map(
          (m) =>
            `- **${m.client}**: ${m.verdict} (${m.ops} operations, ${m.acknowledgedWrites} acknowledged writes${errorsText(m)})`,
        ),
      '',
    ]),
    ...(r.skipped.length ? ['## Not run', '', ...r.skipped.map((s) => `- ${s.name}: ${s.reason}`), ''] : []),
    '## How it was measured',
    '',
    r.method,
    '',
  ];
  return out.join('\n');
}

const errorsText = (m: MatrixCell): string => {
  const e = Object.entries(m.errors);
  return e.length ? `; errors: ${e.map(([k, v]) => `${k} ${v}`).join(', ')}` : '';
};

const COLOURS = { good: '#c8ecd0', slow: '#fdf0c2', bad: '#f7c9c9' } as const;

/** The HTML matrix (report.html): coloured cells, each linking to that client's timeline through that fault. Pure. */
export function renderMatrixHtml(r: ClientsReport): string {
  const { head, rows } = matrixRows(r);
  // Client names are letters, digits and . _ - (--client NAME=CMD), fault names the catalogue's: a valid id as they are.
  const id = (m: MatrixCell): string => esc(`t-${m.fault}-${m.client}`);
  const table = `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => {
      const c = r.clients.find((x) => x.name === row.client)!;
      const cells = row.cells
        .map((m) =>
          m
            ? `<td style="background:${COLOURS[cellGrade(m)]}" title="${esc(m.verdict)}"><a href="#${id(m)}">${esc(cellShort(m))}</a></td>`
            : '<td>-</td>',
        )
        .join('');
      return `<tr><td>${esc(row.client)}</td><td>${esc(c.library ?? 'own')}</td><td>${esc(c.version ?? '-')}</td>${cells}</tr>`;
    })
    .join('')}</tbody></table>`;
  const timelines = r.faults
    .map(
      (f) =>
        `<h2>${esc(f.fault)}</h2><p>The drill's own report: <a href="${esc(f.report)}">${esc(f.report)}</a>${f.drillPassed ? '' : ` <b class="fail">(failed: ${esc(f.failedChecks.join('; '))})</b>`}</p>` +
        r.matrix
          .filter((m) => m.fault === f.fault)
          .map((m) => {
            const t = r.timelines.find((x) => x.client === m.client && x.fault === m.fault);
            return `<h3 id="${id(m)}">${esc(m.client)} <small>${esc(about(r, m.client))}</small></h3><p>${esc(m.verdict)}. ${m.ops} operations, ${m.acknowledgedWrites} acknowledged writes, ${m.lostWrites} lost${esc(errorsText(m))}${m.lastError ? `; last error: <code>${esc(m.lastError)}</code>` : ''}</p>${t ? strip(t) : ''}`;
          })
          .join(''),
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Client matrix: ${esc(r.deployment.cluster)}</title><style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f4f4f4}td a{color:inherit}.fail{color:#c62828}svg{display:block;margin-bottom:1rem}</style></head><body><h1>Client matrix</h1><p>${esc(heading(r))}</p>${table}<p>${esc(LEGEND)}</p>${timelines}${r.skipped.length ? `<h2>Not run</h2><ul>${r.skipped.map((s) => `<li>${esc(s.name)}: ${esc(s.reason)}</li>`).join('')}</ul>` : ''}<h2>How it was measured</h2><p>${esc(r.method)}</p></body></html>\n`;
}

/** Operations per window as bars (green: successes, red: errors) with the fault as a line at 0. */
function strip(t: ClientTimeline): string {
  const n = t.ok.length;
  const w = Math.max(1, Math.min(8, Math.floor(1000 / Math.max(n, 1))));
  const max = Math.max(1, ...t.ok.map((v, i) => v + t.errors[i]!));
  const h = 40;
  const bars = t.ok
    .map((ok, i) => {
      const e = t.errors[i]!;
      const okH = Math.round((ok / max) * h);
      const eH = Math.round((e / max) * h);
      return `${okH ? `<rect x="${i * w}" y="${h - okH}" width="${w}" height="${okH}" fill="#2e7d32"/>` : ''}${eH ? `<rect x="${i * w}" y="${h - okH - eH}" width="${w}" height="${eH}" fill="#c62828"/>` : ''}`;
    })
    .join('');
  const faultX = Math.round((-t.fromMs / t.windowMs) * w);
  return `<svg width="${n * w + 2}" height="${h + 14}" role="img" aria-label="operations per ${t.windowMs} ms"><rect x="0" y="0" width="${n * w}" height="${h}" fill="#fafafa"/>${bars}<line x1="${faultX}" x2="${faultX}" y1="0" y2="${h}" stroke="#000" stroke-dasharray="3,2"/><text x="${faultX + 3}" y="${h + 12}" font-size="10">fault (bars: ${t.windowMs} ms)</text></svg>`;
}
