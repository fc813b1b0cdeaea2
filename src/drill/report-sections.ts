import type { SlotMap } from '../cluster/slotmap.js';
import { rangesContain } from '../cluster/slots.js';
import type { DrillEvent } from '../observe/events.js';
import type {
  AvailabilitySection,
  Check,
  Marker,
  Measured,
  PartitionSection,
  SentinelSection,
  WriteLogSection,
} from '../report/model.js';
import type { StaleWritesResult } from '../workload/stale-writes.js';
import { bounded, measured } from '../report/sections.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { WriteLogReport } from '../workload/write-log.js';
import type { Deployment } from '../deployment/handle.js';
import { minorityFailEvent } from '../observe/measure.js';
import { type RunRecord, relativeMs } from './run-record.js';

/** The parts of a drill report built from what the run recorded: pure functions of their inputs. */

/** The step markers, a FAIL marker where the cluster first flagged each fault's victim, and where a cut-off master said "fail". */
export function markersFor(run: RunRecord, events: readonly DrillEvent[]): Marker[] {
  const fails = run.faults.flatMap((f) => {
    const e = events.find((x) => (x.kind === 'fail-marked' || x.kind === 'fail') && x.at >= f.t0);
    return e ? [{ label: 'FAIL', tMs: relativeMs(run.loadStart, e.at) }] : [];
  });
  const minority = run.partitions.flatMap((p) => {
    const e = minorityFailEvent(events, p.cutOff[0] ?? null, p.t0);
    return e ? [{ label: 'minority fail', tMs: relativeMs(run.loadStart, e.at) }] : [];
  });
  return [...run.markers, ...fails, ...minority].sort((a, b) => a.tMs - b.tMs);
}

/** Where the cut-off master's own window comes from, or why there is none. */
function minorityFailSource(kind: 'cluster' | 'sentinel', node: string | null, seen: boolean): string {
  if (!node) return 'no master was cut off from a replica of its own';
  // A Sentinel master has no cluster state: alone, it takes writes until it hears of the switch (after the heal).
  if (kind === 'sentinel')
    return `${node} is a Sentinel deployment's master: nothing makes it stop taking writes while cut off (only min-replicas-to-write would); see the Sentinel section for its stale window`;
  return seen
    ? `cut -> "Cluster state changed: fail" in ${node}'s redis.log (until then it acknowledged writes the majority never saw)`
    : `no "Cluster state changed: fail" in ${node}'s log after the cut`;
}

export function partitionSection(
  d: Pick<Deployment, 'ops' | 'nodeTimeoutMs'>,
  run: RunRecord,
  events: readonly DrillEvent[],
): PartitionSection | null {
  const p = run.partitions[0];
  if (!p) return null;
  const node = p.cutOff[0] ?? null;
  const e = minorityFailEvent(events, node, p.t0);
  return {
    step: p.index,
    how: p.how,
    mode: p.mode,
    direction: p.direction,
    loss: p.loss,
    sides: p.sides,
    cutOff: p.cutOff,
    cutMs: relativeMs(run.loadStart, p.t0),
    healMs: p.healedAt === null ? null : relativeMs(run.loadStart, p.healedAt),
    minorityFail: {
      ...measured(e ? Math.round(e.at - p.t0) : null, 'ms', minorityFailSource(d.ops.kind, node, e !== undefined)),
      node,
    },
    nodeTimeoutMs: d.nodeTimeoutMs,
  };
}

export function writeLogSection(w: WriteLogReport, before: SlotMap): WriteLogSection {
  const masters = before.masters.filter((m) => m.slots.length > 0);
  const groups = masters.map((m) => ({
    label: `Master[${m.index}] ${m.host}:${m.port}`,
    acknowledged: 0,
    lost: 0,
    lostPercent: 0,
  }));
  for (const k of w.keys) {
    const i = masters.findIndex((m) => rangesContain(m.slots, k.slot));
    const g = groups[i];
    if (!g) continue;
    g.acknowledged += k.acknowledged;
    g.lost += k.lost;
  }
  for (const g of groups) g.lostPercent = g.acknowledged ? Math.round((g.lost / g.acknowledged) * 10_000) / 100 : 0;
  return { ...w, masters: groups };
}

