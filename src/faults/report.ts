import type { DrillEvent } from '../observe/events.js';

/** What a fault command found: the same object is printed, rendered, and (later) stored in reports. */
export interface FaultResult {
  action: 'kill-master' | 'restart-node' | 'resume-node' | 'failover' | 'partition' | 'heal';
  cluster: string;
  /** The node the action hit (the victim, or the restarted / promoted node). */
  victim: { id: string | null; host: string; port: number; index?: number };
  how: string;
  /** Local clock, ISO time, of the fault. */
  faultAt: string;
  outcome: 'done' | 'not-waited' | 'deadline-exceeded';
  /** What the wait was for, and what was last seen when the deadline passed. */
  waitedFor: string;
  lastSeen: string | null;
  promoted: { id: string; host: string; port: number } | null;
  /** Fault -> the promoted replica's own "Failover election won" log line (or, failing that, the poll that saw it master). */
  promotionMs: number | null;
  promotionSource: 'log' | 'poll' | null;
  /** Sentinel: fault -> the promoted data node's own "MASTER MODE enabled" log line (promotionMs is to the first "+switch-master"). */
  masterModeMs?: number | null;
  /** restart/resume: the node's role once back, and its master. */
  rejoined: { role: 'master' | 'replica'; master: string | null } | null;
  rejoinMs: number | null;
  elapsedMs: number;
  deadlineMs: number;
  events: DrillEvent[];
  /** Raw log lines of the node that matters (the promoted replica, or the node that came back) for the drill's window. */
  log: { node: string; lines: string[] } | null;
  clock: string;
  /** partition and heal: what was cut, and the cut-off master's own window. */
  partition?: PartitionInfo;
}

export interface PartitionInfo {
  /** The iptables chain holding the rules (on every host that runs nodes). */
  chain: string;
  mode: 'isolate' | 'one-way' | 'flaky';
  /** Which packets: both ways, or one way (out: from the first side; in: to it). */
  direction: 'both' | 'in' | 'out';
  /** flaky: the share of packets dropped (0 to 1); null otherwise. */
  loss: number | null;
  /** host:port of the nodes on each side; the first holds the target. */
  sides: [string[], string[]];
  /** Local clock, ISO time of the heal; null while the partition stays. */
  healedAt: string | null;
  /** The cut-off master: cut -> its own "Cluster state changed: fail" log line (when it stopped acknowledging writes). */
  minorityFail: { node: string; ms: number | null; source: string } | null;
  nodeTimeoutMs: number;
}
