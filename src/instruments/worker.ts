import { parentPort } from 'node:worker_threads';
import type { NodeProbe } from '../cluster/probe.js';
import { Hosts } from '../cluster/runtime.js';
import { clusterOps, sentinelOps } from '../deployment/ops.js';
import { DrillError } from '../errors.js';
import { formatAddress } from '../nodes/address.js';
import type { DrillEvent } from '../observe/events.js';
import { Observer } from '../observe/observer.js';
import { sentinelOwner } from '../sentinel/topology.js';
import { AvailabilityProbe } from '../workload/availability.js';
import { StaleMasterWriter } from '../workload/stale-writes.js';
import type { FromInstruments, InstrumentsConfig, ProbeUpdate, ToInstruments } from './protocol.js';

/**
 * The instruments' own thread: the observer (every node polled, every log
 * followed), the write probe and, on Sentinel, the stale-master writer run
 * here, with their own connections and their own event loop, so nothing
 * the load or the steps do on the main thread can delay a probe write or
 * a poll. What they see goes to the main thread in small batches.
 */

/** How often what was seen goes to the main thread: well under a poll interval, so a wait there notices it at once. */
const BATCH_MS = 5;

const port = parentPort!;
const send = (m: FromInstruments): void => port.postMessage(m);

let parts: { observer: Observer; probe: AvailabilityProbe; stale: StaleMasterWriter | null; hosts: Hosts } | null =
  null;
const events: DrillEvent[] = [];
const probes = new Map<number, NodeProbe>();
const sentViews = new Map<number, NodeProbe['view']>();
let flushTimer: NodeJS.Timeout | null = null;

function queue(): void {
  flushTimer ??= setTimeout(flush, BATCH_MS);
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  if (events.length === 0 && probes.size === 0) return;
  const updates: ProbeUpdate[] = [...probes].map(([index, probe]) => {
    const sameView = sentViews.get(index) === probe.view;
    sentViews.set(index, probe.view);
    return { index, probe: sameView ? { ...probe, view: undefined } : probe, sameView };
  });
  send({ t: 'batch', events: events.splice(0), probes: updates });
  probes.clear();
}

async function open(c: InstrumentsConfig): Promise<void> {
  const hosts = new Hosts(c.sshHosts);
  const ops = c.kind === 'sentinel' ? sentinelOps : clusterOps;
  const observer = new Observer(
    c.nodes.map((n) => ({
      address: n.address,
      log: n.log ? { host: hosts.get(n.log.host), path: n.log.path } : null,
      probe: n.probe,
    })),
    {
      connect: { ...c.connect, timeoutMs: Math.min(c.connect.timeoutMs, 500) },
      listener: {
        event: (e) => {
          events.push(e);
          queue();
        },
        poll: (index, probe) => {
          probes.set(index, probe);
          queue();
        },
      },
    },
  );
  const serving = c.before.masters.filter((m) => m.slots.length > 0);
  const probe = new AvailabilityProbe(
    serving.map((m) => ({
      index: m.index,
      label: `Master[${m.index}] ${formatAddress(m)}`,
      id: m.id,
      ranges: m.slots,
    })),
    {
      password: c.connect.password,
      ownerOf: (slot) => ops.ownerOf(observer.snapshot(), slot),
      ownerLagMs: observer.cadence().intervalMs,
      ...c.probe,
    },
  );
  const stale =
    c.kind === 'sentinel'
      ? new StaleMasterWriter({
          password: c.connect.password,
          readBackMs: c.connect.timeoutMs,
          master: () => sentinelOwner(observer.snapshot()),
          strays: () => {
            const seen = observer.snapshot();
            const master = sentinelOwner(seen);
            return seen
              .filter(
                (p) =>
                  p.kind === 'data' &&
                  p.up &&
                  p.replication?.get('role') === 'master' &&
                  !(master && p.address.port === master.port && p.address.host === master.host),
              )
              .map((p) => p.address);
          },
        })
      : null;
  parts = { observer, probe, stale, hosts };
  await observer.start();
  await probe.connect(serving.flatMap((m) => [m, ...m.replicas]));
  flush();
  send({ t: 'ready', clockNote: observer.clockNote(), intervalMs: observer.cadence().intervalMs });
}

async function stop(): Promise<void> {
  if (!parts) return;
  const { observer, probe, stale, hosts } = parts;
  const availability = await probe.stop();
  const staleResult = (await stale?.stop()) ?? null;
  await observer.stop();
  // The SSH connections close before the main thread hears "stopped" (it ends this thread then).
  await hosts.dispose();
  flush();
  send({
    t: 'stopped',
    result: { availability, stale: staleResult, cadence: observer.cadence(), logLines: observer.allLogLines() },
  });
  parts = null;
}

function failed(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  send({
    t: 'failed',
    name: err.name,
    message: err.message,
    hint: e instanceof DrillError ? e.hint : undefined,
    exitCode: e instanceof DrillError ? e.exitCode : undefined,
  });
}

port.on('message', (m: ToInstruments) => {
  switch (m.t) {
    case 'open':
      open(m.config).catch(failed);
      break;
    case 'start':
      parts?.probe.start(m.loadStart);
      parts?.stale?.start(m.loadStart);
      break;
    case 'fault':
      parts?.observer.faultMarked(m.kind, m.at);
      break;
    case 'catchUp':
      void (parts?.observer.catchUpLogs() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          flush();
          send({ t: 'caughtUp', id: m.id });
        });
      break;
    case 'stop':
      stop().catch(failed);
      break;
  }
});
