import type { Address } from '../nodes/address.js';

/**
 * Sentinel's events, in Redis 7.0 words, as its log and its Pub/Sub channels
 * give them: `+sdown master mymaster 127.0.0.1 7000`, `+selected-slave slave
 * 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7000`, `+switch-master
 * mymaster 127.0.0.1 7000 127.0.0.1 7002`. Pure.
 */

/** The events worth a timeline entry, and the kind each is filed under. */
export const SENTINEL_EVENTS = {
  '+sdown': 'sdown',
  '-sdown': 'sdown-cleared',
  '+odown': 'odown',
  '-odown': 'odown-cleared',
  '+new-epoch': 'new-epoch',
  '+try-failover': 'try-failover',
  '+vote-for-leader': 'vote-for-leader',
  '+elected-leader': 'elected-leader',
  '+failover-state-select-slave': 'failover-state',
  '+selected-slave': 'selected-replica',
  '+failover-state-send-slaveof-noone': 'failover-state',
  '+failover-state-wait-promotion': 'failover-state',
  '+promoted-slave': 'promoted-replica',
  '+failover-state-reconf-slaves': 'failover-state',
  '+slave-reconf-sent': 'replica-reconf',
  '+slave-reconf-inprog': 'replica-reconf',
  '+slave-reconf-done': 'replica-reconf',
  '+failover-end': 'failover-end',
  '+failover-end-for-timeout': 'failover-end-for-timeout',
  '+switch-master': 'switch-master',
  '+convert-to-slave': 'convert-to-replica',
  '+reboot': 'reboot',
  '+tilt': 'tilt',
  '-tilt': 'tilt-cleared',
  '-failover-abort-not-elected': 'failover-abort',
  '-failover-abort-no-good-slave': 'failover-abort',
  '-failover-abort-slave-timeout': 'failover-abort',
  '-role-change': 'role-change',
  '+config-update-from': 'config-update',
} as const;

export type SentinelEventName = keyof typeof SENTINEL_EVENTS;
export type SentinelEventKind = (typeof SENTINEL_EVENTS)[SentinelEventName];

/** Who an event is about. */
export interface SentinelInstance {
  type: 'master' | 'slave' | 'sentinel';
  /** The master's name, a replica's "ip:port", a sentinel's id. */
  name: string;
  address: Address;
  /** For a replica or a sentinel: the master it belongs to (as it was known when the event was sent). */
  master: { name: string; address: Address } | null;
}

export interface SentinelEvent {
  name: SentinelEventName;
  kind: SentinelEventKind;
  instance: SentinelInstance | null;
  /** +switch-master: from which address to which. */
  switched: { name: string; from: Address; to: Address } | null;
  /** +new-epoch, +vote-for-leader: the epoch; +vote-for-leader: whom. */
  epoch: number | null;
  leader: string | null;
  /** What follows the instance ("#quorum 2/2", "new reported role is master"). */
  extra: string;
  /** The event in one line, for the timeline. */
  detail: string;
}

const addr = (host: string | undefined, port: string | undefined): Address => ({
  host: host ?? '',
  port: Number(port),
});

/** `slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7000 rest`, or `master mymaster 127.0.0.1 7000 rest`. */
function parseInstance(text: string): { instance: SentinelInstance; extra: string } | null {
  const m = /^(master|slave|sentinel) (\S+) (\S+) (\d+)(?: @ (\S+) (\S+) (\d+))?\s*(.*)$/.exec(text);
  if (!m) return null;
  return {
    instance: {
      type: m[1] as SentinelInstance['type'],
      name: m[2]!,
      address: addr(m[3], m[4]),
      master: m[5] ? { name: m[5], address: addr(m[6], m[7]) } : null,
    },
    extra: m[8] ?? '',
  };
}

/** One event from its name and the rest of its text (a log line's message, or a Pub/Sub channel and message). */
export function parseSentinelEvent(name: string, rest: string): SentinelEvent | null {
  if (!(name in SENTINEL_EVENTS)) return null;
  const n = name as SentinelEventName;
  const base = {
    name: n,
    kind: SENTINEL_EVENTS[n],
    instance: null,
    switched: null,
    epoch: null,
    leader: null,
    extra: '',
  };
  const text = rest.trim();
  if (n === '+switch-master') {
    const m = /^(\S+) (\S+) (\d+) (\S+) (\d+)$/.exec(text);
    if (!m) return null;
    const switched = { name: m[1]!, from: addr(m[2], m[3]), to: addr(m[4], m[5]) };
    return {
      ...base,
      switched,
      detail: `${n} ${switched.name}: ${switched.from.host}:${switched.from.port} -> ${switched.to.host}:${switched.to.port}`,
    };
  }
  if (n === '+new-epoch') return { ...base, epoch: Number(text), detail: `${n} ${text}` };
  if (n === '+vote-for-leader') {
    const m = /^(\S+) (\d+)$/.exec(text);
    return m
      ? { ...base, leader: m[1]!, epoch: Number(m[2]), detail: `${n} ${m[1]!.slice(0, 8)} in epoch ${m[2]}` }
      : null;
  }
  if (n === '+tilt' || n === '-tilt') return { ...base, extra: text, detail: `${n} ${text}` };
  const parsed = parseInstance(text);
  if (!parsed) return null;
  const i = parsed.instance;
  const who =
    i.type === 'master'
      ? `master ${i.name} ${i.address.host}:${i.address.port}`
      : i.type === 'slave'
        ? `replica ${i.address.host}:${i.address.port}`
        : `sentinel ${i.name.slice(0, 8)} ${i.address.host}:${i.address.port}`;
  return { ...base, instance: i, extra: parsed.extra, detail: `${n} ${who}${parsed.extra ? ` ${parsed.extra}` : ''}` };
}

/** A sentinel's log message (`+sdown master mymaster 127.0.0.1 7000`), or null for the lines that are no event. */
export function parseSentinelMessage(message: string): SentinelEvent | null {
  const m = /^([+-][a-z-]+) ?(.*)$/.exec(message.trim());
  return m ? parseSentinelEvent(m[1]!, m[2]!) : null;
}
