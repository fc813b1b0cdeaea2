import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type { Clock } from '../util/clock.js';

/** A write the client sent: which set, and when it was acknowledged or failed (ms from the start of the load). */
export interface LoggedWrite {
  id: string;
  key: string;
  slot: number;
  /** When the reply came (acknowledged) or the error did (not acknowledged). */
  atMs: number;
}

export interface WriteLogKey {
  key: string;
  slot: number;
  acknowledged: number;
  lost: number;
  unacknowledgedApplied: number;
  /** The set could not be read back before the deadline. */
  unreadable: boolean;
}

export interface WriteLogReport {
  method: string;
  /** Writes acknowledged to the client (SADD replied). */
  acknowledged: number;
  /** Acknowledged, but not in the set when it was read back. */
  lost: number;
  /** lost / acknowledged, in percent (2 decimals). */
  lostPercent: number;
  /** The client saw an error or no reply, but the id is in the set. */
  unacknowledgedApplied: number;
  unreadableKeys: number;
  /** When the lost writes were acknowledged: the first and the last (null when none was lost). */
  lostAcknowledgedFromMs: number | null;
  lostAcknowledgedToMs: number | null;
  /** Every lost write (at most 1000, the earliest), and every unacknowledged one that applied (at most 1000). */
  lostWrites: LoggedWrite[];
  unacknowledgedPresent: LoggedWrite[];
  keys: WriteLogKey[];
}

const MAX_LISTED = 1000;
const STATE = { pending: 0, acknowledged: 1, failed: 2 } as const;

type Typed = Uint8Array | Uint16Array | Uint32Array;

/**
 * A growable array of small whole numbers without one JS object per write
 * (a soak writes millions): 7 bytes a write in all (key, state, time),
 * where three Float64 columns took 24.
 */
class Column<T extends Typed> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
}

/**
 * Which acknowledged writes were lost, and when they were acknowledged
 * (after Jepsen's set workload): each write adds a unique id to one of
 * `keyCount` sets spread over all slots (SADD); the client records when it
 * was acknowledged or failed; at the end every set is read back (SMEMBERS)
 * and compared. Lost = acknowledged ids missing; unacknowledged applied =
 * ids the client saw fail that are there anyway.
 */
export class WriteLog {
  private readonly run = Math.random().toString(36).slice(2, 10);
  private readonly keyOfWrite = new Column((n) => new Uint16Array(n));
  private readonly state = new Column((n) => new Uint8Array(n));
  /** When it was acknowledged or failed: whole ms from the load's start (Uint32: 49 days). */
  private readonly at = new Column((n) => new Uint32Array(n));

  constructor(private readonly keyCount = 100) {
    if (keyCount > 65_536) throw new RangeError(`a write log has at most 65,536 sets (got ${keyCount})`);
  }

  keyOf(i: number): string {
    return `drill:log:${this.run}:{${i}}`;
  }

  /** The next write: its id (its index) and its key. */
  next(): { id: number; key: string } {
    const k = Math.floor(Math.random() * this.keyCount);
    const id = this.keyOfWrite.push(k);
    this.state.push(STATE.pending);
    this.at.push(0);
    return { id, key: this.keyOf(k) };
  }

  acknowledged(id: number, atMs: number): void {
    this.state.set(id, STATE.acknowledged);
    this.at.set(id, Math.max(0, Math.round(atMs)));
  }

  failed(id: number, atMs: number): void {
    this.state.set(id, STATE.failed);
    this.at.set(id, Math.max(0, Math.round(atMs)));
  }

  /** Reads every set back, retrying while slots are unserved; a set not read by the deadline is unreadable. */
  async verify(cluster: Pick<Cluster, 'smembers'>, o: { clock: Clock; timeoutMs: number }): Promise<WriteLogReport> {
    const deadline = o.clock.now() + o.timeoutMs;
    const members: (Set<number> | null)[] = new Array<Set<number> | null>(this.keyCount).fill(null);
    while (members.includes(null) && o.clock.now() < deadline) {
      await Promise.all(
        members.map(async (m, k) => {
          if (m !== null) return;
          try {
            members[k] = new Set((await cluster.smembers(this.keyOf(k))).map(Number));
          } catch {
            // The slot is not served yet (after a failover it may take a moment): read again below.
          }
        }),
      );
      if (members.includes(null)) await o.clock.sleep(100);
    }
    const keys: WriteLogKey[] = Array.from({ length: this.keyCount }, (_, k) => ({
      key: this.keyOf(k),
      slot: calculateSlot(this.keyOf(k)),
      acknowledged: 0,
      lost: 0,
      unacknowledgedApplied: 0,
      unreadable: members[k] === null,
    }));
    const lostWrites: LoggedWrite[] = [];
    const unacknowledgedPresent: LoggedWrite[] = [];
    let lost = 0;
    let applied = 0;
    let from: number | null = null;
    let to: number | null = null;
    for (let id = 0; id < this.state.length; id++) {
      const k = this.keyOfWrite.get(id);
      const set = members[k];
      const state = this.state.get(id);
      const key = keys[k]!;
      const write = (): LoggedWrite => ({
        id: String(id),
        key: key.key,
        slot: key.slot,
        atMs: Math.round(this.at.get(id)),
      });
      if (state === STATE.acknowledged) {
        key.acknowledged++;
        if (set && !set.has(id)) {
          key.lost++;
          lost++;
          const t = this.at.get(id);
          from = from === null ? t : Math.min(from, t);
          to = to === null ? t : Math.max(to, t);
          if (lostWrites.length < MAX_LISTED) lostWrites.push(write());
        }
      } else if (set?.has(id)) {
        key.unacknowledgedApplied++;
        applied++;
        if (unacknowledgedPresent.length < MAX_LISTED) unacknowledgedPresent.push(write());
      }
    }
    const acknowledged = keys.reduce((n, k) => n + k.acknowledged, 0);
    return {
      method: `SADD of a unique id to one of ${this.keyCount} sets spread over the slots; the client records when each was acknowledged; at the end every set is read back with SMEMBERS (retried until its slot is served, up to the read-back deadline)`,
      acknowledged,
      lost,
      lostPercent: acknowledged ? Math.round((lost / acknowledged) * 10_000) / 100 : 0,
      unacknowledgedApplied: applied,
      unreadableKeys: keys.filter((k) => k.unreadable).length,
      lostAcknowledgedFromMs: from === null ? null : Math.round(from),
      lostAcknowledgedToMs: to === null ? null : Math.round(to),
      lostWrites,
      unacknowledgedPresent,
      keys,
    };
  }
}
