import { formatRanges } from '../cluster/slots.js';
import type { SlotMap } from '../cluster/slotmap.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillReport, Measured, PhaseStats } from './model.js';
import { minorityLabel, minorityWindow } from './minority-window.js';

/** The rows and sentences both renderers show (Markdown and HTML differ only in how they draw a table). Pure. */

/**
 * How the load ran, as its figures' labels say it: `closed loop` (each client
 * waits for its reply) or `open loop` (--rate). `mode` is WorkloadResult.mode,
 * or the report's `client.mode`, which begins with it.
 */
export const loopOf = (mode: string): string => (mode.startsWith('fixed-rate') ? 'open loop' : 'closed loop');

/** A figure as people read it: "1450 ms", with its bound when it has one ("1450 ms (up to 20 ms less)"), flagged when coarse. */
export const fig = (m: Measured): string =>
  m.value === null
    ? 'n/a'
    : `${m.value} ${m.unit}${m.bound ? ` (up to ${m.bound.ms} ms less)` : ''}${m.warning ? ' [coarse: see its bound]' : ''}`;

export function slotMapRows(map: SlotMap): (string | number)[][] {
  return map.masters
    .filter((m) => m.slots.length > 0)
    .map((m) => [
      `Master[${m.index}] -> Slots ${formatRanges(m.slots)} -> ${formatAddress(m)}`,
      m.dbsize ?? '?',
      m.replicas.map((r) => `${formatAddress(r)} (${r.dbsize ?? '?'} keys)`).join(', ') || 'none',
    ]);
}

/** Where a figure comes from, with its bound and, when coarse, the warning. */
export const sourceOf = (m: Measured): string =>
  `${m.source}${m.bound ? `; error bound ${m.bound.ms} ms: ${m.bound.detail}` : ''}${m.warning ? `; WARNING: ${m.warning}` : ''}`;

/** The key figures, in the order both renderers show them: the slots' own availability first, then the load's view. */
export function keyFigureRows(r: DrillReport): string[][] {
  const c = r.client;
  const a = r.availability;
  return [
    ['promotion time', fig(r.promotion.ms), sourceOf(r.promotion.ms)],
    ...(r.rejoin
      ? [
          ['rejoin time', fig(r.rejoin.ms), sourceOf(r.rejoin.ms)],
          [
            'resync',
            r.rejoin.resync,
            'the replicas\' own log: "Full resync from master" (an RDB of the whole shard) or "Successful partial resynchronization" (the backlog sufficed)',
          ],
        ]
      : []),
    ...(a
      ? [
          ...(r.fault ? [["victim's slots unavailable", fig(a.victimUnavailable), sourceOf(a.victimUnavailable)]] : []),
          [
            r.fault ? "other masters' slots unavailable (longest)" : "a master's slots unavailable (longest)",
            fig(a.othersUnavailable),
            sourceOf(a.othersUnavailable),
          ],
        ]
      : []),
    [`load: no success on ${watchedLabel(r)}`, fig(c.unavailableVictimSlots), c.unavailableVictimSlots.source],
    ['load: no success at all', fig(c.unavailableAll), c.unavailableAll.source],
    ['operations', fig(c.ops), c.ops.source],
    ['failed operations', fig(c.errors), c.errors.source],
    ['lost writes', r.consistency ? `${r.consistency.lost} writes` : 'n/a', r.consistency?.method ?? ''],
    ['unacknowledged writes applied', r.consistency ? `${r.consistency.unacknowledgedApplied} writes` : 'n/a', 'same'],
    ...(r.writeLog ? writeLogFigures(r) : []),
    ['keys before -> after', keysText(r.keys), r.keys.method],
    ...(r.partition
      ? [[minorityLabel(r.partition.mode), fig(r.partition.minorityFail), r.partition.minorityFail.source]]
      : []),
  ];
}

/** "Master[0] 1001 -> 1450, ..." (or the whole cluster's, when the shards changed). */
export function keysText(k: DrillReport['keys']): string {
  return Object.keys(k.before)
    .map((s) => `${s === 'all' ? 'all shards' : `Master[${s}]`} ${k.before[s] ?? '?'} -> ${k.after[s] ?? '?'}`)
    .join(', ');
}

function writeLogFigures(r: DrillReport): string[][] {
  const w = r.writeLog!;
  return [
    ['lost writes (write log)', `${w.lost} of ${w.acknowledged} acknowledged (${w.lostPercent}%)`, w.method],
    ...(w.lostAcknowledgedFromMs !== null
      ? [
          [
            'lost writes acknowledged',
            `from +${w.lostAcknowledgedFromMs} to +${w.lostAcknowledgedToMs} ms`,
            'ms from the start of the load',
          ],
        ]
      : []),
    [
      'unacknowledged writes present (write log)',
      `${w.unacknowledgedApplied} writes`,
      'the client saw an error or no reply; the id is in the set',
    ],
  ];
}