export function availabilitySection(a: AvailabilityResult, victimId: string | null): AvailabilitySection {
  const masters = a.masters.map((m) => ({ ...m, victim: m.id === victimId }));
  const victim = masters.find((m) => m.victim) ?? null;
  const others = masters.filter((m) => !m.victim);
  const worst = others.reduce<(typeof others)[number] | null>(
    (x, m) => (x === null || m.longestGap.ms > x.longestGap.ms ? m : x),
    null,
  );
  const probe = `write probe, one SET every ${a.intervalMs} ms, ${a.deadlineMs} ms deadline each`;
  const gap = (m: (typeof masters)[number] | null, source: string, none: string): Measured => {
    const figure = measured(m?.longestGap.ms ?? null, 'ms', m ? source : none);
    return m ? bounded(figure, m.longestGap.boundMs, probeBound(a, m)) : figure;
  };
  return {
    method: a.method,
    intervalMs: a.intervalMs,
    deadlineMs: a.deadlineMs,
    victimUnavailable: gap(
      victim,
      `${probe}: longest span without a successful write to ${victim?.label}'s slots`,
      'no fault in this drill',
    ),
    othersUnavailable: gap(
      worst,
      `${probe}: longest span without a successful write to another master's slots (${worst?.label})`,
      'no other master',
    ),
    masters,
    sendDelay: a.sendDelay,
  };
}

/** Why a probe figure may be off: the spacing of its sends at the gap's ends, and the probe's own lateness. */
function probeBound(a: AvailabilityResult, m: AvailabilityResult['masters'][number]): string {
  const { boundMs, ownerLagMs } = m.longestGap;
  const stalled = boundMs - ownerLagMs > 2 * a.intervalMs + 2 * m.sendDelay.p99Ms;
  const lag = ownerLagMs > 0 ? `, up to ${ownerLagMs} ms to learn the new owner (observer poll interval)` : '';
  return `probe interval ${a.intervalMs} ms, its worst send delay ${m.sendDelay.maxMs} ms${m.sendDelay.missed ? `, ${m.sendDelay.missed} write(s) not sent in time` : ''}${lag}${stalled ? '; the probe sent nothing for part of the span' : ''}`;
}

/**
 * A check every drill with a fault gets: no failover it did not ask for.
 * Each fault step expects the promotions it registered (one per broken
 * master); a node seen promoted beyond those (e.g. Sentinel failing over the
 * brand-new master again) is an anomaly that loses writes. Pure.
 */
export function unexpectedFailoverCheck(run: RunRecord, events: readonly DrillEvent[]): Check | null {
  if (run.faults.length === 0) return null;
  const t0 = run.faults[0]!.t0;
  const promoted = [
    ...new Set(events.filter((e) => e.at >= t0 && e.source === 'poll' && e.kind === 'promoted').map((e) => e.node)),
  ];
  const expected = run.brokenMasters.size;
  const passed = promoted.length <= expected;
  return {
    name: 'no unexpected failover',
    passed,
    detail: passed
      ? `${promoted.length} node(s) promoted for ${expected} expected promotion(s)`
      : `${promoted.length} nodes promoted (${promoted.join(', ')}) where the drill's faults call for ${expected}: a failover nobody asked for (see the timeline)`,
  };
}

