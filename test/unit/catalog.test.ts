import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { checkSteps } from '../../src/drill/check-steps.js';
import { failoverReportSpec } from '../../src/drill/failover-report.js';
import { LOAD_DEFAULTS } from '../../src/drill/spec.js';
import { stepHandler } from '../../src/drill/steps/index.js';
import { FAULTS, faultsHelp, findFault } from '../../src/faults/catalog.js';
import { parseScenario } from '../../src/scenario/load.js';
import { parseFaults } from '../../src/soak/schedule.js';
import { loopSteps } from '../../src/soak/spec.js';
import { LOAD_KIND_DEFAULTS } from '../../src/workload/load-defaults.js';
import { loadKinds } from '../../src/workload/loads.js';

/**
 * Generated from the catalogue: every fault is accepted by every entry
 * point (failover-report --fault, soak --faults, a scenario step) and means
 * the same thing there (the same step sends it). A fault an entry point
 * forgets fails here.
 */

const program = buildProgram(new AbortController().signal);
const command = (...path: string[]): Command =>
  path.reduce<Command>((c, name) => c.commands.find((x) => x.name() === name)!, program);
const option = (c: Command, long: string): Option => c.options.find((o) => o.long === long)!;

const reportSpec = (fault: string, kind: 'cluster' | 'sentinel') =>
  failoverReportSpec({
    fault,
    kind,
    target: {},
    warmupMs: 1000,
    settleMs: 1000,
    clients: 1,
    mix: LOAD_DEFAULTS.mix,
    keyspace: 10,
    kinds: loadKinds(LOAD_KIND_DEFAULTS),
    maxDoubleGrants: null,
    maxLostMessages: null,
    programs: [],
  });

/**
 * The steps of a built-in drill (in their parsed form: durations in ms) must
 * pass the static checks a scenario file gets: every step known, every name
 * given before it is used, every wait after what it waits for.
 */
function expectValidSteps(steps: readonly { step: string; options: Record<string, unknown>; index: number }[]): void {
  for (const s of steps) expect(stepHandler(s.step), `step ${s.step}`).toBeDefined();
  expect(
    checkSteps(
      steps.map((s) => ({ ...s, line: null })),
      { seed: false },
    ),
  ).toEqual([]);
}

describe.each(FAULTS.map((f) => [f.name, f] as const))('fault %s', (name, f) => {
  it('failover-report --fault takes it (sentinel failover-report too, unless it needs Redis Cluster)', () => {
    expect(option(command('failover-report'), '--fault').parseArg!(name, 'kill')).toBe(name);
    const sentinel = option(command('sentinel', 'failover-report'), '--fault');
    if (f.needs.redisCluster) expect(() => sentinel.parseArg!(name, 'kill')).toThrow(/expected/);
    else expect(sentinel.parseArg!(name, 'kill')).toBe(name);
    expect(option(command('failover-report'), '--fault').description).toContain(name);
  });

  it('soak --faults takes it, and its help names it', () => {
    expect(parseFaults(`${name}=2`)).toEqual([{ fault: name, weight: 2 }]);
    expect(option(command('soak'), '--faults').description).toContain(name);
    expect(faultsHelp()).toContain(`${name} (${f.summary})`);
  });

  it('a scenario takes its step, and it is a fault step; its restore step exists', () => {
    // Every fault step takes its defaults when written alone (a target, where it has one: Master[0]).
    const s = parseScenario(`steps:\n  - ${f.step}\n`, 'drill.yaml');
    expect(s.steps[0]!.step).toBe(f.step);
    expect(stepHandler(f.step)!.role).toBe('fault');
    if (f.restore !== null) expect(stepHandler(f.restore)!.role).toBe('restore');
  });

  it('means the same everywhere: failover-report and soak send it with the same step, and both plans pass the checks a scenario gets', () => {
    const report = reportSpec(name, 'cluster');
    const soak = loopSteps(
      { loop: 1, fault: name, target: 'Master[0]', master: 0, node: null, pauseMs: 10 },
      undefined,
    );
    const faultStep = (steps: readonly { step: string }[]) => steps.find((s) => stepHandler(s.step)!.role === 'fault');
    expect(faultStep(report.steps)!.step).toBe(f.step);
    expect(faultStep(soak)!.step).toBe(f.step);
    expectValidSteps(report.steps);
    expectValidSteps([...(f.setup ?? []), ...soak].map((s, index) => ({ ...s, index })));
    if (f.targets.includes('replica')) {
      const byNode = loopSteps(
        { loop: 1, fault: name, target: 'Node[4]', master: null, node: 4, pauseMs: 10 },
        undefined,
      );
      expect(faultStep(byNode)!.step).toBe(f.step);
      expectValidSteps(byNode.map((s, index) => ({ ...s, index })));
    }
  });

  it('has a headline for the timeline and a line of help', () => {
    expect(f.headline.length).toBeGreaterThan(0);
    expect(f.summary.length).toBeGreaterThan(0);
  });
});

describe('older spellings', () => {
  it('each alias finds its fault, and says it was an older spelling', () => {
    for (const f of FAULTS) for (const a of f.aliases) expect(findFault(a)).toEqual({ entry: f, deprecated: a });
    const said: string[] = [];
    expect(parseFaults('reshard-kill', said)).toEqual([{ fault: 'reshard-kill-source', weight: 1 }]);
    expect(said).toEqual(['reshard-kill -> reshard-kill-source']);
  });

  it('a scenario with stop-master loads as term-master, with a notice naming the line', () => {
    const s = parseScenario('steps:\n  - populate: 10\n  - stop-master: 1\n', 'drill.yaml');
    expect(s.steps[1]!.step).toBe('term-master');
    expect(s.notices).toEqual([
      'drill.yaml:3: steps[1] "stop-master" is an older spelling of "term-master": it still works, but write term-master',
    ]);
  });
});
