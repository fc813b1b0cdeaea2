import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { checkProgramFound } from '../workload/program-run.js';
import { autoBind } from '../cluster/bind.js';
import { CREATE_DEFAULTS } from '../cluster/create-defaults.js';
import { createFromRequest } from '../cluster/create-request.js';
import { type SentinelCreateRequest, createSentinelFromRequest } from '../sentinel/create-request.js';
import { destroyDeployment } from '../cluster/lifecycle.js';
import { UsageError } from '../errors.js';
import { type OpenOptions, withDeployment } from '../deployment/handle.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillReport } from '../report/model.js';
import { type Format, defaultOutDir, prepareOutDir, writeReport } from '../report/write.js';
import { type Reporter, silentReporter } from '../util/reporter.js';
import { checkSteps } from './check-steps.js';
import { stepHandler } from './steps/index.js';
import { runDrill } from './engine.js';
import { FAULTS } from '../faults/catalog.js';
import type { RunPolicy } from './step-loop.js';
import type { DrillSpec } from './spec.js';

/** Where a drill's report goes, and the version it names. */
export interface ReportRequest {
  out?: string;
  formats: readonly Format[];
  version: string;
}

/** A deployment the session creates first. */
export interface CreateFirst {
  request: Omit<SentinelCreateRequest, 'cluster' | 'stateDir' | 'abortSignal' | 'reporter'> & {
    masters?: number;
    nodeTimeoutMs?: number;
  };
  /** A Redis Cluster or a Sentinel deployment. */
  kind: 'cluster' | 'sentinel';
  /** Destroyed at the end, whatever happened (a scenario's throw-away cluster); else kept. */
  throwAway: boolean;
  /** A later drill on it cuts the network (redis-drill clients --faults blackhole): one address per node, as this drill's own such steps would get. */
  cutsNetworkLater?: boolean;
}

/**
 * A drill session: which deployment (the `--cluster` / `--seed` it opens,
 * or one it creates first), the drill, and where its report goes.
 */
export interface SessionOptions extends Omit<OpenOptions, 'warn' | 'abortSignal'> {
  create?: CreateFirst;
  spec: DrillSpec;
  /** How the drill goes on when a step fails (a soak's loops); default: the first failed step ends the steps. */
  policy?: RunPolicy;
  deadlineMs?: number;
  /** An independent witness process per master beside the probe (--witness). */
  witness?: boolean;
  report: ReportRequest;
  abortSignal?: AbortSignal;
  reporter?: Reporter;
}

export interface SessionResult {
  report: DrillReport;
  files: string[];
  dir: string;
  /** The cluster this session created and left running (null when none, or when it was destroyed). */
  kept: string | null;
}

/**
 * A drill from start to end: check that it can run where it is asked to,
 * make the report's directory, create the cluster if asked, run the drill,
 * write the report, and destroy the created cluster if it is a throw-away one
 * (whatever happened). failover-report and scenario run both come here.
 */
export async function runDrillSession(o: SessionOptions): Promise<SessionResult> {
  const reporter = o.reporter ?? silentReporter;
  if (o.seed) {
    // Found before anything is broken: a drill that cannot do its steps on an attached cluster does not start.
    const problems = checkSteps(o.spec.steps, { seed: true });
    if (problems.length)
      throw new UsageError(`${o.spec.name} cannot run on a cluster attached with --seed: ${problems[0]!.message}`, {
        hint: 'drop --seed and use a cluster redis-drill created (--cluster NAME, or --create)',
      });
  }
  // A client program that cannot be found is bad input: said before any cluster is made or broken.
  for (const program of o.spec.programs) await checkProgramFound(program);
  const dir = o.report.out ?? defaultOutDir(o.seed ? formatAddress(o.seed) : o.cluster);
  const existed = existsSync(dir);
  await prepareOutDir(dir);
  try {
    return await createAndRun(o, dir, reporter);
  } catch (e) {
    // A drill that ended without a report leaves no empty report directory behind (rmdir removes only an empty one).
    if (!existed) await rmdir(dir).catch(() => undefined);
    throw e;
  }
}

async function createAndRun(o: SessionOptions, dir: string, reporter: Reporter): Promise<SessionResult> {
  let created: string | null = null;
  const create = o.create?.request;
  if (create && create.remote?.hosts === undefined && create.remote?.inventory === undefined) {
    // A local deployment is about to be created: what the steps need of this machine is checked first.
    for (const step of o.spec.steps) await stepHandler(step.step)!.preflight?.(step.options, null);
  }
  if (o.create && create) {
    // A drill that cuts the network needs one address per node: it gets them unless --bind says otherwise.
    const bind =
      create.bind ??
      (o.create.cutsNetworkLater || o.spec.steps.some((s) => changesFirewall(s.step))
        ? autoBind(create.port ?? CREATE_DEFAULTS.port)
        : undefined);
    const request = { ...create, bind, cluster: o.cluster, stateDir: o.stateDir, abortSignal: o.abortSignal, reporter };
    if (o.create.kind === 'sentinel') await createSentinelFromRequest(request);
    else await createFromRequest(request);
    created = o.cluster;
  }
  try {
    const report = await withDeployment(
      {
        stateDir: o.stateDir,
        cluster: o.cluster,
        seed: o.seed,
        password: o.password,
        timeoutMs: o.timeoutMs,
        abortSignal: o.abortSignal,
        warn: (m) => reporter.warn(m),
        expect: o.expect,
      },
      (ctx) =>
        runDrill(ctx, o.spec, {
          deadlineMs: o.deadlineMs,
          version: o.report.version,
          reporter,
          policy: o.policy,
          witness: o.witness,
        }),
    );
    const files = await writeReport(report, dir, o.report.formats);
    return { report, files, dir, kept: created && !o.create?.throwAway ? created : null };
  } finally {
    if (created && o.create?.throwAway)
      await reporter.step(`Destroying the ${o.spec.file ? "scenario's" : "drill's"} cluster "${created}"`, () =>
        destroyDeployment({ stateDir: o.stateDir, cluster: created }),
      );
  }
}

/** A step of a fault that cuts the network (partition, flaky): it needs one address per node. */
const changesFirewall = (step: string): boolean => FAULTS.some((f) => f.needs.root && f.step === step);
