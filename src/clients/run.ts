import { join } from 'node:path';
import { type Deployment, withDeployment } from '../deployment/handle.js';
import { InterruptedError } from '../errors.js';
import { stepHandler } from '../drill/steps/index.js';
import { findFault } from '../faults/catalog.js';
import { failoverReportSpec } from '../drill/failover-report.js';
import { type CreateFirst, type SessionOptions, runDrillSession } from '../drill/session.js';
import type { DrillSpec } from '../drill/spec.js';
import type { DrillReport } from '../report/model.js';
import type { Format } from '../report/write.js';
import { LOAD_KIND_DEFAULTS } from '../workload/load-defaults.js';
import { loadKinds } from '../workload/loads.js';
import type { MatrixClient } from './adapters.js';
import { type ClientTimeline, type MatrixCell, matrixCell, timelineOf } from './matrix.js';
import { OpLog } from './op-log.js';
import { readBack } from './readback.js';

export interface ClientsRun {
  clients: MatrixClient[];
  faults: string[];
  kind: 'cluster' | 'sentinel';
  /** The deployment, and what to create first (the first fault's drill creates it). */
  session: Omit<SessionOptions, 'spec' | 'report' | 'create'>;
  create?: CreateFirst;
  dir: string;
  formats: readonly Format[];
  version: string;
  warmupMs: number;
  settleMs: number;
  /** How long a partition or black hole lasts before it is healed. */
  holdMs: number;
  /** redis-drill's own load beside the clients (its probe and checks need one); small, so it does not crowd them. */
  loadClients: number;
  /** The pause between one client's operations. */
  intervalMs: number;
  deadlineMs?: number;
  onFault?: (fault: string, index: number) => void;
}

/** One fault's drill, as the matrix names it. */
export interface FaultRun {
  fault: string;
  /** The drill's own report, relative to the matrix's directory. */
  report: string;
  /** The fault, ms from the start of the load (null: none was sent). */
  faultMs: number | null;
  /** The drill's checks other than the clients' own survival: did the deployment do its part? */
  drillPassed: boolean;
  failedChecks: string[];
}

export interface ClientsReport {
  schemaVersion: 1;
  generatedAt: string;
  tool: { name: 'redis-drill'; version: string };
  deployment: { cluster: string; kind: 'cluster' | 'sentinel'; server: string; nodeTimeoutMs: number | null };
  clients: MatrixClient[];
  skipped: { name: string; reason: string }[];
  faults: FaultRun[];
  matrix: MatrixCell[];
  /** Each client's operations per 250 ms through each fault (the HTML matrix's timelines). */
  timelines: ClientTimeline[];
  method: string;
}

const METHOD =
  'each client runs one SET at a time on a new key and prints one JSON line per operation (docs/clients.md); times are when redis-drill read the line, ms from the fault; acknowledged writes are read back through a cluster client after the deployment was restored';

/**
 * The client matrix: one failover-report drill per fault, on a deployment
 * that is healthy and settled before each, with every client running beside
 * redis-drill's own small load. After each drill the writes each client was
 * told succeeded are read back (and removed). Core code: no printing.
 */
