import type * as z from 'zod';
import type { Deployment } from '../deployment/handle.js';
import type { DrillRun } from './run.js';
import type { NamedNode } from './run-record.js';

/**
 * What a step may do with the run: read the deployment and the observer,
 * find and name nodes, wait, and record what it did. The engine's own
 * methods (stopping, step records, teardowns, the snapshot) are not here.
 */
export type StepRun = Omit<
  DrillRun,
  | 'stop'
  | 'resume'
  | 'recordStep'
  | 'recordResources'
  | 'takeTeardowns'
  | 'record'
  | 'checkCount'
  | 'failedSince'
  | 'stopped'
  | 'interrupted'
>;

/** One step of a drill as the loader parsed it (a scenario file's, or a built-in drill's). */
export interface Step {
  /** Its index in `steps` (as in steps[2]), and its line in the file (null for a built-in drill). */
  index: number;
  line: number | null;
  /** The step's own name (an alias in the file is resolved to it). */
  step: string;
  /** Parsed by the step's schema (its handler knows the shape). */
  options: Record<string, unknown>;
  /** A built-in drill names its checks and markers itself ("promotion", "fault"); a file's are "steps[1] wait-for ...". */
  label?: string;
}

/** A node a step refers to, with its path under steps[i].<step> (for "unknown node name" problems). */
export interface NodeRef {
  path: (string | number)[];
  ref: string;
}

/** What a step did, in words, and the node it acted on or named. */
export interface StepOutcome {
  detail: string;
  node?: NamedNode | null;
}

/**
 * A step kind: its schema, what it tells the static checks (names it gives
 * and uses, what it needs), and what it does. A new fault or step is one file
 * with one of these, added to steps/index.ts.
 */
export interface StepHandler<O = Record<string, unknown>> {
  name: string;
  /** Older spellings still accepted in files (e.g. stop-master for term-master). */
  aliases?: readonly string[];
  schema: z.ZodType<O, unknown>;
  /** fault: breaks something (a promotion to wait for); restore: brings a node back (a rejoin to wait for). */
  role?: 'fault' | 'restore';
  /** Needs processes redis-drill started: not possible on a cluster attached with --seed. */
  needsProcess: boolean;
  /** Moves slots or changes the cluster's membership: Redis Cluster only (not a Sentinel deployment). */
  redisClusterOnly?: boolean;
  /** An older way of writing these options, said as a notice (e.g. partition's mode flaky, now the flaky step). */
  olderSpelling?(o: O): string | null;
  /** Node references in the options (checked against the names given before this step). */
  refs(o: O): NodeRef[];
  /** Names this step gives nodes once it has run (e.g. "victim"). */
  gives(o: O): string[];
  /** A problem with this step given the steps before it (e.g. nothing to wait for), or null. */
  check?(
    o: O,
    before: { faults: number; restores: number; steps: readonly string[] },
  ): { path: (string | number)[]; message: string } | null;
  run(run: StepRun, o: O, step: Step): Promise<StepOutcome>;
  /**
   * Checks what the step will need, before anything is created or broken:
   * with no deployment yet (a local one is about to be created), what this
   * machine must have; with one, what the deployment must be. Throws the
   * usage or environment error the step itself would throw later.
   */
  preflight?(o: O, ctx: Deployment | null): Promise<void>;
}

/** Lets each handler keep its own option type while the registry holds them all. */
export function defineStep<O>(h: StepHandler<O>): StepHandler {
  return h as unknown as StepHandler;
}
