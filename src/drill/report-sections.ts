import type { SlotMap } from '../cluster/slotmap.js';
import { rangesContain } from '../cluster/slots.js';
import type { DrillEvent } from '../observe/events.js';
import type { AvailabilitySection, Marker, PartitionSection, WriteLogSection } from '../report/model.js';
import { measured } from '../report/sections.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { WriteLogReport } from '../workload/write-log.js';
import type { DrillRun } from './run.js';

/** The parts of a drill report built from what the run recorded: pure functions of their inputs. */

/** The step markers, a FAIL marker where the cluster first flagged each fault's victim, and where a cut-off master said "fail". */
export function markersFor(run: DrillRun, events: readonly DrillEvent[]): Marker[] {
  const fails = run.faults.flatMap((f) => {
    const e = events.find((x) => (x.kind === 'fail-marked' || x.kind === 'fail') && x.at >= f.t0);
    return e ? [{ label: 'FAIL', tMs: run.rel(e.at) }] : [];
  });
  const minority = run.partitions.flatMap((p) => {
    const e = minorityFailEvent(events, p.cutOff[0] ?? null, p.t0);
    return e ? [{ label: 'minority fail', tMs: run.rel(e.at) }] : [];
  });
  return [...run.markers, ...fails, ...minority].sort((a, b) => a.tMs - b.tMs);
}

/** The cut-off master's own "Cluster state changed: fail" after the cut (its log, its timestamp). */
function minorityFailEvent(events: readonly DrillEvent[], node: string | null, t0: number): DrillEvent | undefined {
  return node === null ? undefined : events.find((x) => x.node === node && x.source === 'log' && x.kind === 'cluster-state' && /fail/.test(x.detail) && x.at >= t0);
}

export function partitionSection(run: DrillRun, events: readonly DrillEvent[], nodeTimeoutMs: number): PartitionSection | null {
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
    cutMs: run.rel(p.t0),
    healMs: p.healedAt === null ? null : run.rel(p.healedAt),
    minorityFail: {
      ...measured(e ? Math.round(e.at - p.t0) : null, 'ms', e ? `cut -> "Cluster state changed: fail" in ${node}'s redis.log (until then it acknowledged writes the majority never saw)` : node ? `no "Cluster state changed: fail" in ${node}'s log after the cut` : 'no master was cut off from a replica of its own'),
      node,
    },
    nodeTimeoutMs,
  };
}

export function writeLogSection(w: WriteLogReport, before: SlotMap): WriteLogSection {
  const masters = before.masters.filter((m) => m.slots.length > 0);
  const groups = masters.map((m) => ({ label: `Master[${m.index}] ${m.host}:${m.port}`, acknowledged: 0, lost: 0, lostPercent: 0 }));
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
  const worst = others.reduce<(typeof others)[number] | null>((x, m) => (x === null || m.longestGap.ms > x.longestGap.ms ? m : x), null);
  const probe = `write probe, one SET every ${a.intervalMs} ms, ${a.deadlineMs} ms deadline each`;
  return {
    method: a.method,
    intervalMs: a.intervalMs,
    deadlineMs: a.deadlineMs,
    victimUnavailable: measured(victim?.longestGap.ms ?? null, 'ms', victim ? `${probe}: longest span without a successful write to ${victim.label}'s slots` : 'no fault in this drill'),
    othersUnavailable: measured(worst?.longestGap.ms ?? null, 'ms', worst ? `${probe}: longest span without a successful write to another master's slots (${worst.label})` : 'no other master'),
    masters,
  };
}
