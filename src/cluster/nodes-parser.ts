import type { SlotRange } from './slots.js';
import { normalizeRanges } from './slots.js';

export type Role = 'master' | 'replica';

/** One line of CLUSTER NODES, in Redis's own terms. */
export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  busPort: number;
  /** The announced hostname (Redis 7+ "ip:port@cport,hostname"), if any. */
  hostname: string | null;
  flags: string[];
  myself: boolean;
  role: Role;
  masterId: string | null;
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
  slots: SlotRange[];
  /** Slots being migrated ([slot->-target]) or imported ([slot-<-source]). */
  migrating: { slot: number; to: string }[];
  importing: { slot: number; from: string }[];
}

export class ClusterNodesParseError extends Error {}

/** Parses `host:port@cport[,hostname]`; the host may be empty (not yet known) or IPv6. */
export function parseNodeAddress(field: string): {
  host: string;
  port: number;
  busPort: number;
  hostname: string | null;
} {
  const [addr = '', hostname = null] = field.split(',', 2);
  const at = addr.indexOf('@');
  const hostPort = at >= 0 ? addr.slice(0, at) : addr;
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) throw new ClusterNodesParseError(`bad node address "${field}"`);
  const port = Number(hostPort.slice(colon + 1));
  const busPort = at >= 0 ? Number(addr.slice(at + 1)) : port + 10000;
  if (!Number.isInteger(port) || !Number.isInteger(busPort)) {
    throw new ClusterNodesParseError(`bad node address "${field}"`);
  }
  return { host: hostPort.slice(0, colon), port, busPort, hostname: hostname || null };
}

export function parseClusterNodesLine(line: string): ClusterNodeEntry {
  const f = line.trim().split(/\s+/);
  if (f.length < 8) throw new ClusterNodesParseError(`too few fields in CLUSTER NODES line "${line}"`);
  // Fields 5 and 6 (ping sent, pong received) change on every call and nothing here uses them: not kept, so a line can be cached.
  const [id, address, flagField, master, , , epoch, link, ...slotFields] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    ...string[],
  ];
  const flags = flagField.split(',');
  const slots: SlotRange[] = [];
  const migrating: ClusterNodeEntry['migrating'] = [];
  const importing: ClusterNodeEntry['importing'] = [];
  for (const s of slotFields) {
    const m = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(s);
    if (m) {
      const slot = Number(m[1]);
      if (m[2] === '>') migrating.push({ slot, to: m[3]! });
      else importing.push({ slot, from: m[3]! });
      continue;
    }
    const r = /^(\d+)(?:-(\d+))?$/.exec(s);
    if (!r) throw new ClusterNodesParseError(`bad slot field "${s}"`);
    slots.push([Number(r[1]), Number(r[2] ?? r[1])]);
  }
  return {
    id,
    ...parseNodeAddress(address),
    flags,
    myself: flags.includes('myself'),
    // Redis < 5 (and still the wire format in 7.0) says "slave".
    role: flags.includes('slave') ? 'replica' : 'master',
    masterId: master === '-' ? null : master,
    configEpoch: Number(epoch),
    linkState: link === 'connected' ? 'connected' : 'disconnected',
    slots: normalizeRanges(slots),
    migrating,
    importing,
  };
}

/** Parses the whole CLUSTER NODES reply (blank lines ignored). */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseClusterNodesLine);
}

/**
 * Parses CLUSTER NODES replies of one node, reusing the entries of lines
 * that did not change since its last reply but for their ping and pong
 * times (almost all of them, poll after poll): a hundred-node observer parses
 * a few lines a poll instead of a hundred. It reads the reply's bytes: a line
 * is known by a hash of its bytes without those two fields, so an unchanged
 * line costs no string at all (at 1,000 polls a second of 100-line replies,
 * strings were most of what redis-drill allocated). Holds the last reply's
 * lines only.
 */
export class ClusterNodesCache {
  private last = new Map<number, ClusterNodeEntry>();
  private lastView: ClusterNodeEntry[] = [];

  /** The entries; the very same array as last time when no line changed (callers can tell "nothing new" by identity). */
  parse(reply: Buffer | string): ClusterNodeEntry[] {
    const buf = typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply;
    const next = new Map<number, ClusterNodeEntry>();
    const out: ClusterNodeEntry[] = [];
    let same = true;
    for (let start = 0; start < buf.length;) {
      let end = buf.indexOf(0x0a, start);
      if (end < 0) end = buf.length;
      if (end > start && !isBlank(buf, start, end)) {
        const key = lineKey(buf, start, end);
        const known = this.last.get(key);
        const entry =
          known && sameId(known, buf, start) ? known : parseClusterNodesLine(buf.toString('utf8', start, end));
        next.set(key, entry);
        if (entry !== this.lastView[out.length]) same = false;
        out.push(entry);
      }
      start = end + 1;
    }
    this.last = next;
    if (same && out.length === this.lastView.length) return this.lastView;
    this.lastView = out;
    return out;
  }
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0x20 && buf[i] !== 0x0d && buf[i] !== 0x09) return false;
  return true;
}

/**
 * Two 32-bit FNV-1a hashes of the line's bytes, leaving out the 5th and 6th
 * fields (ping sent, pong received), as one 53-bit number: a collision
 * between two lines of one reply is a 1 in 2^53 chance, and the node id is
 * compared as well.
 */
function lineKey(buf: Buffer, start: number, end: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let spaces = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 0x20) spaces++;
    if (spaces === 4 || spaces === 5) continue;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function sameId(entry: ClusterNodeEntry, buf: Buffer, start: number): boolean {
  const id = entry.id;
  for (let i = 0; i < id.length; i++) if (buf[start + i] !== id.charCodeAt(i)) return false;
  return buf[start + id.length] === 0x20;
}

export function nodeKey(n: { host: string; port: number }): string {
  return `${n.host}:${n.port}`;
}

export function isFailing(n: ClusterNodeEntry): boolean {
  return n.flags.includes('fail') || n.flags.includes('fail?');
}

/** Parses "key:value" lines of INFO / CLUSTER INFO into a map. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}
