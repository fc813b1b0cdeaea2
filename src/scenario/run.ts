import { probeAll } from '../cluster/probe.js';
import { type SlotMap, type SlotMapMaster, slotMap } from '../cluster/slotmap.js';
import { populate } from '../cluster/populate.js';
import { DeadlineError } from '../errors.js';
import { promotionDone, rejoinDone, rolesSwapped } from '../faults/conditions.js';
import { type DrillContext, defaultDeadline, findDrillNode, pidOf } from '../faults/drill-context.js';
import { killMaster, promotionTiming } from '../faults/kill-master.js';
import { manualFailover } from '../faults/manual-failover.js';
import { openObserver } from '../faults/observe-fault.js';
import { nodesWithIds, rejoinNode, roleOf } from '../faults/rejoin.js';
import type { FaultResult } from '../faults/report.js';
import { selectMaster, selectNode } from '../faults/target.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { Observer } from '../observe/observer.js';
import type { Check, DrillReport, Marker, StepRecord } from '../report/model.js';
import { serverInfo, untilSteady } from '../report/sections.js';
import { type Clock, systemClock } from '../util/clock.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { parseMix } from '../workload/options.js';
import { Workload, type WorkloadResult } from '../workload/runner.js';
import { type DeferredAssertion, checkName, clusterOk, deferredOf, describeStep, roleCheck, stepTitle, workloadChecks } from './assertions.js';
import { isName } from './names.js';
import { buildScenarioReport } from './report.js';
import type { FaultStepName, Scenario, Step } from './schema.js';

export interface ScenarioRunOptions {
  file: string;
  /** Deadline of every wait-for without its own (default 3 x node timeout + 10 s). */
  deadlineMs?: number;
  version: string;
  signal?: AbortSignal;
  clock?: Clock;
  reporter?: Reporter;
}

/** A node a step acted on: named nodes keep their node id, so `victim` stays the same node after any failover. */
export interface NamedNode extends Address {
  name: string | null;
  id: string;
}

interface PendingPromotion {
  victim: SlotMapMaster;
  /** Set for a manual failover: the replica asked to take over. */
  chosen: string | null;
  t0: number;
}

/** A step that could not do its part on the cluster as it is: the run stops there with a failed check (exit 1). */
class StepFailed extends Error {}

/** How long a failed run reads back counters on slots that may stay unserved. */
const FAILED_VERIFY_MS = 3000;

const SIGNAL_OF: Record<FaultStepName, 'kill' | 'term' | 'stop'> = { 'kill-master': 'kill', 'stop-master': 'term', 'freeze-master': 'stop' };

/**
 * Runs a scenario's steps in order on one cluster under one load
 * (consistency mode on) and one observer, so every step's events land on
 * one timeline. The first failed wait-for or assert ends the steps; the load
 * is then kept until it runs without errors, and the report is built. Core
 * code: no printing, no exit codes; errors other than failed checks propagate.
 */
export async function runScenario(ctx: DrillContext, s: Scenario, o: ScenarioRunOptions): Promise<DrillReport> {
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const connect = { timeoutMs: ctx.timeoutMs, password: ctx.password };
  const before = await reporter.step('Snapshot before: slot map, keys per node, roles', () => slotMap(ctx.nodes, connect));
  const w = s.workload;
  const workload = new Workload({ seeds: ctx.nodes, password: ctx.password, clients: w.clients, durationMs: Number.MAX_SAFE_INTEGER, mix: parseMix(w.mix), keyspace: w.keyspace, valueSize: w.valueSize, rateOps: w.rate, check: true, signal: o.signal, clock });
  // Each master's slots apart: a failover makes one master's slots unavailable, not the whole cluster.
  workload.watchSlotGroups(before.masters.filter((m) => m.slots.length > 0).map((m) => m.slots));
  const observer = openObserver(ctx, clock);
  await observer.start();
  const load = workload.start();
  const run = new Run(ctx, observer, clock.now(), o, clock);
  let result: WorkloadResult;
  let events: DrillEvent[];
  let stepsEnd = 0;
  let completed = false;
  try {
    await reporter.step(`Warming up the load (${w.clients} clients, ${w.warmupMs} ms)`, () => clock.sleep(w.warmupMs, o.signal));
    for (const step of s.steps) {
      if (run.stopped) {
        run.skip(step);
        continue;
      }
      await reporter.step(describeStep(step), () => run.step(step));
    }
    stepsEnd = run.rel(clock.now());
    // After a failed step the cluster may never heal: no waiting for a steady load then.
    if (!run.stopped) await reporter.step('Keeping the load until it runs without errors', () => untilSteady(workload, clock, o.signal));
    completed = true;
  } finally {
    // The counters are read back; a failed or interrupted run does not wait long for unserved slots.
    workload.stop({ verifyTimeoutMs: completed && !run.stopped ? undefined : FAILED_VERIFY_MS });
    result = await load;
    events = await observer.stop();
  }
  const after = await reporter.step('Snapshot after', () => slotMap(ctx.nodes, connect));
  return buildScenarioReport({
    ctx,
    scenario: s,
    file: o.file,
    version: o.version,
    before,
    after,
    result,
    server: await serverInfo(ctx),
    clockNote: observer.clockNote(),
    latency: (from, to) => workload.recorder.latency(from, to),
    events: [...events, ...run.stepEvents].sort((a, b) => a.at - b.at).map((e) => ({ ...e, tMs: run.rel(e.at) })),
    records: run.records,
    checks: [...run.checks, ...workloadChecks(run.deferred, result)],
    markers: run.markers,
    firstFault: run.firstFault,
    promotions: run.promotions,
    rejoins: run.rejoins,
    stepsFromMs: run.records[0]?.startMs ?? stepsEnd,
    stepsToMs: stepsEnd,
    logLines: (a, from, to) => observer.logLines(a, from, to),
  });
}

