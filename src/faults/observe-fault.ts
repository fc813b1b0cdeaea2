import { DeadlineError } from '../errors.js';
import type { NodeProbe } from '../cluster/probe.js';
import type { DrillEvent, EventKind } from '../observe/events.js';
import { Observer, type ObserverView } from '../observe/observer.js';
import { type Clock, systemClock, throwIfAborted, untilAborted } from '../util/clock.js';
import type { Probe } from '../util/wait.js';
import type { Deployment } from '../deployment/handle.js';
import { observed } from '../deployment/lookup.js';
import type { Watched } from './result.js';

export interface ObservedRun<T> extends Watched {
  value: T | null;
  observer: ObserverView;
}

/**
 * The shape every fault command shares: start watching (logs from their
 * current end, a first poll of every node), do the action and mark its
 * moment, then wait until `condition` holds or the deadline passes. The
 * deadline is not an exception here: the caller reports what was seen.
 */
export async function observeFault<T>(
  d: Deployment,
  o: {
    what: string;
    deadlineMs: number;
    wait: boolean;
    clock?: Clock;
    action: () => Promise<{ node: string; detail: string }>;
    condition: (probes: NodeProbe[]) => Probe<T>;
    /** An observer already running (a scenario watches all its steps with one); it is left running. */
    observer?: ObserverView;
    /** What the action is on the timeline: a fault (the default) or a heal. */
    kind?: 'fault' | 'heal';
    /** A restore (a restart, a heal): it runs in the clean-up after an interrupt too, so the interrupt does not stop it. */
    restore?: boolean;
    /** Do the action again whenever one of `nodes` logs an event of this kind after it (a manual failover that timed out). */
    retryOn?: { kind: EventKind; nodes: string[] };
  },
): Promise<ObservedRun<T>> {
  const clock = o.clock ?? systemClock;
  // A shared observer keeps running; without one, this fault has one of its own for its watch.
  const own = o.observer ? null : openObserver(d, clock);
  // A restore (or a heal) runs in the clean-up after an interrupt too; a fault interrupted before it went out is not sent.
  const abortSignal = o.restore || o.kind === 'heal' ? undefined : d.abortSignal;
  // Over SSH the start opens a login shell per host, seconds on a busy machine: an interrupt does not wait for it.
  if (own)
    await untilAborted(own.start(), abortSignal).catch((e: unknown) => {
      own.close();
      throw e;
    });
  const observer: ObserverView = o.observer ?? own!;
  let t0 = clock.now();
  let actionMs = 0;
  // A shared observer's events since this fault are this fault's.
  const events = async (): Promise<DrillEvent[]> =>
    own ? own.stop() : observer.timeline().filter((e) => e.at >= t0 - 1);
  try {
    // A fault interrupted while the watch started (over SSH, a shell's start-up per host): nothing is broken yet, and nothing will be.
    throwIfAborted(abortSignal);
    t0 = observer.markFault(o.kind);
    const what = await o.action();
    // How long the action took to go out (a signal over SSH is a round trip): the fault's time is that uncertain.
    actionMs = clock.now() - t0;
    observer.describeFault(what.node, what.detail, o.kind);
    if (!o.wait)
      return {
        outcome: 'not-waited',
        value: null,
        lastSeen: null,
        events: await events(),
        t0,
        tEnd: clock.now(),
        actionMs,
        observer,
      };
    const value = await observer.waitFor(retrying(observer, t0, o), {
      what: o.what,
      timeoutMs: o.deadlineMs,
      abortSignal: d.abortSignal,
    });
    const tEnd = clock.now();
    return { outcome: 'done', value, lastSeen: null, events: await events(), t0, tEnd, actionMs, observer };
  } catch (e) {
    const seen = await events();
    if (e instanceof DeadlineError)
      return {
        outcome: 'deadline-exceeded',
        value: null,
        lastSeen: e.lastSeen,
        events: seen,
        t0,
        tEnd: clock.now(),
        actionMs,
        observer,
      };
    throw e;
  }
}

/**
 * The condition, with the action done again each time `retryOn` is seen.
 * Redis 7.0 times a manual failover out after 5 s when the replica cannot win
 * a fresh election: a replica that won one less than 4 × node timeout ago
 * claims that stale win and is overruled by the higher epoch, and a master
 * refuses a second vote about a shard within 2 × node timeout. Asking again
 * later succeeds, as an operator would; each retry is on the timeline.
 */
function retrying<T>(
  observer: ObserverView,
  t0: number,
  o: {
    action: () => Promise<unknown>;
    condition: (probes: NodeProbe[]) => Probe<T>;
    retryOn?: { kind: EventKind; nodes: string[] };
  },
): (probes: NodeProbe[]) => Probe<T> {
  let handled = 0;
  return (probes) => {
    const seen = o.condition(probes);
    if (seen.done || !o.retryOn) return seen;
    const { kind, nodes } = o.retryOn;
    const due = observer.timeline().filter((e) => e.at >= t0 && e.kind === kind && nodes.includes(e.node));
    if (due.length > handled) {
      handled = due.length;
      observer.note(due.at(-1)!.node, 'retried', `after "${kind}": asked again`);
      // A failed retry shows as the deadline passing, with what was last seen.
      o.action().catch(() => undefined);
    }
    return seen;
  };
}

/** An observer of every node of the cluster; polls get a short deadline of their own, so a frozen node cannot stall a 50 ms loop for long. */
export function openObserver(d: Deployment, clock: Clock = systemClock): Observer {
  return new Observer(observed(d), {
    connect: { ...d.connect, timeoutMs: Math.min(d.connect.timeoutMs, 500) },
    clock,
  });
}
