import { sampleResources } from './resources.js';
import { refuseUnreplicatedTargets } from './soak-preflight.js';
import { InterruptedError } from '../errors.js';
import type { Deployment } from '../deployment/handle.js';
import { deploymentMap } from '../deployment/lookup.js';
import { openObserver } from '../faults/observe-fault.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { Observer, PollCadence } from '../observe/observer.js';
import type { DrillReport } from '../report/model.js';
import { serverInfo } from '../report/sections.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { AvailabilityProbe, type AvailabilityResult } from '../workload/availability.js';
import { parseMix } from '../workload/options.js';
import { Workload, type WorkloadResult } from '../workload/runner.js';
import { kvMixFor } from '../workload/loads.js';
import { SideLoads, type SideLoadResults } from '../workload/side-loads.js';
import { describeStep, stepTitle, workloadChecks } from './assertions.js';
import { buildDrillReport } from './report.js';
import { abortCheck, sentinelSection, unexpectedFailoverCheck } from './report-sections.js';
import { StaleMasterWriter, type StaleWritesResult } from '../workload/stale-writes.js';
import { sentinelOwner } from '../sentinel/topology.js';
import { DrillRun, StepFailed, checkName } from './run.js';
import { checkProgramFound, ProgramRun, type ProgramResult, programEnv } from '../workload/program-run.js';
import { refuseEarlyExit, survivedCheck } from './programs.js';
import type { DrillSpec } from './spec.js';
import type { Step } from './step.js';
import { stepHandler } from './steps/index.js';

export interface DrillOptions {
  /** Deadline of every wait without its own (default 3 x node timeout + 10 s). */
  deadlineMs?: number;
  version: string;
  signal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
  /** The write probe's cadence and per-write deadline (default 10 ms and 100 ms). */
  probe?: { intervalMs: number; deadlineMs: number };
}

/** How long a failed run reads back counters on slots that may stay unserved. */
const FAILED_VERIFY_MS = 3000;
const STEADY_MS = 1000;
const STEADY_MAX_MS = 15_000;

/**
 * THE drill engine: one cluster, one load (consistency counters on), one
 * write probe per master, one observer, and the drill's steps in order on
 * one timeline. The first failed wait-for or assert ends the steps; the load
 * is then kept until it runs without errors, whatever a fault left behind
 * (a frozen node) is undone, and the report is built. Core code: no printing,
 * no exit codes; errors other than failed checks propagate, after cleanup.
 */