export interface PromotionRecord {
  index: number;
  victim: NamedNode;
  promoted: NamedNode;
  ms: number | null;
  source: 'log' | 'poll' | null;
  t0: number;
  at: number;
}

export interface RejoinRecord {
  index: number;
  node: NamedNode;
  how: string;
  role: { role: 'master' | 'replica'; master: string | null };
  ms: number | null;
  t0: number;
  at: number;
}

/** The state of one run: names, what is pending, and what happened. */
class Run {
  readonly names = new Map<string, NamedNode>();
  readonly records: StepRecord[] = [];
  readonly checks: Check[] = [];
  readonly markers: Marker[] = [];
  readonly stepEvents: DrillEvent[] = [];
  readonly deferred: DeferredAssertion[] = [];
  readonly promotions: PromotionRecord[] = [];
  readonly rejoins: RejoinRecord[] = [];
  firstFault: (FaultResult & { step: string }) | null = null;
  stopped = false;
  private readonly pendingPromotions = new Map<string, PendingPromotion>();
  private readonly pendingRejoins = new Map<string, { node: NamedNode; t0: number; how: string }>();
  private lastBroken: string | null = null;
  private lastRestarted: string | null = null;

  constructor(
    private readonly ctx: DrillContext,
    private readonly observer: Observer,
    private readonly loadStart: number,
    private readonly o: ScenarioRunOptions,
    private readonly clock: Clock,
  ) {}

  /** ms from the start of the load. */
  rel(at: number): number {
    return Math.round(at - this.loadStart);
  }

  skip(step: Step): void {
    const t = this.rel(this.clock.now());
    this.records.push({ index: step.index, step: step.step, title: stepTitle(step), detail: 'skipped: an earlier step failed', startMs: t, endMs: t, outcome: 'skipped', node: null });
  }

  async step(step: Step): Promise<void> {
    const at = this.clock.now();
    this.stepEvents.push({ tMs: 0, at, node: '', source: 'scenario', kind: 'step', detail: describeStep(step) });
    if (step.step !== 'assert' && step.step !== 'wait-for') this.markers.push({ label: `[${step.index}] ${step.step}`, tMs: this.rel(at) });
    let detail: string;
    let node: NamedNode | null = null;
    let outcome: StepRecord['outcome'] = 'done';
    try {
      ({ detail, node = null } = await this.act(step));
    } catch (e) {
      if (!(e instanceof StepFailed)) throw e;
      detail = e.message;
      outcome = 'failed';
      this.checks.push({ name: checkName(step.index, step.step, ''), passed: false, detail });
    }
    // A failed check of this step (a wait-for past its deadline, an assert) ends the run's steps.
    if (this.checks.some((c) => !c.passed && c.name.startsWith(`steps[${step.index}] `))) {
      outcome = 'failed';
      this.stopped = true;
    }
    this.records.push({ index: step.index, step: step.step, title: stepTitle(step), detail, startMs: this.rel(at), endMs: this.rel(this.clock.now()), outcome, node: node ? { ...node } : null });
  }

