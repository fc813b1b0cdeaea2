import type { Block } from './block.js';
import { soakBlocks } from './soak-rows.js';
import { slotsText } from '../cluster/slots.js';
import type { Lane } from './chart.js';
import type { DrillReport } from './model.js';
import type { LockResult } from '../workload/lock-load.js';
import type { PubSubResult } from '../workload/pubsub-load.js';

/** Rows shared by the terminal, Markdown and HTML views of the lock and pub/sub loads. Pure. */

export const LOCK_SUMMARY_HEAD = [
  'grants',
  'contended',
  'failed acquisitions',
  'lost while held',
  'release errors',
  'double grants',
];

export function lockSummaryRow(
  l: Pick<LockResult, 'grants' | 'contended' | 'failed' | 'lostWhileHeld' | 'releaseErrors' | 'doubleGrants'>,
): number[] {
  return [l.grants, l.contended, l.failed, l.lostWhileHeld, l.releaseErrors, l.doubleGrants.length];
}

export const DOUBLE_GRANT_HEAD = [
  'lock (slot)',
  'first holder: held ms',
  'second holder: held ms',
  'overlap ms',
  'across the fault',
];

/** `faultMs`: the first fault in ms from the start of the load (null: no fault); a double grant straddles it when the first hold began before it and the second after. */
export function doubleGrantRows(l: Pick<LockResult, 'doubleGrants'>, faultMs: number | null, most = 20): string[][] {
  return l.doubleGrants
    .slice(0, most)
    .map((d) => [
      `${d.lock} (${d.slot})`,
      `client ${d.first.holder}: ${Math.round(d.first.fromMs)}-${Math.round(d.first.toMs)}`,
      `client ${d.second.holder}: ${Math.round(d.second.fromMs)}-${Math.round(d.second.toMs)}`,
      String(d.overlapMs),
      faultMs === null ? '-' : straddles(d, faultMs) ? 'yes' : 'no',
    ]);
}

export const straddles = (d: LockResult['doubleGrants'][number], faultMs: number): boolean =>
  d.first.fromMs < faultMs && d.second.fromMs >= faultMs;

export function lockSentence(l: Pick<LockResult, 'doubleGrants' | 'grants'>): string {
  if (l.doubleGrants.length === 0) return `No double grant: no two of the ${l.grants} holds of one lock overlapped.`;
  return `${l.doubleGrants.length} double grant(s): two clients held the same lock at once.`;
}

export const PUBSUB_HEAD = [
  'channel (slot)',
  'published',
  'received',
  'lost',
  'duplicated',
  'out of order',
  'failed publishes',
  'longest gap ms (from-to)',
];

export function pubsubRows(p: PubSubResult): (string | number)[][] {
  return p.channels.map((c) => [
    `${c.channel} (${c.slot})`,
    c.published,
    c.received,
    c.lost,
    c.duplicated,
    c.outOfOrder,
    c.publishFailed,
    `${c.longestGap.ms} (${c.longestGap.fromMs}-${c.longestGap.toMs})`,
  ]);
}

export function pubsubSentence(p: PubSubResult): string {
  const loss = p.lost === 0 ? 'none lost' : `${p.lost} LOST`;
  return `${p.published} messages acknowledged, ${p.received} delivered, ${loss}, ${p.duplicated} duplicated, ${p.outOfOrder} out of order (${p.mode}).`;
}

/** The lock and pub/sub sections of a drill's report (none when those loads did not run). */
export function sideBlocks(
  r: Pick<DrillReport, 'lock' | 'pubsub' | 'programs' | 'migrations' | 'fixes' | 'soak'>,
): Block[] {
  const blocks: Block[] = [...soakBlocks(r.soak), ...migrationBlocks(r), ...r.programs.map(programBlock)];
  if (r.lock) {
    const l = r.lock;
    const across = l.faultMs === null ? 0 : l.doubleGrants.filter((d) => d.acrossFault).length;
    blocks.push({
      title: 'Locks',
      lines: [
        `${lockSentence(l)}${l.doubleGrants.length && l.faultMs !== null ? ` ${across} of them straddle the first fault (at ${l.faultMs} ms from the start of the load).` : ''}`,
        `${l.method}.`,
      ],
      tables: [
        { head: LOCK_SUMMARY_HEAD, rows: [lockSummaryRow(l)] },
        ...(l.doubleGrants.length ? [{ head: DOUBLE_GRANT_HEAD, rows: doubleGrantRows(l, l.faultMs) }] : []),
      ],
    });
  }
  if (r.pubsub) {
    const p = r.pubsub;
    const events = p.subscriberEvents.length
      ? [
          `The subscriber's connection: ${p.subscriberEvents.map((e) => `${e.event} at ${e.tMs} ms`).join(', ')} (ms from the start of the load${p.faultMs !== null ? `; the fault at ${p.faultMs} ms` : ''}).`,
        ]
      : ['The subscriber kept its connection throughout.'];
    blocks.push({
      title: 'Pub/sub',
      lines: [pubsubSentence(p), ...events, `${p.method}.`],
      tables: [{ head: PUBSUB_HEAD, rows: pubsubRows(p) }],
    });
  }
  return blocks;
}

export const PROGRAM_LINES_HEAD = ['ms from start', 'stream', 'line'];