export async function runDrill(ctx: Deployment, spec: DrillSpec, o: DrillOptions): Promise<DrillReport> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  // What the steps will need is checked before anything is broken or loaded.
  for (const step of spec.steps) await stepHandler(step.step)!.preflight?.(step.options, ctx);
  for (const program of spec.programs) await checkProgramFound(program);
  const before = await reporter.step('Snapshot before: slot map, keys per node, roles', () => deploymentMap(ctx));
  if (spec.soak) refuseUnreplicatedTargets(before, spec.soak);
  const serving = before.masters.filter((m) => m.slots.length > 0);
  const l = spec.load;
  const sentinel = ctx.masterName
    ? { sentinels: ctx.sentinels.map((s) => ({ host: s.host, port: s.port })), masterName: ctx.masterName }
    : undefined;
  const target = { seeds: ctx.nodes, sentinel, password: ctx.connect.password };
  // Without the kv or set kind the key-value load has no clients; the other kinds run beside it.
  const kvMix = kvMixFor(l.kinds, l.mix);
  const workload = new Workload({
    ...target,
    clients: kvMix === null ? 0 : l.clients,
    durationMs: Number.MAX_SAFE_INTEGER,
    mix: parseMix(kvMix ?? l.mix),
    keyspace: l.keyspace,
    valueSize: l.valueSize,
    rateOps: kvMix === null ? undefined : l.rate,
    check: true,
    signal: o.signal,
    clock,
  });
  const side = new SideLoads(l.kinds, target, { lock: l.lock, pubsub: l.pubsub, clock });
  // Each master's slots apart: a failover makes one master's slots unavailable, not the whole cluster.
  workload.watchSlotGroups(serving.map((m) => m.slots));
  const observer = openObserver(ctx, clock);
  await observer.start();
  const probe = new AvailabilityProbe(
    serving.map((m) => ({
      index: m.index,
      label: `Master[${m.index}] ${formatAddress(m)}`,
      id: m.id,
      ranges: m.slots,
    })),
    {
      password: ctx.connect.password,
      ownerOf: (slot) => ctx.ops.ownerOf(observer.snapshot(), slot),
      clock,
      ...o.probe,
    },
  );
  const stale = ctx.ops.kind === 'sentinel' ? staleWriter(ctx, observer, clock) : null;
  const env = programEnv({
    kind: ctx.ops.kind,
    nodes: ctx.nodes,
    password: ctx.connect.password,
    sentinels: ctx.sentinels,
    masterName: ctx.masterName,
  });
  const programs = spec.programs.map(
    (p, i) => new ProgramRun(spec.programs.length > 1 ? `client ${i + 1}` : 'client', p, env, clock),
  );
  const ran: Partial<Ran> = {};
  try {
    await probe.connect(serving.flatMap((m) => [m, ...m.replicas]));
    await runSteps(ctx, spec, o, { workload, side, programs, observer, probe, stale, clock, reporter }, ran);
  } finally {
    // The user's programs never outlive the drill, whatever happened.
    ran.programs = await Promise.all(programs.map((p) => p.stop()));
    ran.availability = await probe.stop();
    ran.stale = (await stale?.stop()) ?? null;
    ran.events = await observer.stop();
    ran.cadence = observer.cadence();
  }
  const {
    run,
    result,
    availability,
    events,
    cadence,
    stale: staleWrites,
    sideResults,
    programs: programResults,
  } = ran as Ran;
  const faultMs = run.faults[0] ? run.faults[0].t0 - run.loadStart : null;
  const after = await reporter.step('Snapshot after', () => deploymentMap(ctx));
  return buildDrillReport({
    ctx,
    spec,
    version: o.version,
    before,
    after,
    result,
    side: sideResults,
    programs: programResults,
    availability,
    stale: staleWrites,
    loadGapOf: (index) => workload.watchedGap(serving.findIndex((m) => m.index === index)),
    server: await serverInfo(ctx),
    clockNote: observer.clockNote(),
    latency: (from, to) => workload.recorder.latency(from, to),
    events: [...events, ...run.stepEvents, ...programs.flatMap((p) => p.events())].sort((a, b) => a.at - b.at),
    cadence,
    run,
    checks: [
      ...run.checks,
      ...workloadChecks(run.deferred, result, availability, sideResults),
      ...[unexpectedFailoverCheck(run, events), abortCheck(sentinelSection(run, events, staleWrites))].filter(
        (c) => c !== null,
      ),
      ...programResults.map((p) => survivedCheck(p, faultMs, programResults.length > 1)),
    ],
    stepsFromMs: ran.stepsFromMs!,
    stepsToMs: ran.stepsToMs!,
    logLines: (a, from, to) => observer.logLines(a, from, to),
  });
}

interface Ran {
  run: DrillRun;
  result: WorkloadResult;
  sideResults: SideLoadResults;
  programs: ProgramResult[];
  availability: AvailabilityResult;
  stale: StaleWritesResult | null;
  events: DrillEvent[];
  cadence: PollCadence;
  stepsFromMs: number;
  stepsToMs: number;
}

interface Parts {
  workload: Workload;
  side: SideLoads;
  programs: ProgramRun[];
  observer: Observer;
  probe: AvailabilityProbe;
  stale: StaleMasterWriter | null;
  clock: Clock;
  reporter: Reporter;
}

