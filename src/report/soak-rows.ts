import type { Block } from './block.js';
import type { Distribution, SoakSection } from './model.js';

const fig = (v: number | string | null): string | number => v ?? '-';

/** A bar of up to 30 cells for a value out of a maximum (text charts in md and html alike). Pure. */
function bar(v: number | null, max: number): string {
  if (v === null || max <= 0) return '';
  return '█'.repeat(Math.max(1, Math.round((v / max) * 30)));
}

function spreadRow(what: string, d: Distribution): (string | number)[] {
  return [what, d.count, fig(d.min), fig(d.p50), fig(d.p90), fig(d.max)];
}

/** A soak's loops, their spread, promotion time per loop as a bar chart, and redis-drill's own memory. Pure. */
export function soakBlocks(s: SoakSection | null): Block[] {
  if (!s) return [];
  const maxPromotion = Math.max(0, ...s.rows.map((r) => r.promotionMs ?? 0));
  const mem = s.resources;
  return [
    {
      title: 'Soak: loops',
      lines: [
        `Seed ${s.seed}: ${s.loopsRun} of ${s.loops} loop(s) ran (faults ${s.faults}, target ${s.target}, a pause of about ${s.intervalMs} ms after each).${s.firstFailedLoop ? ` Loop ${s.firstFailedLoop} failed; the loops after it did not run.` : ''} The same schedule again: \`${s.reproduce}\`.`,
        `Promotion: ${s.sources.promotionMs}. Rejoin: ${s.sources.rejoinMs}. Unavailable: ${s.sources.unavailableMs}. Lost: ${s.sources.lostWrites}. Times in ms; start is ms from the start of the load.`,
      ],
      tables: [
        {
          head: [
            'loop',
            'fault',
            'target',
            'victim',
            'promoted',
            'promotion ms',
            'rejoin ms',
            'victim unavailable ms',
            'others unavailable ms',
            'lost writes',
            'start',
            'RSS MB',
            'outcome',
          ],
          rows: s.rows.map((r) => [
            r.loop,
            r.fault,
            r.target,
            r.victim && r.victimRole === 'replica' ? `${r.victim} (replica)` : fig(r.victim),
            fig(r.promoted),
            fig(r.promotionMs),
            fig(r.rejoinMs),
            fig(r.victimUnavailableMs),
            fig(r.othersUnavailableMs),
            r.lostWrites,
            r.startMs,
            fig(r.rssMb),
            r.anomalies.length ? `${r.outcome}: ${r.anomalies.join('; ')}` : r.outcome,
          ]),
        },
      ],
    },
    {
      title: 'Soak: distributions',
      lines: ['Over the loops that ran, per fault kind (nearest-rank percentiles, ms).'],
      tables: [
        {
          head: ['fault', 'figure', 'loops', 'min', 'p50', 'p90', 'max'],
          rows: s.distributions.flatMap((d) =>
            [
              spreadRow('promotion', d.promotionMs),
              spreadRow('rejoin', d.rejoinMs),
              spreadRow('victim unavailable', d.victimUnavailableMs),
            ].map((row) => [d.fault, ...row]),
          ),
        },
        {
          head: ['loop', 'fault', 'promotion ms', ''],
          rows: s.rows
            .filter((r) => r.outcome !== 'not run')
            .map((r) => [r.loop, r.fault, fig(r.promotionMs), bar(r.promotionMs, maxPromotion)]),
        },
      ],
    },
    {
      title: 'Soak: redis-drill itself',
      lines: [
        `Peak RSS ${fig(mem.peakRssMb)} MB; at the end of the first loop ${fig(mem.firstLoopRssMb)} MB, of the last ${fig(mem.lastLoopRssMb)} MB (the heap kept after a full garbage collection, with buffers: ${fig(mem.firstLoopHeapMb)} MB and ${fig(mem.lastLoopHeapMb)} MB); CPU ${fig(mem.cpuMs)} ms over the run. Measured with ${mem.method}.`,
        `The observer polled ${mem.observer.nodes} node(s) every ${mem.observer.intervalMs} ms: ${mem.observer.polls} polls, median gap ${fig(mem.observer.medianGapMs)} ms, p99 ${fig(mem.observer.p99GapMs)} ms, longest ${fig(mem.observer.maxGapMs)} ms (${fig(mem.observer.maxGapNode)}); ${mem.observer.method}. Of that, the nodes took a median ${fig(mem.observer.medianAnswerMs)} ms to answer a poll (p99 ${fig(mem.observer.p99AnswerMs)} ms), the instruments' thread ran its timers up to ${fig(mem.observer.eventLoopDelayP99Ms)} ms late (p99), and the main thread ${fig(mem.observer.mainLoopDelayP99Ms)} ms.`,
      ],
      tables: [],
    },
  ];
}
