import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Deployment } from '../deployment/handle.js';
import { deploymentMap } from '../deployment/lookup.js';
import type { SlotMap } from '../cluster/slotmap.js';
import type { DrillReport } from '../report/model.js';
import { serverInfo } from '../report/sections.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { checkProgramFound } from '../workload/program-run.js';
import { workloadChecks } from './assertions.js';
import { type ShardKeys, keyCounts, keysLostCheck, shardKeys } from './key-counts.js';
import { Instruments, type Measured } from './instruments.js';
import { type Loaded, LoadSet, STEADY_MAX_MS } from './load-set.js';
import { survivedCheck } from './programs.js';
import { buildDrillReport } from './report.js';
import { abortCheck, sentinelSection, unexpectedFailoverCheck } from './report-sections.js';
import { sampleResources } from './resources.js';
import { DrillRun } from './run.js';
import type { RunRecord } from './run-record.js';
import type { DrillSpec } from './spec.js';
import { type RunPolicy, runStepList, undoTeardowns } from './step-loop.js';
import { stepHandler } from './steps/index.js';
import { type WitnessResult, Witnesses } from './witnesses.js';

export interface DrillOptions {
  /** Deadline of every wait without its own (default 3 x node timeout + 10 s). */
  deadlineMs?: number;
  version: string;
  clock?: Clock;
  reporter?: Reporter;
  /** The write probe's cadence and per-write deadline (default 10 ms and 100 ms). */
  probe?: { intervalMs: number; deadlineMs: number };
  /** How the drill goes on when a step fails or throws (default: the first failed step ends the steps). */
  policy?: RunPolicy;
  /** Run an independent witness process per master beside the probe (--witness). */
  witness?: boolean;
}

/** How long a failed run reads back counters on slots that may stay unserved. */
const FAILED_VERIFY_MS = 3000;

/**
 * THE drill engine: one deployment, one load (consistency counters on),
 * the instruments (observer, write probe), and the drill's steps in order
 * on one timeline. The first failed wait-for or assert ends the steps (or
 * what the policy says); the load is then kept until it runs without
 * errors, whatever a fault left behind (a frozen node) is undone, and the
 * report is built. Core code: no printing, no exit codes; errors other than
 * failed checks propagate, after cleanup.
 */
export async function runDrill(d: Deployment, spec: DrillSpec, o: DrillOptions): Promise<DrillReport> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const policy = o.policy ?? {};
  // What the steps will need is checked before anything is broken or loaded.
  for (const step of spec.steps) await stepHandler(step.step)!.preflight?.(step.options, d);
  for (const program of spec.programs) await checkProgramFound(program);
  const { map: before, keys: keysBefore } = await reporter.step(
    'Snapshot before: slot map, keys per shard, roles',
    () => snapshot(d),
  );
  policy.preflight?.(before);
  const serving = before.masters.filter((m) => m.slots.length > 0);
  const loads = new LoadSet(d, spec, serving, clock);
  const instruments = new Instruments(d, before, clock, o.probe);
  const witnesses = o.witness ? new Witnesses(d, before) : null;
  const out: Partial<{ run: RunRecord; steps: { fromMs: number; toMs: number }; loaded: Omit<Loaded, 'programs'> }> =
    {};
  let measured: Measured;
  let programs: Loaded['programs'];
  let witnessed: WitnessResult | null;
  // The main thread's own lateness, beside the instruments' (their thread measures its own).
  const mainDelay = monitorEventLoopDelay({ resolution: 10 });
  mainDelay.enable();
  try {
    await instruments.open();
    await runSteps(d, spec, o, { loads, instruments, witnesses, clock, reporter, policy }, out);
  } finally {
    programs = await loads.stopPrograms();
    witnessed = (await witnesses?.stop()) ?? null;
    measured = await instruments.stop();
    mainDelay.disable();
    measured.cadence.mainLoopDelayP99Ms = mainDelay.count ? Math.round(mainDelay.percentile(99) / 1e6) : null;
  }
  const { run, steps, loaded } = out as Required<typeof out>;
  const fault = run.faults[0];
  const faultMs = fault ? fault.t0 - run.loadStart : null;
  const { map: after, keys: keysAfter } = await reporter.step('Snapshot after', () => snapshot(d));
  const keys = keyCounts(before, after, keysBefore, keysAfter);
  const events = [...measured.events, ...run.stepEvents, ...loads.programEvents()].sort((a, b) => a.at - b.at);
  const sentinel = sentinelSection(d, run, measured.events, measured.stale);
  return buildDrillReport({
    deployment: d,
    spec,
    version: o.version,
    maps: { before, after },
    keys,
    load: {
      ...loaded,
      programs,
      gapOf: (index) => loads.gapOf(index),
      latency: (from, to) => loads.workload.recorder.latency(from, to),
    },
    measured: {
      ...measured,
      witness: witnessed,
      events,
      server: await serverInfo(d),
      clockNote: instruments.observer.clockNote(),
    },
    logLines: (a, from, to) => instruments.observer.logLines(a, from, to),
    run,
    checks: [
      ...run.checks,
      keysLostCheck(keys, before),
      ...workloadChecks(run.deferred, loaded.result, measured.availability, loaded.side),
      ...[unexpectedFailoverCheck(run, measured.events), abortCheck(sentinel)].filter((c) => c !== null),
      ...programs.map((p) => survivedCheck(p, faultMs, programs.length > 1)),
    ],
    steps,
  });
}