/** One of the user's programs: how it ended, its JSON-line series if it printed one, its last lines. */
function programBlock(p: DrillReport['programs'][number]): Block {
  const ended = p.stoppedByDrill
    ? 'It was still running at the end; the drill stopped it (SIGTERM, then SIGKILL for its process group).'
    : p.signal
      ? `It was killed by ${p.signal} at ${p.exitedMs} ms from the start of the load.`
      : `It exited with code ${p.exitCode} at ${p.exitedMs} ms from the start of the load.`;
  const series = p.series
    ? [
        `Its JSON lines: ${p.series.ok} operations succeeded, ${p.series.errors} failed${p.series.lastError ? ` (last error: ${p.series.lastError})` : ''}.`,
      ]
    : [];
  const tables = [
    ...(p.series
      ? [
          {
            head: ['second (ms from start)', 'ok', 'errors'],
            rows: p.series.windows.map((w) => [w.tMs, w.ok, w.errors]),
          },
        ]
      : []),
    ...(p.lines.length
      ? [{ head: PROGRAM_LINES_HEAD, rows: p.lines.slice(-20).map((l) => [l.tMs, l.stream, l.text]) }]
      : []),
  ];
  return {
    title: `Your client: ${p.name}`,
    lines: [
      `\`${p.cmd}\` (pid ${p.pid ?? '-'}, in ${p.cwd}): ${p.survived ? 'survived' : 'did NOT survive'}. ${ended}`,
      ...series,
      `${p.linesTotal} line(s) of output${p.lines.length ? '; the last ones below' : ''}.`,
    ],
    tables,
  };
}

/** Bands under the chart for the other loads and your clients: red where a client failed or had died, where a channel went silent, where two holders had one lock. */
export function sideLanes(r: Pick<DrillReport, 'lock' | 'pubsub' | 'programs'>, endMs: number): Lane[] {
  const lanes: Lane[] = r.programs.map((p) => ({
    label: `your ${p.name}`,
    short: p.name,
    what: p.survived ? 'its operations failed' : 'its operations failed, or it had died',
    outages: [
      ...(p.series?.windows ?? []).filter((w) => w.errors > 0).map((w) => ({ fromMs: w.tMs, toMs: w.tMs + 1000 })),
      ...(p.exitedMs !== null && !p.survived ? [{ fromMs: p.exitedMs, toMs: Math.max(endMs, p.exitedMs) }] : []),
    ],
    victim: !p.survived,
  }));
  if (r.pubsub) {
    // A silence on a channel of ten publish intervals or more.
    const silent = r.pubsub.channels.filter((c) => c.longestGap.ms >= 10 * r.pubsub!.intervalMs);
    lanes.push({
      label: 'pub/sub delivery',
      short: 'pub/sub',
      what: 'a channel got no message',
      outages: silent.map((c) => ({ fromMs: c.longestGap.fromMs, toMs: c.longestGap.toMs })),
      victim: false,
    });
  }
  if (r.lock)
    lanes.push({
      label: 'lock double grants',
      short: 'locks',
      what: 'two clients held one lock',
      outages: r.lock.doubleGrants.map((d) => ({ fromMs: d.second.fromMs, toMs: d.second.fromMs + d.overlapMs })),
      victim: r.lock.doubleGrants.length > 0,
    });
  return lanes;
}

/** At most `n` rows, evenly spread, the last one kept. Pure. */
export function spread<T>(rows: readonly T[], n: number): T[] {
  if (rows.length <= n) return [...rows];
  return Array.from({ length: n }, (_, i) => rows[Math.round((i * (rows.length - 1)) / (n - 1))]!);
}

/** The slot migrations (reshard, rebalance) and what fix did. */
function migrationBlocks(r: Pick<DrillReport, 'migrations' | 'fixes'>): Block[] {
  const blocks: Block[] = [];
  if (r.migrations.length) {
    const stopped = r.migrations.filter((m) => m.stopped);
    blocks.push({
      title: 'Slot migrations',
      lines: [
        `${r.migrations.length} migration(s): ${r.migrations.reduce((n, m) => n + m.slots, 0)} slots and ${r.migrations.reduce((n, m) => n + m.keys, 0)} keys moved (SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT, MIGRATE, SETSLOT NODE; times in ms from the start of the load).`,
        ...r.migrations.flatMap((m) =>
          m.redirections
            ? [
                `steps[${m.index}]: the nodes answered ${m.redirections.moved} MOVED, ${m.redirections.ask} ASK and ${m.redirections.tryagain} TRYAGAIN (${m.redirections.source}).`,
              ]
            : [],
        ),
        ...stopped.map(
          (m) =>
            `steps[${m.index}] stopped: ${m.stopped}; ${m.openSlots.length ? `in flight (importing/migrating) when it stopped: slots ${slotsText(m.openSlots)}; what was still open is in the fix below` : 'no slot was in flight'}.`,
        ),
      ],
      tables: [
        {
          head: ['step', 'from', 'to', 'slots', 'keys', 'started', 'took ms', 'stopped'],
          rows: r.migrations.map((m) => [
            m.index,
            m.from,
            m.to,
            m.slots,
            m.keys,
            m.startMs,
            m.elapsedMs,
            m.stopped ? 'yes' : 'no',
          ]),
        },
        ...r.migrations
          .filter((m) => m.samples.length > 1)
          .slice(0, 3)
          .map((m) => ({
            head: [`steps[${m.index}]: ms`, 'slots moved', 'keys moved'],
            rows: spread(m.samples, 12).map((x) => [x.tMs, x.slots, x.keys]),
          })),
      ],
    });
  }
  for (const f of r.fixes) {
    blocks.push({
      title: `Cluster fix (steps[${f.step}])`,
      lines: [
        f.actions.length
          ? `Open slots found: ${slotsText(f.openSlots) || 'none'}; unserved: ${f.uncovered || 'none'}.`
          : 'Nothing to fix: every slot was stable and served.',
      ],
      tables: f.actions.length
        ? [
            {
              head: ['slot', 'action', 'owner', 'keys moved', 'detail'],
              rows: f.actions.map((a) => [a.slot, a.action, a.owner, a.keysMoved, a.detail]),
            },
          ]
        : [],
    });
  }
  return blocks;
}