/** The load, the warm-up and the steps; fills `ran` as it goes, so the caller can stop what runs whatever happens. */
async function runSteps(ctx: Deployment, spec: DrillSpec, o: DrillOptions, p: Parts, ran: Partial<Ran>): Promise<void> {
  const { workload, clock, reporter } = p;
  const load = workload.start();
  const loadStart = clock.now();
  let sideStarted: Promise<void> = Promise.resolve();
  p.probe.start(loadStart);
  p.stale?.start(loadStart);
  const run = new DrillRun(ctx, p.observer, loadStart, clock, { signal: o.signal, deadlineMs: o.deadlineMs });
  ran.run = run;
  const stopSampling = sampleResources((x) => run.resources.push({ tMs: run.rel(clock.now()), ...x }));
  // The steps ran and the load recovered: only then is it worth waiting for unserved slots when reading back.
  let settled = false;
  try {
    for (const program of p.programs) program.start(loadStart);
    sideStarted = p.side.start(loadStart);
    await sideStarted;
    await reporter.step(`Warming up the load (${describeLoad(spec)}, ${spec.load.warmupMs} ms)`, () =>
      clock.sleep(spec.load.warmupMs, o.signal),
    );
    // A program of the user's that already ended gives nothing to judge: no fault is sent.
    for (const program of p.programs) refuseEarlyExit(program);
    ran.stepsFromMs = run.rel(clock.now());
    // With --keep-going, the first step of the loop after a failed one: the steps before it are skipped.
    let resumeAt = -1;
    for (const step of spec.steps) {
      if (run.stopped || step.index < resumeAt) {
        skip(run, step);
        continue;
      }
      await reporter
        .step(describeStep(step), () => runStep(run, step))
        .catch((e: unknown) => interruptSoak(run, spec, step, e));
      const next = run.stopped && !run.interrupted && spec.soak?.keepGoing ? nextLoop(spec.soak, step.index) : null;
      if (
        next &&
        (await reporter.step(
          `--keep-going: restoring what ${next.failed} broke, then waiting until the deployment is healthy`,
          () => recoverLoop(run, next.failed, reporter),
        ))
      ) {
        run.stopped = false;
        resumeAt = next.firstStep;
      }
    }
    ran.stepsToMs = run.rel(clock.now());
    // After a failed step the cluster may never heal: no waiting for a steady load then.
    if (!run.stopped) {
      const t = clock.now();
      const steady = await reporter.step('Keeping the load until it runs without errors', () =>
        untilSteady(workload, p.side, clock, o.signal),
      );
      run.checks.push(
        steady
          ? {
              name: 'load recovered',
              passed: true,
              detail: `a full second of operations without an error ${Math.round(clock.now() - t)} ms after the last step`,
            }
          : {
              name: 'load recovered',
              passed: false,
              detail: `no full second without errors in the ${STEADY_MAX_MS} ms after the last step: ${lastError(workload)}`,
            },
      );
      settled = steady;
    }
  } finally {
    stopSampling();
    await undo(run, reporter, run.interrupted !== null || Boolean(o.signal?.aborted));
    // The counters are read back; a failed or interrupted run does not wait long for unserved slots.
    workload.stop({ verifyTimeoutMs: settled && !run.stopped ? undefined : FAILED_VERIFY_MS });
    await sideStarted.catch(() => undefined);
    const [result, sideResults] = await Promise.all([load, p.side.stop()]);
    ran.result = result;
    ran.sideResults = sideResults;
  }
}

/** One step: its handler runs it; a StepFailed or a failed check of its own ends the steps. */
async function runStep(run: DrillRun, step: Step): Promise<void> {
  const h = stepHandler(step.step)!;
  const at = run.clock.now();
  run.stepEvents.push({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: describeStep(step) });
  if (step.step !== 'assert' && step.step !== 'wait-for') run.marker(step.label ?? `[${step.index}] ${step.step}`, at);
  const checksBefore = run.checks.length;
  let detail: string;
  let node = null;
  let outcome: 'done' | 'failed' = 'done';
  try {
    ({ detail, node = null } = await h.run(run, step.options, step));
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    detail = e.message;
    outcome = 'failed';
    run.checks.push({ name: checkName(step, ''), passed: false, detail });
  }
  // A failed check of this step (a wait-for past its deadline, an assert) ends the drill's steps.
  if (run.checks.slice(checksBefore).some((c) => !c.passed)) {
    outcome = 'failed';
    run.stopped = true;
  }
  run.records.push({
    index: step.index,
    step: step.step,
    title: stepTitle(step),
    detail,
    startMs: run.rel(at),
    endMs: run.rel(run.clock.now()),
    outcome,
    node: node ? { ...node } : null,
  });
}

/** The loop a failed step belongs to, and where the next loop starts (null after the last loop). Pure. */
function nextLoop(plan: NonNullable<DrillSpec['soak']>, index: number): { failed: string; firstStep: number } | null {
  const i = plan.loops.findIndex((l) => index >= l.firstStep && index <= l.lastStep);
  const next = plan.loops[i + 1];
  return i >= 0 && next ? { failed: `loop ${plan.loops[i]!.loop}`, firstStep: next.firstStep } : null;
}

/**
 * After a failed soak loop (--keep-going): what it broke is restored (a
 * killed master started, a frozen one resumed, a partition healed) and the
 * deployment must be healthy again within the deadline; if it is not, the
 * soak stops there with that as a failed check.
 */
async function recoverLoop(run: DrillRun, loop: string, reporter: Reporter): Promise<boolean> {
  await undo(run, reporter, true);
  const r = await run.watch(
    (probes) => run.ctx.ops.healthy(probes),
    'a healthy deployment again after a failed loop',
    run.deadline(undefined),
  );
  run.checks.push({
    name: `${loop}: recovered for the next loop`,
    passed: r.ok,
    detail: r.ok
      ? `${r.text}; the soak goes on (--keep-going)`
      : `not healthy again within the deadline (${r.text}): the soak stops here`,
  });
  return r.ok;
}

