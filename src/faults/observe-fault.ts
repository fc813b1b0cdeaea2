import { DeadlineError } from '../errors.js';
import type { NodeProbe } from '../cluster/probe.js';
import type { DrillEvent } from '../observe/events.js';
import { Observer } from '../observe/observer.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { Probe } from '../util/wait.js';
import { type DrillContext, observed } from './drill-context.js';

export interface ObservedRun<T> {
  outcome: 'done' | 'not-waited' | 'deadline-exceeded';
  value: T | null;
  lastSeen: string | null;
  events: DrillEvent[];
  /** Local clock (epoch ms) of the fault and of the end of the watch. */
  t0: number;
  tEnd: number;
  observer: Observer;
}

/**
 * The shape every fault command shares: start watching (logs from their
 * current end, a first poll of every node), do the action and mark its
 * moment, then wait until `condition` holds or the deadline passes. The
 * deadline is not an exception here: the caller reports what was seen.
 */
export async function observeFault<T>(
  ctx: DrillContext,
  o: {
    what: string;
    deadlineMs: number;
    wait: boolean;
    signal?: AbortSignal;
    clock?: Clock;
    action: () => Promise<{ node: string; detail: string }>;
    condition: (probes: NodeProbe[]) => Probe<T>;
    /** An observer already running (a scenario watches all its steps with one); it is left running. */
    observer?: Observer;
    /** What the action is on the timeline: a fault (the default) or a heal. */
    kind?: 'fault' | 'heal';
  },
): Promise<ObservedRun<T>> {
  const clock = o.clock ?? systemClock;
  const observer = o.observer ?? openObserver(ctx, clock);
  if (!o.observer) await observer.start();
  let t0 = clock.now();
  // A shared observer keeps running: its events since this fault are this fault's.
  const events = async (): Promise<DrillEvent[]> => (o.observer ? observer.timeline().filter((e) => e.at >= t0 - 1) : observer.stop());
  try {
    t0 = observer.markFault(o.kind);
    const what = await o.action();
    observer.describeFault(what.node, what.detail, o.kind);
    if (!o.wait) return { outcome: 'not-waited', value: null, lastSeen: null, events: await events(), t0, tEnd: clock.now(), observer };
    const value = await observer.waitFor(o.condition, { what: o.what, timeoutMs: o.deadlineMs, signal: o.signal });
    const tEnd = clock.now();
    return { outcome: 'done', value, lastSeen: null, events: await events(), t0, tEnd, observer };
  } catch (e) {
    const seen = await events();
    if (e instanceof DeadlineError) return { outcome: 'deadline-exceeded', value: null, lastSeen: e.lastSeen, events: seen, t0, tEnd: clock.now(), observer };
    throw e;
  }
}

/** An observer of every node of the cluster; polls get a short deadline of their own, so a frozen node cannot stall a 50 ms loop for long. */
export function openObserver(ctx: DrillContext, clock: Clock = systemClock): Observer {
  return new Observer(observed(ctx), { connect: { timeoutMs: Math.min(ctx.timeoutMs, 500), password: ctx.password }, clock });
}
