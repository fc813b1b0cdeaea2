import type { DrillReport } from '../report/model.js';

const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);

/** The soak's result on stdout: one line per loop, the spread of the promotion times, the verdict, the files. */
export function renderSoak(r: DrillReport, files: readonly string[]): string {
  const s = r.soak;
  if (!s) return '';
  const rows = s.rows.map(
    (x) =>
      `  loop ${String(x.loop).padStart(3)}  ${x.fault.padEnd(12)} ${x.target.padEnd(10)} promotion ${ms(x.promotionMs).padStart(8)}  rejoin ${ms(x.rejoinMs).padStart(8)}  unavailable ${ms(x.victimUnavailableMs).padStart(8)}  lost ${String(x.lostWrites).padStart(4)}  ${x.outcome}${x.anomalies.length ? `: ${x.anomalies[0]}` : ''}`,
  );
  const spread = s.distributions.map(
    (d) =>
      `  ${d.fault.padEnd(12)} promotion p50 ${ms(d.promotionMs.p50)}, p90 ${ms(d.promotionMs.p90)}, max ${ms(d.promotionMs.max)} (${d.promotionMs.count} loops)`,
  );
  const mem = s.resources;
  return [
    `Soak: seed ${s.seed}, ${s.loopsRun} of ${s.loops} loop(s) run, faults ${s.faults}, target ${s.target}.`,
    ...rows,
    ...spread,
    `  redis-drill itself: peak RSS ${mem.peakRssMb ?? '-'} MB (first loop ${mem.firstLoopRssMb ?? '-'} MB, last ${mem.lastLoopRssMb ?? '-'} MB; heap kept ${mem.firstLoopHeapMb ?? '-'} -> ${mem.lastLoopHeapMb ?? '-'} MB), CPU ${mem.cpuMs ?? '-'} ms.`,
    `verdict: ${r.verdict.toUpperCase()}${s.firstFailedLoop ? ` (loop ${s.firstFailedLoop} failed; repeat it with: ${s.reproduce})` : ''}`,
    ...files.map((f) => `report: ${f}`),
  ].join('\n');
}