  private async act(step: Step): Promise<{ detail: string; node?: NamedNode }> {
    switch (step.step) {
      case 'kill-master':
      case 'stop-master':
      case 'freeze-master':
        return this.breakMaster(step.index, step.step, step.options);
      case 'failover':
        return this.failover(step.options);
      case 'restart-node':
      case 'resume-node':
        return this.bringBack(step.step === 'restart-node' ? 'restart' : 'resume', step.options.node);
      case 'wait-for':
        return this.waitFor(step.index, step.options);
      case 'populate': {
        const r = await populate(this.ctx.nodes, { keys: step.options.keys, prefix: step.options.prefix ?? 'key', valueSize: step.options['value-size'] ?? 16, connect: this.connect, signal: this.o.signal });
        if (r.errors > 0) throw new StepFailed(`${r.errors} of ${r.keys} writes failed: ${r.errorSamples.slice(0, 2).join('; ')}`);
        return { detail: `wrote ${r.written} keys in ${r.elapsedMs} ms; the cluster holds ${r.totalKeys} keys` };
      }
      case 'assert':
        return this.assert(step.index, step.options);
    }
  }

  private get connect() {
    return { timeoutMs: this.ctx.timeoutMs, password: this.ctx.password };
  }

  private deadline(own: number | undefined): number {
    return own ?? this.o.deadlineMs ?? defaultDeadline(this.ctx);
  }

  private named(name: string, n: { id: string; host: string; port: number }): NamedNode {
    const node = { name, id: n.id, host: n.host, port: n.port };
    this.names.set(name, node);
    return node;
  }

  /** A master by name (the node a name was given to, which must serve slots now) or by selector. */
  private master(map: SlotMap, ref: string | undefined, sel: { slot?: number; key?: string } = {}): SlotMapMaster {
    if (ref !== undefined && isName(ref, new Set(this.names.keys()))) {
      const n = this.names.get(ref)!;
      const m = map.masters.find((x) => x.id === n.id && x.slots.length > 0);
      if (!m) throw new StepFailed(`${ref} (${formatAddress(n)}) is not a master serving slots now`);
      return m;
    }
    return selectMaster(map, { master: ref, ...sel });
  }

  /** Any node: by name, Master[N], host:port or node-id prefix. */
  private async node(ref: string): Promise<NamedNode> {
    const named = this.names.get(ref);
    if (named) return named;
    if (/^(?:Master\[)?\d+\]?$/i.test(ref)) {
      const m = selectMaster(await slotMap(this.ctx.nodes, this.connect), { master: ref });
      return { name: null, id: m.id, host: m.host, port: m.port };
    }
    const n = selectNode(await nodesWithIds(this.ctx), ref);
    return { name: null, id: n.id ?? '', host: n.host, port: n.port };
  }

  private noteFault(step: string, r: FaultResult): void {
    if (!this.firstFault) this.firstFault = { ...r, step };
  }

  private async breakMaster(index: number, step: FaultStepName, o: Extract<Step, { step: FaultStepName }>['options']): Promise<{ detail: string; node: NamedNode }> {
    const map = await slotMap(this.ctx.nodes, this.connect);
    const victim = this.master(map, o.master, { slot: o.slot, key: o.key });
    const r = await killMaster(this.ctx, { target: { master: victim.id }, signal: SIGNAL_OF[step], wait: false, force: Boolean(o.force), abort: this.o.signal, observer: this.observer });
    this.noteFault(step, r);
    const t0 = Date.parse(r.faultAt);
    this.pendingPromotions.set(victim.id, { victim, chosen: null, t0 });
    this.lastBroken = victim.id;
    const node = this.named(o.as ?? 'victim', victim);
    return { detail: `${faultDetail(r)}; named ${node.name}`, node };
  }

