import type { ChalkInstance } from 'chalk';
import type { AdapterStatus } from '../clients/adapters.js';
import { cellGrade, cellShort } from '../clients/matrix.js';
import type { ClientsReport } from '../clients/run.js';
import { matrixRows } from '../report/clients-matrix.js';
import { renderTable } from './table.js';

/** `clients --list`: the shipped adapters and whether this machine can run them. */
export function renderAdapterList(c: ChalkInstance, list: readonly AdapterStatus[]): string {
  return renderTable(
    c,
    ['name', 'library', 'language', 'config', 'installed', 'version / why not'],
    list.map((s) => [
      s.adapter.name,
      s.adapter.library,
      s.adapter.language,
      s.adapter.config,
      s.installed ? c.green('yes') : c.yellow('no'),
      s.installed ? (s.version ?? '') : (s.reason ?? ''),
    ]),
  );
}

/** The matrix on stdout: a coloured cell per client and fault, then the report's files. */
export function renderClientsMatrix(c: ChalkInstance, r: ClientsReport, files: readonly string[]): string {
  const { head, rows } = matrixRows(r);
  const paint = { good: c.green, slow: c.yellow, bad: c.red } as const;
  const table = renderTable(
    c,
    head,
    rows.map((row) => {
      const client = r.clients.find((x) => x.name === row.client)!;
      return [
        row.client,
        client.library ?? 'own',
        client.version ?? '-',
        ...row.cells.map((m) => (m ? paint[cellGrade(m)](cellShort(m)) : '-')),
      ];
    }),
  );
  const failed = r.faults.filter((f) => !f.drillPassed);
  return [
    table,
    ...failed.map((f) => c.yellow(`The ${f.fault} drill itself failed a check: ${f.failedChecks.join('; ')}`)),
    ...r.skipped.map((s) => c.dim(`Not run: ${s.name}: ${s.reason}`)),
    `Report: ${files.join(', ')}`,
  ].join('\n');
}
