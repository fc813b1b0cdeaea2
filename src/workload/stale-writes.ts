import { type Address, formatAddress } from '../nodes/address.js';
import { withNode } from '../nodes/client.js';
import { KeptConnections } from '../nodes/kept-connection.js';
import { type Clock, systemClock } from '../util/clock.js';

/** What the stale-master writer saw on one node: the writes it acknowledged while it was not the master the sentinels name. */
export interface StaleMasterWrites {
  node: string;
  /** ms from the start of the load: the first and last acknowledged write. */
  fromMs: number;
  toMs: number;
  acknowledged: number;
  /** Acknowledged by it, but not on the real master at the end (they were wiped when it became a replica). */
  lost: number | null;
}

export interface StaleWritesResult {
  method: string;
  nodes: StaleMasterWrites[];
}

/**
 * A client that still points at an old master (what Sentinel's clients do
 * until they hear of the switch): every `intervalMs`, one SADD of a unique
 * id to every data node that says it is a master although the sentinels
 * name another (a restarted old master, before Sentinel converts it). At
 * the end the set is read from the real master: what the stale one
 * acknowledged and the real one lacks was lost.
 */
export class StaleMasterWriter {
  private readonly key = `drill:stale:${Math.random().toString(36).slice(2, 10)}`;
  private readonly clients: KeptConnections;
  private readonly acked = new Map<string, { ids: number[]; from: number; to: number }>();
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private t0 = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly o: {
      password: string | null;
      intervalMs?: number;
      deadlineMs?: number;
      /** Deadline for reading the set back from the master at the end (connecting, and the read). */
      readBackMs?: number;
      clock?: Clock;
      strays(): Address[];
      master(): Address | null;
    },
  ) {
    this.clock = o.clock ?? systemClock;
    this.clients = new KeptConnections({
      password: o.password,
      name: 'redis-drill:stale-writer',
      connectTimeoutMs: 1000,
      commandTimeoutMs: o.deadlineMs ?? 100,
    });
  }

  start(t0: number): void {
    this.t0 = t0;
    this.timer = setInterval(() => this.tick(), this.o.intervalMs ?? 10);
  }

  async stop(): Promise<StaleWritesResult> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.inFlight);
    this.clients.closeAll();
    const master = this.o.master();
    const present = master && this.acked.size ? await this.readBack(master) : null;
    return {
      method: `one SADD of a unique id every ${this.o.intervalMs ?? 10} ms to every data node that answers as a master while the sentinels name another (a client that still points at it); at the end the set is read from the master the sentinels name`,
      nodes: [...this.acked].map(([node, a]) => ({
        node,
        fromMs: Math.round(a.from),
        toMs: Math.round(a.to),
        acknowledged: a.ids.length,
        lost: present ? a.ids.filter((id) => !present.has(id)).length : null,
      })),
    };
  }

  /**
   * The set as the master the sentinels name holds it, or null (the loss is
   * unknown, not 0) if it does not answer within `readBackMs`. Its own
   * connection with the drill's deadline: the writers' clients send nothing
   * before they are connected and give a write 100 ms, and the master may
   * never have had one (it gets one only if it was ever seen as a stray).
   */
  private async readBack(master: Address): Promise<Set<number> | null> {
    const options = { timeoutMs: this.o.readBackMs ?? 1000, password: this.o.password };
    return withNode(
      master,
      options,
      async (c) => new Set(((await c.call('SMEMBERS', this.key)) as string[]).map(Number)),
    ).catch(() => null);
  }

  private tick(): void {
    for (const stray of this.o.strays()) {
      const id = this.seq++;
      const node = formatAddress(stray);
      const p = this.clients
        .get(stray)
        .call('SADD', this.key, String(id))
        .then(
          () => {
            const t = this.clock.now() - this.t0;
            const a = this.acked.get(node) ?? { ids: [], from: t, to: t };
            a.ids.push(id);
            a.to = t;
            this.acked.set(node, a);
          },
          // Refused (READONLY once it is a replica) or not answering: not acknowledged, nothing to count.
          () => undefined,
        );
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }
  }
}
