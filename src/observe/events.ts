/** Typed, timestamped things that happened during a drill, from a node's log or from polling. */
export type EventKind =
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
  /** A scenario step began (the runner's own mark, not something Redis did). */
  | 'step';

export interface DrillEvent {
  /** Milliseconds from the fault (local clock); negative before it. */
  tMs: number;
  /** Local clock, epoch ms, when the event happened (log events: the log's own time). */
  at: number;
  /** The node that logged or reported it ("host:port"). */
  node: string;
  /** A node's log, polling it, or (kind "step") the scenario runner itself. */
  source: 'log' | 'poll' | 'scenario';
  kind: EventKind;
  detail: string;
  /** The server's own timestamp of a log line (epoch ms, ms resolution). */
  logTime?: number;
  /** The raw log line. */
  raw?: string;
}