/** A Sentinel deployment's section: its timings from the sentinels' and the data nodes' own logs, its aborted failovers, its stale masters. Pure. */
export function sentinelSection(
  d: Pick<Deployment, 'state'>,
  run: RunRecord,
  events: readonly DrillEvent[],
  stale: StaleWritesResult | null,
): SentinelSection | null {
  const s = d.state?.sentinel;
  if (!s) return null;
  const t0 = run.faults[0]?.t0 ?? null;
  const after = (e: DrillEvent): boolean => t0 !== null && e.at >= t0 && e.source === 'log';
  const first = run.promotions[0] ?? null;
  const switches = events.filter((e) => after(e) && e.kind === 'switch-master');
  const to = (e: DrillEvent): string => /-> (\S+)$/.exec(e.detail)?.[1] ?? '?';
  const firstSwitch = first
    ? switches.find((e) => to(e) === `${first.promoted.host}:${first.promoted.port}`)
    : undefined;
  const mode = first
    ? events.find(
        (e) => after(e) && e.kind === 'master-mode' && e.node === `${first.promoted.host}:${first.promoted.port}`,
      )
    : undefined;
  // Every node that acknowledged writes while the sentinels named another master: a restarted or resumed
  // old master, or one cut off on a partition's minority side; its window ends when Sentinel converts it.
  // A node promoted a moment before the sentinels name it looks the same to the writer; it is no stale
  // master unless Sentinel later turns it into a replica (or what it took is missing at the end).
  const staleMasters = (stale?.nodes ?? []).flatMap((w) => {
    const since = run.loadStart + w.fromMs;
    const converted = events.find(
      (e) =>
        e.source === 'log' &&
        e.kind === 'convert-to-replica' &&
        e.detail.includes(`replica ${w.node}`) &&
        e.at >= since,
    );
    if (!converted && !w.lost) return [];
    return [
      {
        node: w.node,
        sinceMs: w.fromMs,
        convertedMs: converted ? relativeMs(run.loadStart, converted.at) : null,
        window: measured(
          converted ? Math.round(converted.at - since) : Math.round(w.toMs - w.fromMs),
          'ms',
          converted
            ? `its first write acknowledged as a stale master -> a sentinel's "+convert-to-slave" for ${w.node} (its log)`
            : `its first to its last write acknowledged as a stale master (no "+convert-to-slave" for ${w.node} seen)`,
        ),
        acknowledged: w.acknowledged,
        lost: w.lost,
      },
    ];
  });
  return {
    masterName: s.masterName,
    quorum: s.quorum,
    downAfterMs: s.downAfterMs,
    // The promotion time is this same log line when it came from the log: one figure, not two rounded apart.
    switchMaster: measured(
      first && firstSwitch
        ? first.source === 'log' && first.ms !== null
          ? first.ms
          : Math.round(firstSwitch.at - first.t0)
        : null,
      'ms',
      'fault -> the first sentinel\'s "+switch-master" log line',
    ),
    masterMode: measured(
      first && mode ? Math.round(mode.at - first.t0) : null,
      'ms',
      'fault -> the promoted data node\'s own "MASTER MODE enabled" log line',
    ),
    switches: switches.map((e) => ({
      tMs: relativeMs(run.loadStart, e.at),
      sentinel: e.node,
      from: /: (\S+) ->/.exec(e.detail)?.[1] ?? '?',
      to: to(e),
    })),
    aborts: events
      .filter((e) => after(e) && (e.kind === 'failover-abort' || e.kind === 'failover-end-for-timeout'))
      .map((e) => ({ tMs: relativeMs(run.loadStart, e.at), sentinel: e.node, event: e.detail })),
    staleMasters,
    staleMethod: stale?.method ?? 'no stale-master writer ran',
  };
}

/** A Sentinel failover that was given up (-failover-abort-*, +failover-end-for-timeout) fails the drill, with the sentinel's reason. */
export function abortCheck(section: SentinelSection | null): Check | null {
  if (!section || section.aborts.length === 0) return null;
  return {
    name: 'no failover aborted',
    passed: false,
    detail: section.aborts.map((a) => `${a.sentinel} at +${a.tMs} ms: ${a.event}`).join('; '),
  };
}
