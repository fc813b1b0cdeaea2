import type { Deployment } from '../deployment/handle.js';
import { type Address, formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import { promotionTiming, rejoinTiming } from '../observe/measure.js';
import type { Observer } from '../observe/observer.js';
import type { PartitionMode } from './partition-plan.js';
import type { ShardWipe } from './wipe.js';

/** What a fault command found: the same object is printed, rendered, and (later) stored in reports. */
export interface FaultResult {
  /** The command that ran. */
  action: 'kill-master' | 'restart-node' | 'resume-node' | 'failover' | 'partition' | 'heal';
  /** What it did, in the fault catalogue's words (kill, term, freeze, failover, partition, flaky), or the restore (restart, resume, heal). */
  fault: string;
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
  /** How long the fault took to go out after its moment (faultAt) was marked: a signal over SSH is a round trip. Times from the fault are this uncertain. */
  actionMs: number;
  events: DrillEvent[];
  /** Raw log lines of the node that matters (the promoted replica, or the node that came back) for the drill's window. */
  log: { node: string; lines: string[] } | null;
  clock: string;
  /** partition and heal: what was cut, and the cut-off master's own window. */
  partition?: PartitionInfo;
  /** restart-node: the master came back empty while its replicas held its shard (see faults/wipe.ts). */
  wiped?: ShardWipe;
}

export interface PartitionInfo {
  /** The iptables chain holding the rules (on every host that runs nodes). */
  chain: string;
  mode: PartitionMode;
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

/** What a watched action gave: its moment, the end of the watch, and what the observer saw between. */
export interface Watched {
  outcome: FaultResult['outcome'];
  lastSeen: string | null;
  events: DrillEvent[];
  /** Local clock (epoch ms) of the action, and of the end of the watch. */
  t0: number;
  tEnd: number;
  /** How long the action took to go out after its moment was marked (0 when not measured). */
  actionMs?: number;
  observer: Pick<Observer, 'logLines' | 'clockNote'>;
}

/**
 * The one builder of a FaultResult: what every fault and restore shares
 * (the deployment, the clock, the outcome, the events, the log lines) comes
 * from the watch; the caller says what was done, to whom, and what was seen.
 */
export function faultResult(
  d: Deployment,
  w: Watched,
  f: {
    action: FaultResult['action'];
    fault: FaultResult['fault'];
    victim: FaultResult['victim'];
    how: string;
    waitedFor: string;
    deadlineMs: number;
    /** The replica that took over (its promotion time is measured), or null. */
    promoted?: { id: string; host: string; port: number } | null;
    /** A restored node's role once back (its rejoin time is measured from the restore), or null. */
    rejoined?: FaultResult['rejoined'];
    /** When the restore came, if not at the watch's start (a partition healed after its time), and when the node was seen back. */
    restore?: { t0: number; seenBackAt: number | null };
    /** Whose log lines to quote (default: the promoted replica, else the victim). */
    logOf?: Address | null;
    partition?: PartitionInfo;
    /** A restarted master that came back empty while its replicas held its shard. */
    wiped?: ShardWipe | null;
  },
): FaultResult {
  const promoted = f.promoted ?? null;
  const rejoined = f.rejoined ?? null;
  const logOf = f.logOf === undefined ? (promoted ?? f.victim) : f.logOf;
  const restore = f.restore ?? { t0: w.t0, seenBackAt: w.outcome === 'done' ? w.tEnd : null };
  const timing = promoted
    ? promotionTiming(w.events, promoted, w.t0, d.ops.kind)
    : { promotionMs: null, promotionSource: null };
  return {
    action: f.action,
    fault: f.fault,
    cluster: d.name,
    victim: f.victim,
    how: f.how,
    faultAt: new Date(w.t0).toISOString(),
    outcome: w.outcome,
    waitedFor: f.waitedFor,
    lastSeen: w.lastSeen,
    promoted,
    ...timing,
    rejoined,
    rejoinMs: rejoined ? rejoinTiming(w.events, f.victim, restore.t0, restore.seenBackAt).ms : null,
    elapsedMs: Math.round(w.tEnd - w.t0),
    deadlineMs: f.deadlineMs,
    actionMs: Math.round(w.actionMs ?? 0),
    events: w.events,
    log: logOf ? { node: formatAddress(logOf), lines: w.observer.logLines(logOf, w.t0 - 50, w.tEnd) } : null,
    clock: w.observer.clockNote(),
    ...(f.partition ? { partition: f.partition } : {}),
    ...(f.wiped ? { wiped: f.wiped } : {}),
  };
}
