import { describe, expect, test } from 'vitest';
import { type LabelBox, layoutLabels, renderChart } from '../../src/report/chart.js';
import { faultSentence, reportTitle } from '../../src/report/heading.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { DrillReport } from '../../src/report/model.js';
import { phase } from '../../src/report/sections.js';
import type { WorkloadResult } from '../../src/workload/runner.js';
import { fixtureReport } from '../helpers/report-fixture.js';

const HOST = '127.0.0.1';
const fault = (victim: NonNullable<DrillReport['fault']>['victim'], how = 'SIGKILL'): DrillReport['fault'] => ({
  kind: 'kill',
  how,
  victim,
  at: '2024-01-01T00:00:01.000Z',
});
const drill = (f: DrillReport['fault']): DrillReport => fixtureReport({ soak: null, fault: f });
const scenario = (f: DrillReport['fault']): DrillReport =>
  fixtureReport({
    soak: null,
    fault: f,
    scenario: {
      name: 'rolling-restart',
      file: 'scenarios/rolling-restart.yaml',
      builtIn: false,
      description: null,
      steps: [],
    },
  });

describe('report titles: each kind of run by its own name', () => {
  test('failover-report, a soak and a scenario', () => {
    expect(reportTitle(drill(null))).toBe('Failover drill');
    expect(reportTitle(fixtureReport())).toBe('Soak: 4 loops of kill,freeze');
    expect(reportTitle(scenario(null))).toBe('Scenario rolling-restart');
    const one = fixtureReport();
    expect(reportTitle({ ...one, soak: { ...one.soak!, loops: 1, faults: 'failover' } })).toBe(
      'Soak: 1 loop of failover',
    );
  });

  test('both renderers use it', () => {
    expect(renderMarkdown(fixtureReport())).toMatch(/^# Soak: 4 loops of kill,freeze: PASS\n/);
    const html = renderHtml(fixtureReport());
    expect(html).toContain('<title>Soak: 4 loops of kill,freeze PASS - default</title>');
    expect(html).toContain('<h1>Soak: 4 loops of kill,freeze: <span');
  });
});

describe("the heading's victim", () => {
  test('a master hit by its slots is Master[N]; failover-report says "Fault", the others "First fault"', () => {
    const f = fault({ id: 'x', host: HOST, port: 7001, index: 1 });
    expect(faultSentence(drill(f))).toBe('Fault: SIGKILL on Master[1] 127.0.0.1:7001 at 2024-01-01T00:00:01.000Z.');
    expect(faultSentence(scenario(f))).toMatch(/^First fault: SIGKILL on Master\[1\] 127\.0\.0\.1:7001 /);
  });

  test('a soak whose first fault hit a replica names it by role and address, never Master[?]', () => {
    const r = fixtureReport();
    expect(faultSentence(r)).toBe('First fault: SIGKILL on replica 127.0.0.1:7004 at 2024-01-01T00:00:01.000Z.');
    expect(renderMarkdown(r)).not.toContain('Master[?]');
    expect(renderHtml(r)).not.toContain('Master[?]');
  });

  test("a partition that cut off no master: the side's first node, found by its address (it has no id)", () => {
    const how = 'isolate {127.0.0.1:7003} from the rest';
    expect(faultSentence(drill(fault({ id: null, host: HOST, port: 7003 }, how)))).toBe(
      `Fault: ${how} on replica 127.0.0.1:7003 at 2024-01-01T00:00:01.000Z.`,
    );
    expect(faultSentence(drill(fault({ id: null, host: HOST, port: 7002 }, how)))).toMatch(
      / on master 127\.0\.0\.1:7002 /,
    );
    expect(faultSentence(drill(fault({ id: null, host: HOST, port: 7999 }, how)))).toMatch(
      / on node 127\.0\.0\.1:7999 /,
    );
  });
});

describe('chart marker labels: laid out in rows, none over another', () => {
  const intersect = (a: LabelBox, b: LabelBox): boolean =>
    a.row !== null && a.row === b.row && a.left < b.right && b.left < a.right;
  const noneIntersect = (boxes: readonly LabelBox[]): void => {
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) expect(intersect(a, b), JSON.stringify([a, b])).toBe(false);
  };

  test('labels at the same or nearby moments get different rows; far-apart ones share the first', () => {
    const boxes = layoutLabels(
      [
        { x: 100, text: 'loop 3: fault +6.00 s' },
        { x: 100, text: 'FAIL +6.00 s' },
        { x: 110, text: 'loop 3: restart +6.10 s' },
        { x: 600, text: 'rejoin +9.00 s' },
      ],
      1000,
    );
    expect(boxes.map((b) => b.row)).toEqual([0, 1, 2, 0]);
    expect(boxes.every((b) => b.anchor === 'start')).toBe(true);
    noneIntersect(boxes);
  });

  test("a label freed by the row's last one goes back to row 0", () => {
    const boxes = layoutLabels(
      [
        { x: 0, text: 'a' },
        { x: 5, text: 'b' },
        { x: 20, text: 'c' },
      ],
      1000,
    );
    expect(boxes.map((b) => b.row)).toEqual([0, 1, 0]);
  });

  test('near the right edge a label goes left of its line and stays inside', () => {
    const [b] = layoutLabels([{ x: 990, text: 'promotion +11.90 s' }], 1000);
    expect(b).toMatchObject({ anchor: 'end', right: 987 });
    expect(b!.left).toBeGreaterThan(0);
  });

  test('a crowd: never more than the rows allowed, the rest left out, no two boxes intersect', () => {
    // A pseudo-random crowd, the same every run.
    let seed = 1;
    const next = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const crowd = Array.from({ length: 60 }, (_, i) => ({ x: 60 + next() * 880, text: `[${i}] kill +${i}.00 s` }));
    const boxes = layoutLabels(crowd, 1000, 4);
    expect(Math.max(...boxes.map((b) => b.row ?? -1))).toBe(3);
    expect(boxes.some((b) => b.row === null)).toBe(true);
    noneIntersect(boxes);
  });

  test("the soak fixture's chart: every label drawn, in rows above the plot, none over another", () => {
    const r = fixtureReport();
    const svg = renderChart(r.client.windows, r.markers);
    const labels = [...svg.matchAll(/<text class="marker-label (start|end)" x="([\d.]+)" y="(\d+)">([^<]*)<\/text>/g)];
    expect(labels).toHaveLength(r.markers.length);
    // Each drawn label's box, its baseline standing for its row.
    const boxes = labels.map(([, anchor, x, y, text]): LabelBox => {
      const width = text!.length * 11 * 0.6;
      const at = Number(x);
      return {
        left: anchor === 'start' ? at : at - width,
        right: anchor === 'start' ? at + width : at,
        row: Number(y),
        anchor: 'start',
      };
    });
    noneIntersect(boxes);
    // Loop 3's fault, FAIL, promotion, restart and rejoin fall within a second: five rows, all above the plot.
    expect(new Set(boxes.map((b) => b.row)).size).toBe(5);
    const plotTop = Number(/<rect class="plot" x="\d+" y="(\d+)"/.exec(svg)![1]);
    expect(Math.max(...boxes.map((b) => b.row!))).toBeLessThan(plotTop);
    // The plot keeps its height; the chart grows by the rows.
    const height = (s: string): number => Number(/viewBox="0 0 \d+ (\d+)"/.exec(s)![1]);
    expect(height(svg) - height(renderChart(r.client.windows, []))).toBe(plotTop - 20);
  });

  test('labels that fit in no row are left out and said so; their lines keep the label as a tooltip', () => {
    const crowd = Array.from({ length: 10 }, (_, i) => ({ label: `[${i}] kill`, tMs: 5000 + i }));
    const svg = renderChart([], crowd);
    expect(svg.match(/<text class="marker-label/g)).toHaveLength(6);
    expect(svg).toMatch(
      /<text class="axis" x="60" y="20">4 marker labels left out where they would overlap: hover a line for its label<\/text>/,
    );
    expect(svg).toContain('<g class="marker" data-marker="[9] kill"><title>[9] kill +5.01 s</title>');
  });
});

describe("a phase's throughput", () => {
  // A load at 2000 ops/s: 200 per 100 ms window, for 1950 ms (its last window half as long, half as full).
  const load = {
    durationMs: 1950,
    windows: Array.from({ length: 20 }, (_, i) => ({ tMs: i * 100, ops: i === 19 ? 100 : 200, errors: 0 })),
  } as unknown as WorkloadResult;
  const none = () => null;

  test('divides by the span of the windows it counts, so a phase that ends mid-window is not over its rate', () => {
    // 1016 ms counts the windows from 0 to 1000 ms: 2200 operations over 1100 ms, not over 1016.
    expect(phase(load, none, 0, 1016).opsPerSec.value).toBe(2000);
    expect(phase(load, none, 1016, 1500).opsPerSec.value).toBe(2000);
    // The last window ends with the load (1950 ms).
    expect(phase(load, none, 1016, 1950).opsPerSec.value).toBe(2000);
  });

  test('a phase shorter than a window, with no window starting in it: 0, not a division by nothing', () => {
    expect(phase(load, none, 1016, 1050)).toMatchObject({ opsPerSec: { value: 0 }, errors: 0 });
  });
});