  private async failover(o: Extract<Step, { step: 'failover' }>['options']): Promise<{ detail: string; node: NamedNode }> {
    const map = await slotMap(this.ctx.nodes, this.connect);
    let master: SlotMapMaster;
    let replica: { id: string; host: string; port: number };
    if (o.replica !== undefined) {
      const n = await this.node(o.replica);
      const m = map.masters.find((x) => x.slots.length > 0 && x.replicas.some((r) => r.id === n.id));
      if (!m) throw new StepFailed(`${o.replica} (${formatAddress(n)}) is not a replica of a master serving slots now`);
      master = m;
      replica = n;
    } else {
      master = this.master(map, o.master);
      const r = master.replicas.find((x) => x.up) ?? master.replicas[0];
      if (!r) throw new StepFailed(`Master[${master.index}] ${formatAddress(master)} has no replica to fail over to`);
      replica = r;
    }
    const mode = o.force ? 'force' : o.takeover ? 'takeover' : 'default';
    const r = await manualFailover(this.ctx, { replica: formatAddress(replica), mode, wait: false, abort: this.o.signal, observer: this.observer });
    this.noteFault('failover', r);
    this.pendingPromotions.set(master.id, { victim: master, chosen: replica.id, t0: Date.parse(r.faultAt) });
    this.lastBroken = master.id;
    const node = this.named(o.as ?? 'victim', master);
    return { detail: `${faultDetail(r)} (replica of Master[${master.index}] ${formatAddress(master)}); named ${node.name}`, node };
  }

  private async bringBack(mode: 'restart' | 'resume', ref: string): Promise<{ detail: string; node: NamedNode }> {
    const node = await this.node(ref);
    let first = '';
    if (mode === 'restart') {
      // A rolling restart restarts running nodes: shut it down first (SHUTDOWN NOSAVE, escalating to signals).
      const dn = findDrillNode(this.ctx, node);
      const pid = dn ? await pidOf(this.ctx, dn) : null;
      if (dn?.redis && pid !== null && (await dn.redis.processState(pid)) === 'running') {
        await dn.redis.stop(pid);
        first = `shut down pid ${pid}, then `;
      }
    }
    const r = await rejoinNode(this.ctx, { node: formatAddress(node), mode, wait: false, abort: this.o.signal, observer: this.observer });
    this.pendingRejoins.set(node.id, { node, t0: Date.parse(r.faultAt), how: r.how });
    this.lastRestarted = node.id;
    return { detail: `${first}${faultDetail(r)}${node.name ? ` (${node.name})` : ''}`, node };
  }

  private async waitFor(index: number, o: Extract<Step, { step: 'wait-for' }>['options']): Promise<{ detail: string; node?: NamedNode }> {
    const check = (what: string, passed: boolean, detail: string): void => void this.checks.push({ name: checkName(index, 'wait-for', what), passed, detail });
    if (o.duration !== undefined) {
      await this.clock.sleep(o.duration, this.o.signal);
      return { detail: `waited ${o.duration} ms` };
    }
    const timeoutMs = this.deadline(o.deadline);
    if (o['cluster-ok']) {
      const r = await this.watch(clusterOk, 'every answering node reporting cluster_state:ok', timeoutMs);
      check('cluster-ok', r.ok, r.text);
      return { detail: r.text };
    }
    if (o.promotion !== undefined) {
      const id = o.promotion === null ? this.lastBroken! : (await this.node(o.promotion)).id;
      const p = this.pendingPromotions.get(id);
      if (!p) throw new StepFailed(`${o.promotion} was not broken by an earlier step: there is no promotion to wait for`);
      const label = `Master[${p.victim.index}] ${formatAddress(p.victim)}`;
      const slot = p.victim.slots[0]![0];
      const r = await this.watch(
        (probes) => (p.chosen ? rolesSwapped(probes, { id: p.chosen }, p.victim) : promotionDone(probes, p.victim, p.victim.replicas.map((x) => x.id), slot)),
        `a replica of ${label} master of its slots, cluster_state:ok everywhere`,
        timeoutMs,
      );
      if (!r.ok) {
        check('promotion', false, `no replica of ${label} took over within ${timeoutMs} ms; ${r.text}`);
        return { detail: r.text };
      }
      const replica = p.victim.replicas.find((x) => x.id === r.value)!;
      await this.observer.catchUpLogs();
      const timing = promotionTiming(this.observer.events, replica, p.t0);
      const promoted = this.named(o.as ?? 'promoted', replica);
      const victim = [...this.names.values()].find((n) => n.id === p.victim.id) ?? { name: null, id: p.victim.id, host: p.victim.host, port: p.victim.port };
      this.promotions.push({ index, victim, promoted, ms: timing.promotionMs, source: timing.promotionSource, t0: p.t0, at: this.clock.now() });
      if (timing.promotionMs !== null) this.markers.push({ label: 'promotion', tMs: this.rel(p.t0 + timing.promotionMs) });
      const text = `${formatAddress(replica)} took over ${label}'s slots after ${timing.promotionMs ?? '?'} ms (${timing.promotionSource ?? 'not measured'}); named ${promoted.name}`;
      check('promotion', true, text);
      return { detail: text, node: promoted };
    }
    const id = o.rejoin === null || o.rejoin === undefined ? this.lastRestarted! : (await this.node(o.rejoin)).id;
    const p = this.pendingRejoins.get(id);
    if (!p) throw new StepFailed(`${o.rejoin} was not restarted or resumed by an earlier step: there is no rejoin to wait for`);
    const label = formatAddress(p.node);
    const r = await this.watch((probes) => rejoinDone(probes, p.node), `${label} back as a replica with master_link_status:up (or a master)`, timeoutMs);
    if (!r.ok) {
      check('rejoin', false, `${label} did not rejoin within ${timeoutMs} ms; ${r.text}`);
      return { detail: r.text, node: p.node };
    }
    const role = await roleOf(this.ctx, p.node);
    await this.observer.catchUpLogs();
    const link = this.observer.events.find((e) => e.node === label && (e.kind === 'link-up' || e.kind === 'sync-finished') && e.at >= p.t0);
    const ms = link ? Math.round(link.at - p.t0) : Math.round(this.clock.now() - p.t0);
    this.rejoins.push({ index, node: p.node, how: p.how, role, ms, t0: p.t0, at: this.clock.now() });
    this.markers.push({ label: 'rejoin', tMs: this.rel(p.t0 + ms) });
    const text = `${label}${p.node.name ? ` (${p.node.name})` : ''} is back: ROLE ${role.role}${role.master ? ` of ${role.master}` : ''}, after ${ms} ms`;
    check('rejoin', true, text);
    return { detail: text, node: p.node };
  }