/** The slot map and each shard's keys (see key-counts.ts). */
async function snapshot(d: Deployment): Promise<{ map: SlotMap; keys: ShardKeys[] }> {
  const map = await deploymentMap(d);
  return { map, keys: await shardKeys(map, d.connect) };
}

interface Parts {
  loads: LoadSet;
  instruments: Instruments;
  witnesses: Witnesses | null;
  clock: Clock;
  reporter: Reporter;
  policy: RunPolicy;
}

/** The load, the warm-up and the steps; fills `out` as it goes, so the caller can stop what runs whatever happens. */
async function runSteps(
  d: Deployment,
  spec: DrillSpec,
  o: DrillOptions,
  p: Parts,
  out: { run?: RunRecord; steps?: { fromMs: number; toMs: number }; loaded?: Omit<Loaded, 'programs'> },
): Promise<void> {
  const { loads, clock, reporter } = p;
  const loadStart = await loads.startKv();
  p.instruments.start(loadStart);
  p.witnesses?.start(loadStart);
  const run = new DrillRun(d, p.instruments.observer, loadStart, clock, o.deadlineMs);
  const stopSampling = sampleResources((x) => run.recordResources({ tMs: run.rel(clock.now()), ...x }));
  // The steps ran and the load recovered: only then is it worth waiting for unserved slots when reading back.
  let settled = false;
  let fromMs = 0;
  try {
    await loads.startOthers(loadStart);
    await reporter.step(`Warming up the load (${loads.describe()}, ${spec.load.warmupMs} ms)`, () =>
      clock.sleep(spec.load.warmupMs, d.abortSignal),
    );
    loads.refuseEarlyExits();
    fromMs = run.rel(clock.now());
    await runStepList(run, spec.steps, p.policy, reporter);
    out.steps = { fromMs, toMs: run.rel(clock.now()) };
    // After a failed step the cluster may never heal: no waiting for a steady load then.
    if (!run.stopped) settled = await keepUntilSteady(run, loads, clock, reporter);
  } finally {
    out.steps ??= { fromMs, toMs: run.rel(clock.now()) };
    stopSampling();
    await undoTeardowns(run, reporter, run.interrupted !== null || Boolean(d.abortSignal?.aborted));
    // The counters are read back; a failed or interrupted run does not wait long for unserved slots.
    out.loaded = await loads.stop(settled && !run.stopped ? undefined : FAILED_VERIFY_MS);
    out.run = run.record();
  }
}

/** The check `load recovered`: a full second without errors after the last step. */
async function keepUntilSteady(run: DrillRun, loads: LoadSet, clock: Clock, reporter: Reporter): Promise<boolean> {
  const t = clock.now();
  const steady = await reporter.step('Keeping the load until it runs without errors', () =>
    loads.untilSteady(clock, run.abortSignal),
  );
  run.addChecks([
    steady
      ? {
          name: 'load recovered',
          passed: true,
          detail: `a full second of operations without an error ${Math.round(clock.now() - t)} ms after the last step`,
        }
      : {
          name: 'load recovered',
          passed: false,
          detail: `no full second without errors in the ${STEADY_MAX_MS} ms after the last step: ${loads.lastError()}`,
        },
  ]);
  return steady;
}
