import { describe, expect, it } from 'vitest';
import { failoverReportSpec } from '../../src/drill/failover-report.js';
import { DrillRun } from '../../src/drill/run.js';
import { LOAD_DEFAULTS } from '../../src/drill/spec.js';
import type { Step } from '../../src/drill/step.js';
import { type RunPolicy, runStepList } from '../../src/drill/step-loop.js';
import { InterruptedError } from '../../src/errors.js';
import { loopSteps, soakSpec } from '../../src/soak/spec.js';
import { soakPolicy } from '../../src/soak/policy.js';
import { silentReporter } from '../../src/util/reporter.js';
import { LOAD_KIND_DEFAULTS } from '../../src/workload/load-defaults.js';
import { loadKinds } from '../../src/workload/loads.js';
import { FakeCluster, type FakeOptions } from '../helpers/fake-deployment.js';

/**
 * The drill engine's step loop and its steps, on a cluster made of
 * arithmetic (test/helpers/fake-deployment.ts) and a fake clock: no server,
 * no sleep. What is checked is the engine's own bookkeeping: what it
 * recorded, which checks passed, what it skipped, what it undid.
 */

function harness(o: FakeOptions = {}) {
  const cluster = new FakeCluster(o);
  const d = cluster.deployment();
  const run = new DrillRun(d, cluster.observer(), cluster.clock.now(), cluster.clock, 10_000);
  return { cluster, d, run };
}

const failoverReport = (fault: string): Step[] =>
  failoverReportSpec({
    fault,
    kind: 'cluster',
    target: {},
    warmupMs: 0,
    settleMs: 500,
    clients: 1,
    mix: LOAD_DEFAULTS.mix,
    keyspace: 10,
    kinds: loadKinds(LOAD_KIND_DEFAULTS),
    maxDoubleGrants: null,
    maxLostMessages: null,
    programs: [],
  }).steps;

