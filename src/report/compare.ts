import type { DrillReport } from './model.js';

/** One figure across the compared reports, with each report's difference from the first. */
export interface ComparedFigure {
  name: string;
  unit: string;
  values: (number | string | null)[];
  /** Report i minus report 0 (null for the first, for text, or when either is missing). */
  diffs: (number | null)[];
  /** The same as a percentage of report 0 (null when that is 0 or missing). */
  diffPercents: (number | null)[];
}

export interface Comparison {
  reports: { file: string; label: string; kind: 'drill' | 'soak'; generatedAt: string; verdict: string }[];
  figures: ComparedFigure[];
}

type Getter = (r: DrillReport) => number | string | null | undefined;

/** The figure at soak level: the "all" row, or the only fault kind's. */
const soakDist = (r: DrillReport): NonNullable<DrillReport['soak']>['distributions'][number] | null =>
  r.soak?.distributions.find((d) => d.fault === 'all') ?? r.soak?.distributions[0] ?? null;

/** What is compared, in the order shown: how the drill was set up, then what it measured. */
const FIGURES: { name: string; unit: string; get: Getter }[] = [
  { name: 'server', unit: '', get: (r) => r.setup.server },
  { name: 'node timeout', unit: 'ms', get: (r) => r.setup.nodeTimeoutMs.value },
  { name: 'masters', unit: '', get: (r) => r.setup.masters },
  { name: 'replicas', unit: '', get: (r) => r.setup.replicas },
  {
    name: 'fault',
    unit: '',
    get: (r) => (r.soak ? `soak: ${r.soak.faults}` : r.fault ? `${r.fault.kind} (${r.fault.how})` : null),
  },
  { name: 'verdict', unit: '', get: (r) => r.verdict },
  { name: 'promotion', unit: 'ms', get: (r) => r.promotion.ms.value },
  { name: 'rejoin', unit: 'ms', get: (r) => r.rejoin?.ms.value },
  { name: "victim's slots unavailable (write probe)", unit: 'ms', get: (r) => r.availability?.victimUnavailable.value },
  {
    name: "other masters' slots unavailable (write probe)",
    unit: 'ms',
    get: (r) => r.availability?.othersUnavailable.value,
  },
  { name: "load: no success on the victim's slots", unit: 'ms', get: (r) => r.client.unavailableVictimSlots.value },
  { name: 'operations', unit: 'ops', get: (r) => r.client.ops.value },
  { name: 'failed operations', unit: 'ops', get: (r) => r.client.errors.value },
  { name: 'throughput during the steps', unit: 'ops/s', get: (r) => r.client.phases.during.opsPerSec.value },
  { name: 'p99 during the steps', unit: 'ms', get: (r) => r.client.phases.during.latency?.p99Ms },
  { name: 'acknowledged writes (write log)', unit: 'writes', get: (r) => r.writeLog?.acknowledged },
  { name: 'lost writes (write log)', unit: 'writes', get: (r) => r.writeLog?.lost },
  { name: 'lost writes, share of acknowledged', unit: '%', get: (r) => r.writeLog?.lostPercent },
  { name: 'lost INCRs (counters)', unit: 'writes', get: (r) => r.consistency?.lost },
  { name: 'soak: loops run', unit: '', get: (r) => r.soak?.loopsRun },
  { name: 'soak: promotion p50', unit: 'ms', get: (r) => soakDist(r)?.promotionMs.p50 },
  { name: 'soak: promotion p90', unit: 'ms', get: (r) => soakDist(r)?.promotionMs.p90 },
  { name: 'soak: promotion max', unit: 'ms', get: (r) => soakDist(r)?.promotionMs.max },
  { name: 'soak: rejoin p50', unit: 'ms', get: (r) => soakDist(r)?.rejoinMs.p50 },
  { name: 'redis-drill peak RSS (soak)', unit: 'MB', get: (r) => r.soak?.resources.peakRssMb },
];

/**
 * Key figures of several reports side by side, each with its difference from
 * the first; a figure no report has is left out. Pure.
 */
export function compareReports(items: readonly { file: string; report: DrillReport }[]): Comparison {
  const figures = FIGURES.flatMap(({ name, unit, get }) => {
    const values = items.map((i) => get(i.report) ?? null);
    if (values.every((v) => v === null)) return [];
    const first = values[0];
    const diffs = values.map((v, i) =>
      i > 0 && typeof v === 'number' && typeof first === 'number' ? round(v - first) : null,
    );
    const diffPercents = values.map((v, i) =>
      i > 0 && typeof v === 'number' && typeof first === 'number' && first !== 0
        ? round(((v - first) / first) * 100)
        : null,
    );
    return [{ name, unit, values, diffs, diffPercents }];
  });
  return {
    reports: items.map((i, k) => ({
      file: i.file,
      label: String.fromCharCode(65 + (k % 26)) + (k >= 26 ? String(Math.floor(k / 26)) : ''),
      kind: i.report.soak ? 'soak' : 'drill',
      generatedAt: i.report.generatedAt,
      verdict: i.report.verdict,
    })),
    figures,
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Checks that a parsed file is a redis-drill report this version reads; the reason if not. Pure. */
export function notAReport(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const r = v as Partial<DrillReport>;
  if (r.tool?.name !== 'redis-drill') return 'not a redis-drill report (no tool.name "redis-drill")';
  if (r.schemaVersion !== 1) return `schemaVersion ${String(r.schemaVersion)}; this redis-drill reads 1`;
  if (!r.setup || !r.client || !r.promotion)
    return 'not a drill report (no setup, client or promotion section): give the report.json a drill, scenario or soak wrote';
  return null;
}