export async function runClientsMatrix(o: ClientsRun, skipped: ClientsReport['skipped']): Promise<ClientsReport> {
  const faults: FaultRun[] = [];
  const matrix: MatrixCell[] = [];
  const timelines: ClientTimeline[] = [];
  let first: DrillReport | null = null;
  const logsOf = o.faults.map(() => new Map(o.clients.map((c) => [c.name, new OpLog()])));
  const specs = o.faults.map((fault, index) => faultSpec(o, fault, logsOf[index]!));
  await preflight(o, specs);
  for (const [index, fault] of o.faults.entries()) {
    // Ctrl-C during a drill ends it (and this loop); between two drills, before the next is created.
    if (o.session.abortSignal?.aborted) throw new InterruptedError();
    o.onFault?.(fault, index);
    const logs = logsOf[index]!;
    const spec = specs[index]!;
    const { report } = await runDrillSession({
      ...o.session,
      create:
        index === 0 && o.create
          ? { ...o.create, cutsNetworkLater: o.faults.some((f) => findFault(f)?.entry.needs.root) }
          : undefined,
      spec,
      report: { out: join(o.dir, fault), formats: o.formats, version: o.version },
    });
    first ??= report;
    const faultMs = report.markers.find((m) => m.label === 'fault')?.tMs ?? null;
    const failed = report.checks.filter((c) => !c.passed && !c.name.startsWith('client survived'));
    faults.push({
      fault,
      report: `${fault}/report.${o.formats.includes('html') ? 'html' : (o.formats[0] ?? 'json')}`,
      faultMs,
      drillPassed: failed.length === 0,
      failedChecks: failed.map((c) => `${c.name}: ${c.detail}`),
    });
    const back = await withDeployment({ ...o.session, warn: () => {} }, async (d) => {
      const out = new Map<string, { lost: number; unreadable: number; acknowledged: number }>();
      for (const [name, log] of logs) {
        const writes = log.acknowledged(keyPrefix(fault, name));
        out.set(name, { ...(await readBack(d, writes)), acknowledged: writes.length });
      }
      return out;
    });
    for (const c of o.clients) {
      const log = logs.get(c.name)!;
      const p = report.programs.find((x) => x.name === c.name);
      timelines.push(timelineOf(c.name, fault, log.ops, faultMs));
      matrix.push(
        matrixCell({
          client: c.name,
          fault,
          ops: log.ops,
          faultMs,
          endMs: log.endMs ?? log.ops.at(-1)?.tMs ?? 0,
          survived: p?.survived ?? false,
          stoppedByDrill: p?.stoppedByDrill ?? false,
          deathLine: log.deathLine(),
          lostWrites: back.get(c.name)!.lost,
          unreadableWrites: back.get(c.name)!.unreadable,
          acknowledgedWrites: back.get(c.name)!.acknowledged,
          intervalMs: o.intervalMs,
        }),
      );
    }
  }
  return {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    tool: { name: 'redis-drill', version: o.version },
    deployment: {
      cluster: first?.setup.cluster ?? o.session.cluster,
      kind: o.kind,
      server: first?.setup.server ?? 'unknown',
      nodeTimeoutMs: first?.setup.nodeTimeoutMs.value ?? null,
    },
    clients: o.clients,
    skipped,
    faults,
    matrix,
    timelines,
    method: METHOD,
  };
}

/** Where a client writes its keys in one fault's drill: only keys under it are read back and removed. */
const keyPrefix = (fault: string, client: string): string => `drill:clients:${fault}:${client}:`;

/** One fault's drill: failover-report's, with every client beside the load, each telling its own log what it did. */
function faultSpec(o: ClientsRun, fault: string, logs: ReadonlyMap<string, OpLog>): DrillSpec {
  return settledFirst(
    failoverReportSpec({
      fault,
      kind: o.kind,
      target: {},
      warmupMs: o.warmupMs,
      settleMs: o.settleMs,
      clients: o.loadClients,
      mix: 'set=35,get=35,incr=15,add=15',
      keyspace: 10_000,
      kinds: loadKinds(LOAD_KIND_DEFAULTS),
      maxDoubleGrants: null,
      maxLostMessages: null,
      deadlineMs: o.deadlineMs,
      network: { durationMs: o.holdMs },
      programs: o.clients.map((c) => ({
        name: c.name,
        cmd: c.cmd,
        cwd: process.cwd(),
        env: {
          REDIS_DRILL_KEY_PREFIX: `drill:clients:${fault}:${c.name}:`,
          REDIS_DRILL_INTERVAL_MS: String(o.intervalMs),
        },
        sink: logs.get(c.name)!,
      })),
    }),
  );
}

/** What every fault's steps need (root for a network fault, a replica to promote) is checked before the first drill, not when its turn comes. */
async function preflight(o: ClientsRun, specs: readonly DrillSpec[]): Promise<void> {
  const check = async (d: Deployment | null): Promise<void> => {
    for (const spec of specs) for (const step of spec.steps) await stepHandler(step.step)!.preflight?.(step.options, d);
  };
  const remote = o.create?.request.remote;
  if (o.create) {
    if (remote?.hosts === undefined && remote?.inventory === undefined) await check(null);
    return;
  }
  await withDeployment({ ...o.session, warn: () => {} }, check);
}

/** The drill waits until the deployment is healthy and settled (the previous fault fully undone) before its fault. */
function settledFirst(spec: DrillSpec): DrillSpec {
  const steps = [{ step: 'wait-for', options: { settled: true }, label: 'settled before the fault' }, ...spec.steps];
  return { ...spec, steps: steps.map((s, index) => ({ ...s, index, line: null })) };
}
