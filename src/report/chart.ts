import type { Marker } from './model.js';
import type { Outage } from '../workload/gaps.js';
import type { WindowStats } from '../workload/stats.js';

/** One master's slots under the chart: red where its probe writes failed. */
export interface Lane {
  label: string;
  outages: readonly Outage[];
  victim: boolean;
  /** The band's name under the chart (default: the label's first word, "Master[0]"). */
  short?: string;
  /** What a red span means, for its tooltip (default: no successful write). */
  what?: string;
}

/** At most this many lanes are drawn (a 50-master drill lists the rest in the report's table). */
const MAX_LANES = 24;
const LANE_H = 12;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An inline SVG chart: throughput (ops/s per 100 ms window) and p99 latency
 * over time, failed operations as bars, vertical markers at the fault, FAIL,
 * promotion and rejoin, and under it one band per master where its slots
 * could not be written (the write probe). Pure: the same input gives the same SVG.
 */
/** Extra layers: the lost writes (each at the time it was acknowledged) and a partition's window. */
export interface ChartExtras {
  lostAtMs: readonly number[];
  partition: { fromMs: number; toMs: number | null } | null;
}

export function renderChart(
  windows: readonly WindowStats[],
  markers: readonly Marker[],
  allLanes: readonly Lane[] = [],
  extras: ChartExtras = { lostAtMs: [], partition: null },
  width = 1000,
  plotHeight = 320,
): string {
  const lanes = [...allLanes]
    .sort((a, b) => Number(b.victim) - Number(a.victim) || b.outages.length - a.outages.length)
    .slice(0, MAX_LANES)
    .sort((a, b) => allLanes.indexOf(a) - allLanes.indexOf(b));
  const pad = { left: 60, right: 60, top: 20, bottom: 40 + (lanes.length ? lanes.length * LANE_H + 38 : 0) };
  const height = plotHeight + (pad.bottom - 40);
  const w = width - pad.left - pad.right;
  const h = plotHeight - pad.top - 40;
  const endMs = Math.max(
    1000,
    (windows.length + 1) * 100,
    ...markers.map((m) => m.tMs + 100),
    ...lanes.flatMap((l) => l.outages.map((o) => o.toMs)),
  );
  const x = (tMs: number): number => pad.left + (tMs / endMs) * w;
  const maxOps = Math.max(1, ...windows.map((s) => s.ops * 10));
  const maxP99 = Math.max(1, ...windows.map((s) => s.p99Ms ?? 0));
  const maxErr = Math.max(1, ...windows.map((s) => s.errors));
  const yOps = (v: number): number => pad.top + h - (v / maxOps) * h;
  const yLat = (v: number): number => pad.top + h - (v / maxP99) * h;
  const path = (pts: [number, number][]): string =>
    pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const ops = path(windows.map((s) => [x(s.tMs + 50), yOps(s.ops * 10)]));
  // A window with no successful operation has no latency: the line breaks there instead of bridging the gap.
  const lat = windows
    .map((s, i) =>
      s.p99Ms === null
        ? ''
        : `${i > 0 && windows[i - 1]!.p99Ms !== null ? 'L' : 'M'}${x(s.tMs + 50).toFixed(1)},${yLat(s.p99Ms).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(' ');
  const bars = windows
    .filter((s) => s.errors > 0)
    .map(
      (s) =>
        `<rect class="errors" x="${x(s.tMs).toFixed(1)}" y="${(pad.top + h - (s.errors / maxErr) * (h / 3)).toFixed(1)}" width="${Math.max(1, (100 / endMs) * w).toFixed(1)}" height="${((s.errors / maxErr) * (h / 3)).toFixed(1)}"><title>${s.errors} errors at +${s.tMs} ms</title></rect>`,
    )
    .join('');
  const marks = markers
    .map(
      (m, i) =>
        `<g class="marker" data-marker="${esc(m.label)}"><line x1="${x(m.tMs).toFixed(1)}" y1="${pad.top}" x2="${x(m.tMs).toFixed(1)}" y2="${pad.top + h}"/><text x="${(x(m.tMs) + 3).toFixed(1)}" y="${pad.top + 12 + (i % 2) * 14}">${esc(m.label)} +${(m.tMs / 1000).toFixed(2)} s</text></g>`,
    )
    .join('');
  const ticks = Array.from({ length: Math.floor(endMs / 1000) + 1 }, (_, s) => s)
    .filter((s) => s % Math.max(1, Math.ceil(endMs / 1000 / 15)) === 0)
    .map((s) => `<text class="tick" x="${x(s * 1000).toFixed(1)}" y="${pad.top + h + 16}">${s}s</text>`)
    .join('');
  // Below the axis caption (at +28) and the lanes' own caption.
  const laneTop = pad.top + h + 46;
  const bands = lanes
    .map((l, i) => {
      const y = laneTop + i * LANE_H;
      const spans = l.outages
        .map(
          (o) =>
            `<rect class="outage" x="${x(o.fromMs).toFixed(1)}" y="${y + 1}" width="${Math.max(1, x(o.toMs) - x(o.fromMs)).toFixed(1)}" height="${LANE_H - 3}"><title>${esc(l.label)}: ${esc(l.what ?? 'no successful write')} from +${o.fromMs} to +${o.toMs} ms</title></rect>`,
        )
        .join('');
      return `<g class="lane" data-lane="${esc(l.label)}"><rect class="lane-bg" x="${pad.left}" y="${y + 1}" width="${w}" height="${LANE_H - 3}"/>${spans}<text class="lane-label" x="${pad.left - 4}" y="${y + LANE_H - 3}">${esc(l.short ?? l.label.replace(/ .*/, ''))}${l.victim ? ' *' : ''}</text></g>`;
    })
    .join('');
  const cut = extras.partition;
  const cutBand = cut
    ? `<rect class="partition" x="${x(cut.fromMs).toFixed(1)}" y="${pad.top}" width="${Math.max(1, x(cut.toMs ?? endMs) - x(cut.fromMs)).toFixed(1)}" height="${h}"><title>partition from +${cut.fromMs} ms${cut.toMs !== null ? ` to +${cut.toMs} ms` : ''}</title></rect>`
    : '';
  const lostTicks = extras.lostAtMs.length
    ? `<g class="lost-writes">${extras.lostAtMs.map((t) => `<line class="lost" x1="${x(t).toFixed(1)}" y1="${pad.top + h - 14}" x2="${x(t).toFixed(1)}" y2="${pad.top + h}"/>`).join('')}<title>${extras.lostAtMs.length} lost writes, each where it was acknowledged</title></g>`
    : '';
  const laneCaption = lanes.length
    ? `<text class="axis" x="${pad.left}" y="${laneTop - 4}">red: slots that could not be written (write probe), one band per master${allLanes.length > lanes.length ? ` (${lanes.length} of ${allLanes.length} shown)` : ''}${lanes.some((l) => l.short) ? "; your clients' failures, silent channels, double grants" : ''}; * the victim or a failure</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="throughput, p99 latency and errors over time">
<rect class="plot" x="${pad.left}" y="${pad.top}" width="${w}" height="${h}"/>
${cutBand}${bars}${lostTicks}<path class="ops" d="${ops}"/><path class="p99" d="${lat}"/>${marks}${ticks}
<text class="axis ops-label" x="6" y="${pad.top + 10}">${Math.round(maxOps)} ops/s</text>
<text class="axis p99-label" x="${width - pad.right + 4}" y="${pad.top + 10}">${maxP99} ms p99</text>
<text class="axis" x="${pad.left}" y="${pad.top + h + 28}">time since the load started; blue: throughput (ops/s per 100 ms); orange: p99 latency; red bars: failed operations${extras.partition ? '; shaded: the partition' : ''}${extras.lostAtMs.length ? '; dark red ticks: lost writes (when acknowledged)' : ''}</text>
${laneCaption}${bands}
</svg>`;
}
