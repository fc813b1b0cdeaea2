import { describe, expect, test } from 'vitest';
import { faultSentence, reportTitle } from '../../src/report/heading.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { DrillReport } from '../../src/report/model.js';
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
