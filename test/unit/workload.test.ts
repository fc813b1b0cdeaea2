import { describe, expect, it } from 'vitest';
import { classifyClientError } from '../../src/workload/error-class.js';
import { parseDuration, parseMix, pickOperation } from '../../src/workload/options.js';
import { Recorder } from '../../src/workload/stats.js';
import { renderChart } from '../../src/report/chart.js';
import { parseFormats } from '../../src/report/write.js';

describe('workload options', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBe(10_000);
    expect(() => parseDuration('soon')).toThrow(/bad --duration/);
  });

  it('parses a mix and picks by weight', () => {
    const mix = parseMix('set=45,get=45,del=5,incr=5');
    expect(mix.map((m) => m.op)).toEqual(['set', 'get', 'del', 'incr']);
    expect(pickOperation(mix, 0)).toBe('set');
    expect(pickOperation(mix, 0.449)).toBe('set');
    expect(pickOperation(mix, 0.45)).toBe('get');
    expect(pickOperation(mix, 0.94)).toBe('del');
    expect(pickOperation(mix, 0.999)).toBe('incr');
    expect(() => parseMix('set=50,flush=50')).toThrow(/bad --mix part "flush=50"/);
    expect(() => parseMix('set=0')).toThrow(/no positive weight/);
  });
});

describe('client error classes', () => {
  it.each([
    ['CLUSTERDOWN The cluster is down', 'CLUSTERDOWN'],
    ['Too many Cluster redirections. Last error: ReplyError: MOVED 12 127.0.0.1:7000', 'MOVED/ASK'],
    ['Too many Cluster redirections. Last error: Error: Command timed out', 'timeout'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'TRYAGAIN'],
    ["READONLY You can't write against a read only replica.", 'READONLY'],
    ['connect ECONNREFUSED 127.0.0.1:7000', 'connection refused'],
    ['read ECONNRESET', 'connection reset/closed'],
    ['Connection is closed.', 'connection reset/closed'],
    ['Command timed out', 'timeout'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'other'],
  ])('%s -> %s', (message, cls) => {
    expect(classifyClientError(new Error(message))).toBe(cls);
  });
});

describe('Recorder', () => {
  it('puts operations and errors into 100 ms windows and merges latencies', () => {
    const r = new Recorder();
    r.success(10, 1000);
    r.success(50, 3000);
    r.success(150, 2000);
    r.failure(160, 'timeout', 'Command timed out');
    const w = r.windowStats();
    expect(w.map((x) => [x.tMs, x.ops, x.errors])).toEqual([
      [0, 2, 0],
      [100, 1, 1],
    ]);
    expect(w[1]!.errorsByClass).toEqual({ timeout: 1 });
    expect(r.latency()!.maxMs).toBeCloseTo(3, 1);
    expect(r.latency(100, 200)!.maxMs).toBeCloseTo(2, 1);
    expect(r.latency(200, 300)).toBeNull();
    expect(r.opsBetween(0, 100)).toBe(2);
    expect(r.errorClasses()).toEqual({ timeout: 1 });
    // Window 0 was compressed when window 1 opened: its figures and its merged latency are the same as before.
    expect(w[0]!.maxMs).toBeCloseTo(3, 1);
    expect(w[0]!.p50Ms).toBeCloseTo(1, 1);
    expect(r.latency(0, 100)!.p50Ms).toBeCloseTo(1, 1);
    // A result that finishes after its window closed: counted in its window, its latency in the open one.
    r.success(20, 9000);
    expect(r.opsBetween(0, 100)).toBe(3);
    expect(r.latency(100, 200)!.maxMs).toBeCloseTo(9, 1);
    expect(r.latency()!.maxMs).toBeCloseTo(9, 1);
  });
});

describe('report chart and formats', () => {
  it('draws throughput, p99 (broken where there is no success), error bars and every marker', () => {
    const windows = [
      { tMs: 0, ops: 10, errors: 0, p50Ms: 1, p99Ms: 2, maxMs: 3, errorsByClass: {} },
      { tMs: 100, ops: 0, errors: 4, p50Ms: null, p99Ms: null, maxMs: null, errorsByClass: { timeout: 4 } },
      { tMs: 200, ops: 12, errors: 0, p50Ms: 1, p99Ms: 5, maxMs: 6, errorsByClass: {} },
    ];
    const svg = renderChart(windows, [
      { label: 'fault', tMs: 90 },
      { label: 'promotion', tMs: 180 },
    ]);
    expect(svg).toContain('data-marker="fault"');
    expect(svg).toContain('data-marker="promotion"');
    expect(svg.match(/<rect class="errors"/g)).toHaveLength(1);
    const p99 = /<path class="p99" d="([^"]*)"/.exec(svg)![1]!;
    expect(p99.match(/M/g)).toHaveLength(2);
    expect(renderChart(windows, [])).toBe(renderChart(windows, []));
  });

  it('parses --format', () => {
    expect(parseFormats('md,json,html')).toEqual(['md', 'json', 'html']);
    expect(parseFormats('html')).toEqual(['html']);
    expect(() => parseFormats('pdf')).toThrow(/bad --format/);
  });
});
