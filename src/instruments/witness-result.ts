import type { Gap } from '../workload/gaps.js';

/** What one witness saw of one master's slots. */
export interface WitnessMaster {
  index: number;
  label: string;
  key: string;
  attempts: number;
  failed: number;
  /** Longest span between two successful INCRs, by their send times (ms from the start of the load). */
  longestGap: Gap;
}

export interface WitnessResult {
  method: string;
  intervalMs: number;
  deadlineMs: number;
  masters: WitnessMaster[];
}
