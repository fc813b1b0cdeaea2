import { parseSentinelMessage } from '../sentinel/events.js';
import type { EventKind } from './events.js';

/** One line of redis.log: `pid:role day month year hh:mm:ss.mmm level message`. */
export interface LogLine {
  pid: number;
  /** M master, S replica, C child process, X sentinel. */
  role: string;
  /** Epoch ms in this machine's time zone (Redis logs local time, to the millisecond). */
  time: number;
  level: string;
  message: string;
  raw: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Redis >= 3.2 writes the year; older servers do not (then the current year is assumed).
const LINE = /^(\d+):([A-Z]) (\d{1,2}) ([A-Z][a-z]{2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})\.(\d{3}) ([#*.-]) (.*)$/;

export function parseLogLine(raw: string, now: Date = new Date()): LogLine | null {
  const m = LINE.exec(raw.trimEnd());
  if (!m) return null;
  const month = MONTHS.indexOf(m[4]!);
  if (month < 0) return null;
  const year = m[5] ? Number(m[5]) : now.getFullYear();
  const time = new Date(year, month, Number(m[3]), Number(m[6]), Number(m[7]), Number(m[8]), Number(m[9])).getTime();
  return { pid: Number(m[1]), role: m[2]!, time, level: m[10]!, message: m[11]!, raw: raw.trimEnd() };
}

export interface LogEvent {
  kind: EventKind;
  detail: string;
}

/** Messages worth a timeline entry, in Redis 7.0 wording and the older "slave" wording. */
const RULES: { re: RegExp; kind: EventKind; detail: (m: RegExpExecArray) => string }[] = [
  {
    re: /^Marking node ([0-9a-f]{40})(?: \(.*?\))? as failing \(quorum reached\)/,
    kind: 'fail-marked',
    detail: (m) => `marked ${m[1]!.slice(0, 8)} as failing (quorum reached)`,
  },
  {
    re: /^FAIL message received from ([0-9a-f]{40})(?: \(.*?\))? about ([0-9a-f]{40})/,
    kind: 'fail-received',
    detail: (m) => `FAIL about ${m[2]!.slice(0, 8)} received from ${m[1]!.slice(0, 8)}`,
  },
  {
    re: /^Start of election delayed for (\d+) milliseconds \(rank #(\d+), offset (\d+)\)/,
    kind: 'election-delayed',
    detail: (m) => `election delayed ${m[1]} ms (rank #${m[2]}, offset ${m[3]})`,
  },
  {
    re: /^Starting a failover election for epoch (\d+)/,
    kind: 'election-started',
    detail: (m) => `election started for epoch ${m[1]}`,
  },
  {
    re: /^Failover auth granted to ([0-9a-f]{40})(?: \(.*?\))? for epoch (\d+)/,
    kind: 'vote-granted',
    detail: (m) => `voted for ${m[1]!.slice(0, 8)} in epoch ${m[2]}`,
  },
  {
    re: /^Failover auth denied to ([0-9a-f]{40})(?: \(.*?\))?: (.*)$/,
    kind: 'vote-denied',
    detail: (m) => `refused its vote to ${m[1]!.slice(0, 8)}: ${m[2]}`,
  },
  {
    re: /^Failover election won: I'm the new master/,
    kind: 'election-won',
    detail: () => "election won: I'm the new master",
  },
  {
    re: /^configEpoch set to (\d+) after successful failover/,
    kind: 'config-epoch',
    detail: (m) => `configEpoch set to ${m[1]}`,
  },
  { re: /^Cluster state changed: (\w+)/, kind: 'cluster-state', detail: (m) => `cluster_state ${m[1]}` },
  {
    re: /^Manual failover user request accepted/,
    kind: 'manual-failover-accepted',
    detail: () => 'manual failover request accepted',
  },
  { re: /^Manual failover timed out/, kind: 'manual-failover-timeout', detail: () => 'manual failover timed out' },
  {
    re: /^Manual failover requested by (?:replica|slave) ([0-9a-f]{40})/,
    kind: 'manual-failover-requested',
    detail: (m) => `manual failover requested by ${m[1]!.slice(0, 8)}`,
  },
  {
    re: /^Configuration change detected\. Reconfiguring myself as a (?:replica|slave) of ([0-9a-f]{40})/,
    kind: 'reconfigured-as-replica',
    detail: (m) => `reconfigured as a replica of ${m[1]!.slice(0, 8)}`,
  },
  { re: /^Connection with master lost/, kind: 'master-link-lost', detail: () => 'connection with master lost' },
  {
    re: /^MASTER <-> (?:REPLICA|SLAVE) sync started/,
    kind: 'sync-started',
    detail: () => 'MASTER <-> REPLICA sync started',
  },
  {
    re: /^Full resync from master: (\S+)/,
    kind: 'full-resync',
    detail: (m) => `full resync from master (${m[1]!.slice(0, 8)}...)`,
  },
  {
    re: /^(?:Successful partial resynchronization with master|Partial resynchronization (?:request from \S+ )?accepted|MASTER <-> (?:REPLICA|SLAVE) sync: Master accepted a Partial Resynchronization)/,
    kind: 'partial-resync',
    detail: () => 'partial resynchronization',
  },
  {
    re: /^MASTER <-> (?:REPLICA|SLAVE) sync: Finished with success/,
    kind: 'sync-finished',
    detail: () => 'MASTER <-> REPLICA sync finished with success',
  },
  { re: /^MASTER MODE enabled/, kind: 'master-mode', detail: () => 'MASTER MODE enabled (REPLICAOF NO ONE)' },
  { re: /^REPLICAOF (\S+) enabled/, kind: 'reconfigured-as-replica', detail: (m) => `REPLICAOF ${m[1]} enabled` },
  {
    re: /^Clear FAIL state for node ([0-9a-f]{40})(?: \(.*?\))?:\s*(.*)$/,
    kind: 'fail-cleared',
    detail: (m) => `cleared FAIL for ${m[1]!.slice(0, 8)}: ${m[2]}`,
  },
];

/** The timeline event a log message stands for, or null for the many lines that are not one. A sentinel's lines (role X) are its events. */
export function classifyLogMessage(message: string, role = 'M'): LogEvent | null {
  if (role === 'X') {
    const e = parseSentinelMessage(message);
    return e ? { kind: e.kind, detail: e.detail } : null;
  }
  for (const rule of RULES) {
    const m = rule.re.exec(message);
    if (m) return { kind: rule.kind, detail: rule.detail(m) };
  }
  return null;
}
