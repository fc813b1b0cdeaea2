import type { Cluster } from 'ioredis';
import type { Clock } from '../util/clock.js';

export interface ConsistencyGroup {
  /** The master that serves these counters at the end ("host:port"). */
  master: string;
  counters: number;
  acknowledged: number;
  /** INCRs whose reply was an error or never came: they may or may not have been applied. */
  unacknowledgedSent: number;
  value: number;
  /** Acknowledged but missing from the final value. */
  lost: number;
  /** Applied although the client saw an error (value above the acknowledged count). */
  unacknowledgedApplied: number;
}

export interface ConsistencyReport {
  counters: number;
  acknowledged: number;
  lost: number;
  unacknowledgedApplied: number;
  unreadable: number;
  groups: ConsistencyGroup[];
  method: string;
}

/**
 * After antirez's consistency test: INCR counters spread over all slots,
 * count acknowledged increments client-side, read the counters back at the
 * end. lost = acknowledged - value (when positive); unacknowledged writes that
 * were applied = value - acknowledged (when positive).
 */
export class Counters {
  private readonly acked: number[];
  private readonly failedCount: number[];

  /** A fresh name per run, so counters left by an earlier run never count. */
  private readonly run = Math.random().toString(36).slice(2, 10);

  constructor(private readonly count: number) {
    this.acked = new Array<number>(count).fill(0);
    this.failedCount = new Array<number>(count).fill(0);
  }

  keyOf(i: number): string {
    return `drill:counter:${this.run}:${i}`;
  }

  pick(): string {
    return this.keyOf(Math.floor(Math.random() * this.count));
  }

  private index(key: string): number {
    return Number(key.slice(key.lastIndexOf(':') + 1));
  }

  acknowledged(key: string): void {
    this.acked[this.index(key)]!++;
  }

  failed(key: string): void {
    this.failedCount[this.index(key)]!++;
  }

  /** Reads every counter back, retrying until the cluster answers (after a failover it may take a moment). */
  async verify(
    cluster: Pick<Cluster, 'get'>,
    o: { clock: Clock; timeoutMs: number; masterOf: (key: string) => string },
  ): Promise<ConsistencyReport> {
    const deadline = o.clock.now() + o.timeoutMs;
    const values = new Array<number | null>(this.count).fill(null);
    while (values.includes(null) && o.clock.now() < deadline) {
      await Promise.all(
        values.map(async (v, i) => {
          if (v !== null) return;
          try {
            values[i] = Number((await cluster.get(this.keyOf(i))) ?? 0);
          } catch {
            // retried below
          }
        }),
      );
      if (values.includes(null)) await o.clock.sleep(100);
    }
    const groups = new Map<string, ConsistencyGroup>();
    values.forEach((v, i) => {
      if (v === null) return;
      const master = o.masterOf(this.keyOf(i));
      const g = groups.get(master) ?? {
        master,
        counters: 0,
        acknowledged: 0,
        unacknowledgedSent: 0,
        value: 0,
        lost: 0,
        unacknowledgedApplied: 0,
      };
      g.counters++;
      g.acknowledged += this.acked[i]!;
      g.unacknowledgedSent += this.failedCount[i]!;
      g.value += v;
      g.lost += Math.max(0, this.acked[i]! - v);
      g.unacknowledgedApplied += Math.max(0, v - this.acked[i]!);
      groups.set(master, g);
    });
    const list = [...groups.values()].sort((a, b) => a.master.localeCompare(b.master));
    return {
      counters: this.count,
      acknowledged: this.acked.reduce((a, b) => a + b, 0),
      lost: list.reduce((n, g) => n + g.lost, 0),
      unacknowledgedApplied: list.reduce((n, g) => n + g.unacknowledgedApplied, 0),
      unreadable: values.filter((v) => v === null).length,
      groups: list,
      method:
        'INCR on counter keys across all slots; acknowledged increments counted client-side; counters read back with GET once the cluster answers',
    };
  }
}