  /** Waits with the shared observer; a passed deadline is an outcome here, not an exception. */
  private async watch<T>(condition: Parameters<Observer['waitFor']>[0], what: string, timeoutMs: number): Promise<{ ok: true; value: T; text: string } | { ok: false; text: string }> {
    try {
      const value = (await this.observer.waitFor(condition, { what, timeoutMs, signal: this.o.signal })) as T;
      return { ok: true, value, text: typeof value === 'string' ? value : what };
    } catch (e) {
      if (e instanceof DeadlineError) return { ok: false, text: `last seen: ${e.lastSeen}` };
      throw e;
    }
  }

  private async assert(index: number, o: Extract<Step, { step: 'assert' }>['options']): Promise<{ detail: string }> {
    const done: Check[] = [];
    if (o.roles) {
      const items = await Promise.all(
        Object.entries(o.roles).map(async ([ref, want]) => {
          const n = await this.node(ref);
          return { ref, address: formatAddress(n), want, got: await roleOf(this.ctx, n).catch(() => null) };
        }),
      );
      done.push(roleCheck(index, items));
    }
    if (o['cluster-ok']) {
      const r = clusterOk(await probeAll(this.ctx.nodes, this.connect));
      done.push({ name: checkName(index, 'assert', 'cluster-ok'), passed: r.done, detail: r.done ? r.value : r.seen });
    }
    if (o['max-promotion-ms'] !== undefined) {
      const limit = o['max-promotion-ms'];
      const slowest = this.promotions.reduce<PromotionRecord | null>((a, p) => (a === null || (p.ms ?? Infinity) > (a.ms ?? Infinity) ? p : a), null);
      done.push({
        name: checkName(index, 'assert', 'max-promotion-ms'),
        passed: slowest !== null && this.promotions.every((p) => p.ms !== null && p.ms <= limit),
        detail: slowest ? `slowest of ${this.promotions.length} promotion(s): ${formatAddress(slowest.promoted)} after ${slowest.ms ?? '?'} ms; limit ${limit} ms` : 'no promotion measured before this step',
      });
    }
    const later = deferredOf(index, o);
    this.deferred.push(...later);
    this.checks.push(...done);
    const parts = [...done.map((c) => `${c.passed ? 'pass' : 'FAIL'}: ${c.detail}`), ...later.map((d) => `${d.kind} ${d.limit}: judged at the end of the run`)];
    return { detail: parts.join('; ') };
  }
}

/** The fault event's own words: "SIGKILL sent to pid 123 (Master[0] 127.0.0.1:7000)". */
function faultDetail(r: FaultResult): string {
  return r.events.find((e) => e.kind === 'fault')?.detail || `${r.how} on ${formatAddress(r.victim)}`;
}
