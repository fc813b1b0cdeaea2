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
/** Marker labels: 11 px text (the page's style) in rows 14 px apart (its line box is 13.8), at most this many rows above the plot. */
const LABEL_PX = 11;
const LABEL_ROW_H = 14;
const MAX_LABEL_ROWS = 6;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Where a marker's label goes: its box's left and right edges (x, SVG units), its row above the plot (0: the lowest; null: left out), and which side of its line it is on. */
export interface LabelBox {
  left: number;
  right: number;
  row: number | null;
  anchor: 'start' | 'end';
}

/**
 * Lays marker labels out in rows so that no two overlap: each label's width
 * is estimated from its length (0.6 em a character, which system-ui and
 * DejaVu Sans stay under), it sits right of its line unless that runs past
 * `maxX`, and it goes into the first row whose last label ends left of it.
 * A label that fits in none of `maxRows` rows gets row null (its line keeps
 * a tooltip). Pure; labels are taken in the order of their x.
 */
export function layoutLabels(
  labels: readonly { x: number; text: string }[],
  maxX: number,
  maxRows = MAX_LABEL_ROWS,
  fontPx = LABEL_PX,
): LabelBox[] {
  const gap = 6;
  const boxes: LabelBox[] = labels.map(({ x, text }) => {
    const width = text.length * fontPx * 0.6;
    return x + 3 + width <= maxX
      ? { left: x + 3, right: x + 3 + width, row: null, anchor: 'start' }
      : { left: x - 3 - width, right: x - 3, row: null, anchor: 'end' };
  });
  const rowEnds: number[] = [];
  for (const b of [...boxes].sort((a, c) => a.left - c.left)) {
    const free = rowEnds.findIndex((end) => end + gap <= b.left);
    const row = free >= 0 ? free : rowEnds.length < maxRows ? rowEnds.length : null;
    if (row === null) continue;
    b.row = row;
    rowEnds[row] = b.right;
  }
  return boxes;
}

/** Extra layers: the lost writes (each at the time it was acknowledged) and a partition's window. */
export interface ChartExtras {
  lostAtMs: readonly number[];
  partition: { fromMs: number; toMs: number | null } | null;
}

/**
 * An inline SVG chart: throughput (ops/s per 100 ms window) and p99 latency
 * over time, failed operations as bars, vertical markers at the fault, FAIL,
 * promotion and rejoin (their labels in rows above the plot, see
 * layoutLabels), and under it one band per master where its slots could not
 * be written (the write probe). Pure: the same input gives the same SVG.
 */
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
  const left = 60;
  const w = width - left - 60;
  const endMs = Math.max(
    1000,
    (windows.length + 1) * 100,
    ...markers.map((m) => m.tMs + 100),
    ...lanes.flatMap((l) => l.outages.map((o) => o.toMs)),
  );
  const x = (tMs: number): number => left + (tMs / endMs) * w;
  const labelText = (m: Marker): string => `${m.label} +${(m.tMs / 1000).toFixed(2)} s`;
  const labels = layoutLabels(
    markers.map((m) => ({ x: x(m.tMs), text: labelText(m) })),
    width - 2,
  );
  const leftOut = labels.filter((b) => b.row === null).length;
  // A label left out is said in a row of its own, above the labels' rows.
  const rows = Math.max(0, ...labels.map((b) => (b.row === null ? 0 : b.row + 1))) + (leftOut ? 1 : 0);
  // The labels' rows stand above the plot, which keeps its height: the chart grows instead.
  const pad = {
    left,
    right: 60,
    top: Math.max(20, rows * LABEL_ROW_H + 10),
    bottom: 40 + (lanes.length ? lanes.length * LANE_H + 38 : 0),
  };
  const h = plotHeight - 60;
  const height = pad.top + h + pad.bottom;
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
  // Each line reaches up to its own label's row, so a label higher up still points at its moment; the labels
  // are drawn after every line, on white, so no other marker's line runs through them.
  const baselineOf = (b: LabelBox): number => pad.top - 4 - (b.row ?? 0) * LABEL_ROW_H;
  const marks = markers
    .map((m, i) => {
      const b = labels[i]!;
      const y1 = b.row === null ? pad.top : baselineOf(b) - LABEL_PX + 1;
      return `<g class="marker" data-marker="${esc(m.label)}"><title>${esc(labelText(m))}</title><line x1="${x(m.tMs).toFixed(1)}" y1="${y1}" x2="${x(m.tMs).toFixed(1)}" y2="${pad.top + h}"/></g>`;
    })
    .join('');
  const markLabels = markers
    .map((m, i) => {
      const b = labels[i]!;
      if (b.row === null) return '';
      const y = baselineOf(b);
      return `<rect class="marker-label-bg" x="${b.left.toFixed(1)}" y="${y - LABEL_PX + 1}" width="${(b.right - b.left).toFixed(1)}" height="${LABEL_ROW_H - 1}"/><text class="marker-label ${b.anchor}" x="${(b.anchor === 'start' ? b.left : b.right).toFixed(1)}" y="${y}">${esc(labelText(m))}</text>`;
    })
    .join('');
  const leftOutNote = leftOut
    ? `<text class="axis" x="${pad.left}" y="${pad.top - 4 - (rows - 1) * LABEL_ROW_H}">${leftOut} marker labels left out where they would overlap: hover a line for its label</text>`
    : '';
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
${cutBand}${bars}${lostTicks}<path class="ops" d="${ops}"/><path class="p99" d="${lat}"/>${marks}${markLabels}${leftOutNote}${ticks}
<text class="axis ops-label" x="6" y="${pad.top + 10}">${Math.round(maxOps)} ops/s</text>
<text class="axis p99-label" x="${width - pad.right + 4}" y="${pad.top + 10}">${maxP99} ms p99</text>
<text class="axis" x="${pad.left}" y="${pad.top + h + 28}">time since the load started; blue: throughput (ops/s per 100 ms); orange: p99 latency; red bars: failed operations${extras.partition ? '; shaded: the partition' : ''}${extras.lostAtMs.length ? '; dark red ticks: lost writes (when acknowledged)' : ''}</text>
${laneCaption}${bands}
</svg>`;
}