describe('the engine on a fake cluster', () => {
  it("kill: the fault, the promotion timed from the replica's own log line, the restart, the rejoin; every check passes", async () => {
    const { cluster, run } = harness({ promoteAfterMs: 1500, rejoinAfterMs: 800 });
    const t0 = cluster.clock.now();
    await runStepList(run, failoverReport('kill'), {}, silentReporter);
    const r = run.record();
    expect(cluster.signals).toEqual(['KILL 7000']);
    expect(r.faults).toMatchObject([{ kind: 'kill', how: 'SIGKILL', victim: { port: 7000, index: 0 }, t0 }]);
    // The promotion: fault -> "Failover election won" in 7003's log, on the same clock.
    expect(r.promotions).toMatchObject([
      { victim: { port: 7000, name: 'victim' }, promoted: { port: 7003 }, ms: 1500, source: 'log' },
    ]);
    // The rejoin: restart -> "sync: Finished with success", 800 ms later; back as a replica of 7003.
    expect(r.rejoins).toMatchObject([
      { node: { port: 7000 }, how: 'restart', ms: 800, role: { role: 'replica', master: '127.0.0.1:7003' } },
    ]);
    expect(r.checks.map((c) => [c.name, c.passed])).toEqual([
      ['promotion', true],
      ['old master rejoined as a replica', true],
    ]);
    expect(r.records.map((x) => [x.step, x.outcome])).toEqual([
      ['kill', 'done'],
      ['wait-for', 'done'],
      ['wait-for', 'done'],
      ['restart-node', 'done'],
      ['wait-for', 'done'],
    ]);
    expect([...r.brokenMasters]).toEqual([cluster.nodes[0]!.port.toString(16).padStart(40, '0')]);
    expect(run.takeTeardowns()).toEqual([]);
  });

  it('freeze: a frozen master left frozen by a failed step is resumed on the way out', async () => {
    const { cluster, run } = harness({ noFailover: true });
    await runStepList(run, failoverReport('freeze'), {}, silentReporter);
    const r = run.record();
    // Nothing can take over: the promotion's deadline passes, the rest is skipped.
    expect(r.checks).toMatchObject([{ name: 'promotion', passed: false }]);
    expect(r.records.map((x) => x.outcome)).toEqual(['done', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(run.stopped).toBe(true);
    expect(cluster.node(7000).process).toBe('frozen');
    const teardowns = run.takeTeardowns();
    expect(teardowns.map((t) => t.what)).toEqual(['resumed 127.0.0.1:7000 (frozen by steps[0])']);
    await teardowns[0]!.run();
    expect(cluster.signals).toEqual(['STOP 7000', 'CONT 7000']);
  });

  it('a replica broken by kill on Node[N]: no promotion is waited for, the cluster flags it fail, it rejoins after a restart', async () => {
    const { cluster, run } = harness();
    const steps = loopSteps(
      { loop: 1, fault: 'kill', target: '127.0.0.1:7004', master: null, node: 4, pauseMs: 100 },
      undefined,
    );
    await runStepList(
      run,
      steps.map((s, index) => ({ ...s, index, line: null })),
      {},
      silentReporter,
    );
    const r = run.record();
    expect(cluster.signals).toEqual(['KILL 7004']);
    expect(r.promotions).toEqual([]);
    expect(r.brokenMasters.size).toBe(0);
    expect(r.checks.every((c) => c.passed)).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['loop 1: promotion', 'loop 1: rejoin', 'loop 1: settled']);
    expect(r.checks[0]!.detail).toMatch(/no promotion: 127\.0\.0\.1:7004 was a replica/);
  });

  it("wait-for elapsed counts from the fault on the run's clock", async () => {
    const { cluster, run } = harness();
    const steps: Step[] = [
      { index: 0, line: null, step: 'kill', options: { master: '1', as: 'v' } },
      { index: 1, line: null, step: 'wait-for', options: { elapsed: { ms: 2500 } } },
    ];
    const t0 = cluster.clock.now();
    await runStepList(run, steps, {}, silentReporter);
    expect(cluster.clock.now() - t0).toBe(2500);
    expect(run.record().records[1]!.detail).toBe('waited 2500 ms, until 2500 ms after the fault of steps[0]');
  });
});

describe("soak's policy, passed to the engine", () => {
  const soak = (keepGoing: boolean) =>
    soakSpec({
      schedule: [1, 2].map((loop) => ({
        loop,
        fault: 'kill',
        target: 'Master[0]',
        master: 0,
        node: null,
        pauseMs: 100,
      })),
      load: { ...LOAD_DEFAULTS, rate: undefined, ...loadKinds(LOAD_KIND_DEFAULTS) },
      plan: {
        seed: 1,
        faults: 'kill',
        target: 'Master[0]',
        intervalMs: 100,
        reproduce: '',
        judgeFailoverLoss: true,
        keepGoing,
        force: false,
      },
    });

  it('without --keep-going, the first failed loop ends the steps', async () => {
    const { run } = harness({ noFailover: true });
    const spec = soak(false);
    await runStepList(run, spec.steps, soakPolicy(spec.soak!), silentReporter);
    const loops = spec.soak!.loops;
    const second = run.record().records.filter((x) => x.index >= loops[1]!.firstStep);
    expect(second.every((x) => x.outcome === 'skipped')).toBe(true);
  });

  it('with --keep-going, what the loop broke is restored and the next loop runs', async () => {
    const { cluster, run } = harness({ noFailover: true });
    const spec = soak(true);
    await runStepList(run, spec.steps, soakPolicy(spec.soak!), silentReporter);
    const r = run.record();
    // Loop 1 failed (no promotion); the killed master was started again; loop 2 ran (and failed the same way).
    expect(r.checks.filter((c) => c.name === 'loop 1: recovered for the next loop')).toMatchObject([{ passed: true }]);
    const loop2 = spec.soak!.loops[1]!;
    expect(r.records.find((x) => x.index === loop2.firstStep)!.outcome).toBe('done');
    expect(cluster.signals).toEqual(['KILL 7000', 'KILL 7000']);
  });

  it('Ctrl-C during a step: the run stops there, an "interrupted" check, the rest skipped; other errors propagate', async () => {
    const { run } = harness();
    const spec = soak(false);
    const policy = soakPolicy(spec.soak!);
    const reporter = {
      ...silentReporter,
      step: async <T>(title: string, fn: () => Promise<T>): Promise<T> => {
        if (title.includes('wait-for')) throw new InterruptedError();
        return fn();
      },
    };
    await runStepList(run, spec.steps, policy, reporter);
    const r = run.record();
    expect(run.interrupted).toMatch(/interrupted \(Ctrl-C\) during steps\[1\] wait-for/);
    expect(r.checks).toMatchObject([{ name: 'interrupted', passed: false }]);
    expect(r.records.map((x) => x.outcome).slice(0, 3)).toEqual(['done', 'failed', 'skipped']);
    const plain: RunPolicy = {};
    const other = harness().run;
    await expect(runStepList(other, spec.steps, plain, reporter)).rejects.toBeInstanceOf(InterruptedError);
  });
});
