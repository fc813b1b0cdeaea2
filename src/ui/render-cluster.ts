import type { ChalkInstance } from 'chalk';
import type { CreateResult } from '../cluster/create.js';
import type { DestroyResult, StartResult, StopResult } from '../cluster/lifecycle.js';
import { formatRanges } from '../cluster/slots.js';
import type { StatusNode, StatusResult } from '../cluster/status.js';
import { formatAddress } from '../nodes/client.js';
import { partitionLines } from './render-partition.js';
import { renderTable } from './table.js';

export const shortId = (id: string | null): string => (id ? id.slice(0, 8) : '-');

export function renderCreate(c: ChalkInstance, r: CreateResult): string {
  const byId = new Map(r.nodes.map((n) => [n.id, n]));
  const remote = r.nodes.some((n) => n.machine !== 'local');
  const rows = r.nodes.map((n) => {
    const master = n.masterId ? byId.get(n.masterId) : undefined;
    return [
      shortId(n.id),
      ...(remote ? [n.machine] : []),
      formatAddress(n),
      n.role,
      master ? formatAddress(master) : '-',
      formatRanges(n.slots),
      n.pid ?? '-',
    ];
  });
  const masters = r.nodes.filter((n) => n.role === 'master').length;
  return [
    renderTable(c, ['ID', ...(remote ? ['HOST'] : []), 'ADDRESS', 'ROLE', 'MASTER', 'SLOTS', 'PID'], rows),
    '',
    `Cluster "${r.cluster}" is ready: ${masters} masters, ${r.nodes.length - masters} replicas, ${r.server.flavor}-server ${r.server.version}, node timeout ${r.nodeTimeoutMs} ms. Took ${r.elapsedMs} ms.`,
  ].join('\n');
}

function stateCell(c: ChalkInstance, n: StatusNode): string {
  if (n.up) return c.green('up');
  if (n.process === 'frozen') return c.yellow('frozen');
  return c.red('down');
}

export function renderStatus(c: ChalkInstance, r: StatusResult): string {
  // Nodes on SSH hosts: say which machine, as the address may be one it binds to, not the one SSH uses.
  const remote = r.nodes.some((n) => n.machine !== null && n.machine !== 'local');
  const rows = r.nodes.map((n) => [
    shortId(n.id),
    ...(remote ? [n.machine ?? '-'] : []),
    formatAddress(n),
    n.role ?? '?',
    n.master ?? (n.masterId ? shortId(n.masterId) : '-'),
    formatRanges(n.slots),
    n.linkState ?? '-',
    n.flags.length ? c.red(n.flags.join(',')) : '-',
    n.configEpoch ?? '-',
    n.dbsize ?? '?',
    n.pid ?? '-',
    stateCell(c, n),
  ]);
  const state = r.clusterState === 'ok' ? c.green('ok') : c.red(r.clusterState);
  const down = r.nodes.filter((n) => !n.up);
  const lines = [
    `cluster ${r.cluster}: cluster_state ${state}, ${r.nodes.length - down.length} of ${r.nodes.length} nodes answering${r.persistence ? `, persistence ${r.persistence}` : ''}`,
    '',
    renderTable(
      c,
      [
        'ID',
        ...(remote ? ['HOST'] : []),
        'ADDRESS',
        'ROLE',
        'MASTER',
        'SLOTS',
        'LINK',
        'FLAGS',
        'EPOCH',
        'KEYS',
        'PID',
        'STATE',
      ],
      rows,
    ),
  ];
  for (const n of down) lines.push(`${formatAddress(n)}: ${n.error ?? 'down'}`);
  lines.push(...partitionLines(c, r.partition));
  return lines.join('\n');
}

type Kind = 'cluster' | 'sentinel';
const title = (kind: Kind, name: string): string => `${kind === 'cluster' ? 'Cluster' : 'Deployment'} "${name}"`;

export function renderStop(r: StopResult, kind: Kind = 'cluster'): string {
  return `${title(kind, r.cluster)}: stopped ${r.stopped.length} node(s)${r.notRunning.length ? `, ${r.notRunning.length} were not running` : ''}. Data kept; start it again with: redis-drill ${kind} start${r.cluster === 'default' ? '' : ` --cluster ${r.cluster}`}`;
}

export function renderStart(r: StartResult, kind: Kind = 'cluster'): string {
  return `${title(kind, r.cluster)}: started ${r.started.length} node(s)${r.alreadyRunning.length ? ` (${r.alreadyRunning.length} already running)` : ''}; ${kind === 'cluster' ? 'cluster_state ok' : 'every sentinel agrees on the master'} in ${r.elapsedMs} ms.`;
}

export function renderDestroy(r: DestroyResult, kind: Kind = 'cluster'): string {
  if (!r.removed && r.stopped.length === 0 && r.notRunning.length === 0)
    return `${title(kind, r.cluster)}: nothing to destroy (${r.dir} does not exist).`;
  const what = r.removed ? `removed ${r.dir}` : `kept the data in ${r.dir}`;
  const healed = r.healed.length
    ? ` Removed the network partition still in place (iptables, on ${r.healed.join(', ')}).`
    : '';
  return `${title(kind, r.cluster)}: stopped ${r.stopped.length} node(s)${r.notRunning.length ? ` (${r.notRunning.length} already gone)` : ''}, ${what}.${healed}`;
}
