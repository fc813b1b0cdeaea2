import type { SentinelEventKind } from '../sentinel/events.js';

/** Typed, timestamped things that happened during a drill, from a node's log, from polling, or (Sentinel) from its Pub/Sub events. */
export type EventKind =
  | SentinelEventKind
  /** A data node of a Sentinel deployment was told REPLICAOF NO ONE ("MASTER MODE enabled"). */
  | 'master-mode'
  | 'fault'
  | 'node-down'
  | 'node-up'
  | 'pfail'
  | 'fail'
  | 'fail-marked'
  | 'fail-received'
  | 'election-delayed'
  | 'election-started'
  | 'vote-granted'
  | 'election-won'
  | 'config-epoch'
  | 'cluster-state'
  | 'promoted'
  | 'slot-owner'
  | 'manual-failover-requested'
  | 'manual-failover-accepted'
  /** The replica gave up a manual failover (5 s in Redis 7.0) without winning its election. */
  | 'manual-failover-timeout'
  /** A master refused its vote, with Redis's reason (often: it voted for this shard less than 2 × node timeout ago). */
  | 'vote-denied'
  | 'reconfigured-as-replica'
  | 'master-link-lost'
  | 'sync-started'
  | 'full-resync'
  | 'partial-resync'
  | 'sync-finished'
  | 'link-up'
  | 'fail-cleared'
  /** A network partition was removed (the cut itself is the `fault`). */
  | 'heal'
  /** The drill did its action once more (a manual failover after Redis timed the first one out). */
  | 'retried'
  /** The user's own client program (--client-cmd): started, printed a line, exited. */
  | 'client-started'
  | 'client-output'
  | 'client-exited'
  /** Slots moved by a reshard step (its end, or where it stopped). */
  | 'migration'
  /** A scenario step began (the runner's own mark, not something Redis did). */
  | 'step';

export interface DrillEvent {
  /** Milliseconds from the fault (local clock); negative before it. */
  tMs: number;
  /** Local clock, epoch ms, when the event happened (log events: the log's own time). */
  at: number;
  /** The node that logged or reported it ("host:port"). */
  node: string;
  /** A node's log, polling it, a sentinel's Pub/Sub message (its receive time), or (kind "step") the drill runner itself. */
  source: 'log' | 'poll' | 'pubsub' | 'scenario' | 'client';
  kind: EventKind;
  detail: string;
  /** The server's own timestamp of a log line (epoch ms, ms resolution). */
  logTime?: number;
  /** The raw log line. */
  raw?: string;
}