/** The partition in words, and the lost writes against its window: what people need to see. */
export function partitionLines(r: DrillReport): string[] {
  const p = r.partition;
  if (!p) return [];
  const w = r.writeLog;
  const lines = [
    `${p.how} (steps[${p.step}], ${p.mode}${p.loss !== null ? `, ${Math.round(p.loss * 100)}% loss` : ''}): cut at +${p.cutMs} ms, ${p.healMs === null ? 'not healed by the drill' : `healed at +${p.healMs} ms`}.`,
    `Sides: {${p.sides[0].join(', ')}} | {${p.sides[1].join(', ')}}.`,
  ];
  if (p.minorityFail.value !== null) {
    lines.push(
      minorityWindow(p.mode, {
        node: p.minorityFail.node,
        ms: p.minorityFail.value,
        nodeTimeoutMs: p.nodeTimeoutMs,
        atMs: p.cutMs + p.minorityFail.value,
      }),
    );
  }
  if (w && w.lost > 0)
    lines.push(
      `${w.lost} acknowledged writes (${w.lostPercent}%) were lost; they were acknowledged from +${w.lostAcknowledgedFromMs} to +${w.lostAcknowledgedToMs} ms.`,
    );
  else if (w) lines.push(`No acknowledged write in the write log was lost (${w.acknowledged} acknowledged).`);
  return lines;
}

export const LOST_HEAD = ['id', 'key', 'slot', 'acknowledged at'];

export function lostRows(
  list: readonly { id: string; key: string; slot: number; atMs: number }[],
  most = 20,
): string[][] {
  return list.slice(0, most).map((x) => [x.id, x.key, String(x.slot), `+${x.atMs} ms`]);
}

export const AVAILABILITY_HEAD = [
  'master (at the start)',
  'writes',
  'failed',
  'longest span without a successful write',
  'first failure',
  'last failure',
  'failures by class',
];

/** One row per master: what the write probe saw on its slots. */
export function availabilityRows(r: DrillReport): string[][] {
  const at = (ms: number | null): string => (ms === null ? '-' : `+${ms} ms`);
  return (r.availability?.masters ?? []).map((m) => [
    `${m.label}${m.victim ? ' (victim)' : ''}`,
    String(m.writes),
    String(m.failed),
    `${m.longestGap.ms} ms (+${m.longestGap.fromMs} to +${m.longestGap.toMs})`,
    at(m.firstFailureMs),
    at(m.lastFailureMs),
    Object.entries(m.failedByClass)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '-',
  ]);
}

/** When the load's client ended itself and was replaced: what a real application would have had to do. */
export function restartSentence(c: DrillReport['client']): string | null {
  if (c.restarts.length === 0) return null;
  return `The load's client ended itself for good ${c.restarts.length} time(s), at ${c.restarts.map((t) => `${t} ms`).join(', ')} from the start ("Connection is closed." on every later command: a +switch-master arriving while ioredis reconnects, ioredis issue #1683); the load replaced it at once. An application using the client the same way stays down until it does the same.`;
}

/** Failed operations per error class, with the client's last message of each. */
export function errorRows(c: DrillReport['client']): (string | number)[][] {
  return Object.entries(c.errorsByClass).map(([k, v]) => [
    k,
    v ?? 0,
    c.lastErrors[k as keyof typeof c.lastErrors] ?? '',
  ]);
}

export const TIMELINE_HEAD = (r: DrillReport): string[] => [
  r.timelineFrom === 'start' ? 'ms from start' : 'ms from fault',
  'source',
  'node',
  'event',
  'detail',
];

/** The timeline rows; a failover drill's starts just before the fault. */
export function timelineRows(r: DrillReport): (string | number)[][] {
  return r.timeline
    .filter((e) => r.timelineFrom === 'start' || e.tMs >= -5)
    .map((e) => [e.tMs, e.source, e.node, e.kind, e.detail]);
}

/** With a fault, the load's figure is the victim's slots; without, the worst master's. */
export const watchedLabel = (r: DrillReport): string => (r.fault ? "the victim's slots" : "one master's slots");

export const STEPS_HEAD = ['step', 'ms from start', 'took ms', 'outcome', 'detail'];

export function stepRows(r: DrillReport): (string | number)[][] {
  return r.scenario.steps.map((s) => [
    `steps[${s.index}] ${s.title}`,
    s.startMs,
    s.endMs - s.startMs,
    s.outcome,
    s.detail,
  ]);
}

export function phaseRow(name: string, p: PhaseStats): (string | number)[] {
  return [
    name,
    `${(p.fromMs / 1000).toFixed(1)}-${(p.toMs / 1000).toFixed(1)} s`,
    fig(p.opsPerSec),
    p.errors,
    p.latency?.p50Ms ?? '-',
    p.latency?.p99Ms ?? '-',
    p.latency?.maxMs ?? '-',
  ];
}

/** A Sentinel deployment: its timings, its failovers, and old masters that came back as masters before Sentinel converted them. */
export function sentinelLines(r: DrillReport): string[] {
  const s = r.sentinel;
  if (!s) return [];
  const lines = [
    `Master "${s.masterName}", quorum ${s.quorum}, down-after ${s.downAfterMs} ms. Promotion: the first "+switch-master" after ${fig(s.switchMaster)}; the new master's own "MASTER MODE enabled" after ${fig(s.masterMode)}.`,
    ...s.switches.map((w) => `+${w.tMs} ms: ${w.sentinel} switched the master from ${w.from} to ${w.to}.`),
    ...s.aborts.map((a) => `+${a.tMs} ms: ${a.sentinel}: ${a.event} (the failover was given up).`),
  ];
  for (const m of s.staleMasters) {
    lines.push(
      `${m.node} took writes as a master from +${m.sinceMs} ms while the sentinels named another, for ${m.window.value} ms${m.convertedMs !== null ? `, until Sentinel converted it (+convert-to-slave at +${m.convertedMs} ms)` : ' (no +convert-to-slave seen)'}. A client still pointing at it had ${m.acknowledged} writes acknowledged there${m.lost !== null ? `, of which ${m.lost} are not on the real master` : ''}.`,
    );
  }
  return lines;
}
