import type { ChalkInstance } from 'chalk';
import type { SentinelCreateResult } from '../sentinel/create.js';
import type { SentinelStatusResult } from '../sentinel/status.js';
import { partitionLines } from './render-partition.js';
import { renderTable } from './table.js';

export function renderSentinelCreate(c: ChalkInstance, r: SentinelCreateResult): string {
  const remote = r.nodes.some((n) => n.machine !== 'local');
  const rows = [
    ...r.nodes.map((n) => [
      `${n.host}:${n.port}`,
      ...(remote ? [n.machine] : []),
      n.role,
      n.master ?? '-',
      n.pid ?? '-',
    ]),
    ...r.sentinels.map((s) => [
      `${s.host}:${s.port}`,
      ...(remote ? [s.machine] : []),
      `sentinel ${s.id.slice(0, 8)}`,
      '-',
      s.pid ?? '-',
    ]),
  ];
  return [
    renderTable(c, ['ADDRESS', ...(remote ? ['HOST'] : []), 'ROLE', 'MASTER', 'PID'], rows),
    '',
    `Sentinel deployment "${r.deployment}" is ready: master "${r.masterName}" with ${r.nodes.length - 1} replica(s), ${r.sentinels.length} sentinel(s), quorum ${r.quorum}, down-after ${r.downAfterMs} ms, ${r.server.flavor}-server ${r.server.version}. Took ${r.elapsedMs} ms.`,
  ].join('\n');
}

export function renderSentinelStatus(c: ChalkInstance, r: SentinelStatusResult): string {
  const up = (ok: boolean): string => (ok ? c.green('up') : c.red('down'));
  const nodes = r.nodes.map((n) => [
    `${n.host}:${n.port}`,
    up(n.up),
    n.role ?? '-',
    n.master ?? '-',
    n.linkUp === null ? '-' : n.linkUp ? 'up' : c.red('down'),
    n.lagBytes ?? '-',
    n.dbsize ?? '?',
    n.pid ?? '-',
    n.process ?? '-',
  ]);
  const sentinels = r.sentinels.map((s) => [
    `${s.host}:${s.port}`,
    up(s.up),
    s.master ?? '-',
    s.flags.filter((f) => f !== 'master').join(',') || '-',
    s.configEpoch ?? '-',
    s.replicas ?? '-',
    s.otherSentinels ?? '-',
    s.pid ?? '-',
    s.process ?? '-',
  ]);
  return [
    renderTable(c, ['DATA NODE', 'STATE', 'ROLE', 'MASTER', 'LINK', 'LAG', 'KEYS', 'PID', 'PROCESS'], nodes),
    '',
    renderTable(
      c,
      ['SENTINEL', 'STATE', 'NAMES MASTER', 'FLAGS', 'EPOCH', 'REPLICAS', 'SENTINELS', 'PID', 'PROCESS'],
      sentinels,
    ),
    '',
    r.master
      ? `The sentinels ${r.agreed ? 'agree' : c.red('disagree')}: "${r.masterName}" is ${r.master}.`
      : c.red(`No sentinel names a master for "${r.masterName}".`),
    ...partitionLines(c, r.partition),
  ].join('\n');
}