/**
 * Ctrl-C in a soak: the steps end there and the loops that ran are still
 * reported (the CLI then exits 130); anywhere else the interrupt propagates.
 */
function interruptSoak(run: DrillRun, spec: DrillSpec, step: Step, e: unknown): void {
  if (!(e instanceof InterruptedError) || !spec.soak) throw e;
  run.stopped = true;
  run.interrupted = `interrupted (Ctrl-C) during ${describeStep(step)}`;
  run.checks.push({ name: 'interrupted', passed: false, detail: run.interrupted });
  const t = run.rel(run.clock.now());
  run.records.push({
    index: step.index,
    step: step.step,
    title: stepTitle(step),
    detail: run.interrupted,
    startMs: t,
    endMs: t,
    outcome: 'failed',
    node: null,
  });
}

function skip(run: DrillRun, step: Step): void {
  const t = run.rel(run.clock.now());
  run.records.push({
    index: step.index,
    step: step.step,
    title: stepTitle(step),
    detail: 'skipped: an earlier step failed',
    startMs: t,
    endMs: t,
    outcome: 'skipped',
    node: null,
  });
}

/**
 * What faults left that must not outlive the drill (a frozen node the steps
 * did not resume): undone, each on the timeline. A failure to undo one is
 * reported there and does not stop the others.
 */
async function undo(run: DrillRun, reporter: Reporter, interrupted: boolean): Promise<void> {
  for (const [id, t] of [...run.teardowns]) {
    run.teardowns.delete(id);
    if (t.onInterruptOnly && !interrupted) continue;
    const at = run.clock.now();
    try {
      await t.run();
      run.stepEvents.push({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: `cleanup: ${t.what}` });
    } catch (e) {
      const text = `cleanup failed: ${t.what}: ${(e as Error).message}`;
      reporter.warn(text);
      run.stepEvents.push({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: text });
    }
  }
}

/** Waits until the last second had operations and no errors, and no operation has waited a second for its answer (at most 15 s); false if it never did. */
async function untilSteady(w: Workload, side: SideLoads, clock: Clock, signal?: AbortSignal): Promise<boolean> {
  const until = clock.now() + STEADY_MAX_MS;
  // The second must lie after the last step, not reach back before the fault.
  const after = w.now();
  while (clock.now() < until) {
    await clock.sleep(200, signal);
    // The last full second (the current 100 ms window is still filling).
    const to = Math.floor(w.now() / 100) * 100;
    const from = to - STEADY_MS;
    const kv =
      w.clients === 0 ||
      (w.recorder.errorsBetween(from, to) === 0 &&
        w.recorder.opsBetween(from, to) > 0 &&
        w.oldestPendingMs() < STEADY_MS);
    if (from >= after && kv && side.steadyBetween(from, to)) return true;
  }
  return false;
}

/** "20 clients" or "20 clients + lock + pubsub": what the warm-up line names. */
function describeLoad(spec: DrillSpec): string {
  const l = spec.load;
  const kv = kvMixFor(l.kinds, l.mix) === null ? [] : [`${l.clients} clients`];
  const own = spec.programs.length ? [`${spec.programs.length} program(s) of yours`] : [];
  return [...kv, ...l.kinds.filter((k) => k === 'lock' || k === 'pubsub'), ...own].join(' + ');
}

/** What the load's client last said per error class, for a check's detail. */
function lastError(w: Workload): string {
  const said = [...w.recorder.lastErrors].map(([cls, message]) => `${cls}: ${message}`);
  return said.length ? `the client's last errors: ${said.join('; ')}` : 'no operation completed';
}

/** Sentinel: a client that keeps writing to any data node calling itself a master that the sentinels do not name (see StaleMasterWriter). */
function staleWriter(ctx: Deployment, observer: Observer, clock: Clock): StaleMasterWriter {
  return new StaleMasterWriter({
    password: ctx.connect.password,
    clock,
    master: () => sentinelOwner(observer.snapshot()),
    strays: () => {
      const probes = observer.snapshot();
      const master = sentinelOwner(probes);
      return probes
        .filter(
          (p) =>
            p.kind === 'data' &&
            p.up &&
            p.replication?.get('role') === 'master' &&
            !(master && p.address.port === master.port && p.address.host === master.host),
        )
        .map((p) => p.address);
    },
  });
}
