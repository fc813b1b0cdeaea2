import type { LoadKinds } from '../workload/loads.js';
import type { ProgramSpec } from '../workload/program-run.js';
import type { Step } from './step.js';

/** The load a drill runs across all its steps (consistency counters always on), with its kinds (kv, set, lock, pubsub). */
export interface LoadSpec extends LoadKinds {
  clients: number;
  mix: string;
  keyspace: number;
  valueSize: number;
  rate: number | undefined;
  warmupMs: number;
}

export const LOAD_DEFAULTS: Omit<LoadSpec, 'rate' | keyof LoadKinds> = {
  clients: 20,
  mix: 'set=35,get=35,incr=15,add=15',
  keyspace: 100_000,
  valueSize: 16,
  warmupMs: 1000,
};

/**
 * A drill: a load and ordered steps on one timeline. A scenario file is
 * loaded into one; failover-report builds the five-step one from its flags.
 */
export interface DrillSpec {
  name: string;
  description: string | null;
  /** The scenario file; null for a built-in drill. */
  file: string | null;
  load: LoadSpec;
  /** The user's own clients (--client-cmd, a scenario's clients:). */
  programs: ProgramSpec[];
  steps: Step[];
  /** What the report's timeline counts from: the first fault (one-fault drills) or the start of the load. */
  timelineFrom: 'fault' | 'start';
  /** A soak: its schedule, and which steps make each loop. */
  soak?: SoakPlan;
}

export interface SoakPlan {
  seed: number;
  faults: string;
  target: string;
  intervalMs: number;
  /** A manual failover loses nothing on Redis Cluster (the replica catches up first); SENTINEL FAILOVER does not wait, so there it is reported, not judged. */
  judgeFailoverLoss: boolean;
  /** --keep-going: a failed loop is recorded, what it broke restored, and the next loop runs once the deployment is healthy again. */
  keepGoing: boolean;
  /** --force: masters without a replica are broken too (their loops fail: nothing can take over); without it such a soak is refused before it starts. */
  force: boolean;
  loops: { loop: number; fault: string; target: string; master: number | null; firstStep: number; lastStep: number }[];
  reproduce: string;
}
