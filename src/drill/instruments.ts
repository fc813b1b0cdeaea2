import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import { openObserver } from '../faults/observe-fault.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import type { Observer, PollCadence } from '../observe/observer.js';
import { sentinelOwner } from '../sentinel/topology.js';
import type { Clock } from '../util/clock.js';
import { AvailabilityProbe, type AvailabilityResult } from '../workload/availability.js';
import { StaleMasterWriter, type StaleWritesResult } from '../workload/stale-writes.js';

/** What the instruments measured, once stopped. */
export interface Measured {
  availability: AvailabilityResult;
  stale: StaleWritesResult | null;
  events: DrillEvent[];
  cadence: PollCadence;
}

/**
 * The drill's measuring instruments, apart from the load: the observer
 * (every node polled and its log followed), the write probe (one SET every
 * few ms to each master's slots) and, on Sentinel, the stale-master writer.
 */
export class Instruments {
  readonly observer: Observer;
  private readonly probe: AvailabilityProbe;
  private readonly stale: StaleMasterWriter | null;

  constructor(
    private readonly d: Deployment,
    private readonly before: SlotMap,
    clock: Clock,
    probe?: { intervalMs: number; deadlineMs: number },
  ) {
    this.observer = openObserver(d, clock);
    const serving = before.masters.filter((m) => m.slots.length > 0);
    this.probe = new AvailabilityProbe(
      serving.map((m) => ({
        index: m.index,
        label: `Master[${m.index}] ${formatAddress(m)}`,
        id: m.id,
        ranges: m.slots,
      })),
      {
        password: d.connect.password,
        ownerOf: (slot) => d.ops.ownerOf(this.observer.snapshot(), slot),
        clock,
        ...probe,
      },
    );
    this.stale = d.ops.kind === 'sentinel' ? staleWriter(d, this.observer, clock) : null;
  }

  /** Watching begins, and the probe opens its connections (to masters and their replicas). */
  async open(): Promise<void> {
    await this.observer.start();
    const serving = this.before.masters.filter((m) => m.slots.length > 0);
    await this.probe.connect(serving.flatMap((m) => [m, ...m.replicas]));
  }

  /** Writing begins, on the load's clock (ms from `loadStart`). */
  start(loadStart: number): void {
    this.probe.start(loadStart);
    this.stale?.start(loadStart);
  }

  async stop(): Promise<Measured> {
    const availability = await this.probe.stop();
    const stale = (await this.stale?.stop()) ?? null;
    const events = await this.observer.stop();
    return { availability, stale, events, cadence: this.observer.cadence() };
  }
}

/** Sentinel: a client that keeps writing to any data node calling itself a master that the sentinels do not name (see StaleMasterWriter). */
function staleWriter(d: Deployment, observer: Observer, clock: Clock): StaleMasterWriter {
  return new StaleMasterWriter({
    password: d.connect.password,
    clock,
    master: () => sentinelOwner(observer.snapshot()),
    strays: () => {
      const probes = observer.snapshot();
      const master = sentinelOwner(probes);
      return probes
        .filter(
          (p) =>
            p.kind === 'data' &&
            p.up &&
            p.replication?.get('role') === 'master' &&
            !(master && p.address.port === master.port && p.address.host === master.host),
        )
        .map((p) => p.address);
    },
  });
}
