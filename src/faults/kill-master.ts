import { EnvironmentError, UsageError } from '../errors.js';
import { formatRanges } from '../cluster/slots.js';
import { type Address, closeClient, connectNode, formatAddress, isConnectionClosed } from '../nodes/client.js';
import type { Signal } from '../hosts/host.js';
import type { ObserverView } from '../observe/observer.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { findNode, pidOf, probeEach, probesNow } from '../deployment/lookup.js';
import type { FaultSignal } from './catalog.js';
import { observeFault } from './observe-fault.js';
import { type FaultResult, faultResult } from './result.js';
import { type MasterSelector, selectMaster } from './target.js';
import { untilAborted } from '../util/clock.js';

export type FaultVia = 'debug-sleep' | 'shutdown';

export interface KillMasterOptions {
  target: MasterSelector;
  signal: FaultSignal;
  /** For --seed clusters, where redis-drill has no process to signal. */
  via?: FaultVia;
  wait: boolean;
  force: boolean;
  deadlineMs?: number;
  /** Watch with this running observer instead of a new one (a scenario's single timeline). */
  observer?: ObserverView;
}

export const SIGNALS: Record<FaultSignal, Signal> = { kill: 'KILL', term: 'TERM', freeze: 'STOP' };

/**
 * Breaks a master on purpose and watches the cluster heal: failure
 * detection, the replica's election, its promotion, cluster_state:ok.
 */
export async function killMaster(d: Deployment, o: KillMasterOptions): Promise<FaultResult> {
  let map = d.ops.map(await probesNow(d, o.observer));
  let victim = selectMaster(map, o.target);
  // Before refusing a master as broken, ask the nodes with the command's own deadline: an observer's poll has a
  // short one, which a busy machine misses (a 50 x 1 soak on two cores called a healthy Master[0] unreachable).
  if (victim.state !== 'ok' && o.observer) {
    map = d.ops.map(await probeEach(d));
    victim = selectMaster(map, o.target);
  }
  const label = `Master[${victim.index}] ${formatAddress(victim)}`;
  if (victim.state !== 'ok')
    throw new UsageError(`${label} is already ${victim.state}`, {
      hint: 'check the cluster with: redis-drill slotmap',
    });
  if (victim.replicas.length === 0 && !o.force) {
    throw new UsageError(`${label} has no replica: its slots ${formatRanges(victim.slots)} would stay unserved`, {
      hint: 'pass --force to break it anyway, or create the cluster with --replicas 1 or more',
    });
  }
  if (!d.managed && !o.via) {
    throw new UsageError('a --seed cluster has no process redis-drill can signal', {
      hint: 'choose --via debug-sleep (freeze it with DEBUG SLEEP) or --via shutdown (SHUTDOWN NOSAVE)',
    });
  }
  const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
  // The process is found before the fault is marked: the mark and the signal are then a moment apart.
  const node = o.via ? undefined : findNode(d, victim);
  // Over SSH, the first call to a host waits for its login shell: an interrupt does not.
  const pid = node ? await untilAborted(pidOf(d, node), d.abortSignal) : null;
  if (!o.via && (!node?.redis || pid === null))
    throw new EnvironmentError(`${label} has no running process redis-drill started`, {
      hint: 'is the cluster running? see: redis-drill cluster status',
    });
  const action = async (): Promise<{ node: string; detail: string }> => {
    if (o.via) return { node: formatAddress(victim), detail: await viaCommand(d, victim, o.via, deadlineMs) };
    await node!.redis!.signal(pid!, SIGNALS[o.signal]);
    return { node: node!.label, detail: `SIG${SIGNALS[o.signal]} sent to pid ${pid} (${label})` };
  };
  const run = await observeFault(d, {
    what: `a replica of ${label} becoming master of its slots with cluster_state:ok everywhere`,
    deadlineMs,
    wait: o.wait,
    observer: o.observer,
    action,
    condition: (probes) => d.ops.promotionDone(probes, victim),
  });
  const promotedReplica = victim.replicas.find((r) => r.id === run.value) ?? null;
  return faultResult(d, run, {
    action: 'kill-master',
    fault: o.signal,
    victim: { id: victim.id, host: victim.host, port: victim.port, index: victim.index },
    how: o.via ? `--via ${o.via}` : `SIG${SIGNALS[o.signal]}`,
    waitedFor: `a replica of ${label} master of its slots, cluster_state:ok everywhere`,
    deadlineMs,
    promoted: promotedReplica
      ? { id: promotedReplica.id, host: promotedReplica.host, port: promotedReplica.port }
      : null,
    logOf: promotedReplica,
  });
}

/**
 * Faults through Redis commands (a --seed cluster has no process to
 * signal). Each is checked: a refused command is an error that says why,
 * never a fault claimed that did not happen.
 */
async function viaCommand(d: Deployment, victim: Address, via: FaultVia, deadlineMs: number): Promise<string> {
  const options = d.connect;
  const label = formatAddress(victim);
  if (via === 'shutdown') {
    const client = await connectNode(victim, options);
    try {
      await client.call('SHUTDOWN', 'NOSAVE');
      throw new EnvironmentError(`${label} answered SHUTDOWN NOSAVE but did not shut down`, {
        hint: 'check its log; or break it another way (--via debug-sleep, or redis-drill cluster failover)',
      });
    } catch (e) {
      // The connection closing under us is how a successful SHUTDOWN answers; anything else is its refusal.
      if (!isConnectionClosed(e))
        throw e instanceof EnvironmentError
          ? e
          : new EnvironmentError(`${label} refused SHUTDOWN NOSAVE: ${(e as Error).message}`, {
              hint: 'if the command is renamed or forbidden by ACL, break it another way (--via debug-sleep, or redis-drill cluster failover)',
            });
    } finally {
      closeClient(client);
    }
    return 'SHUTDOWN NOSAVE';
  }
  const client = await connectNode(victim, options);
  try {
    // Redis 7 refuses DEBUG unless enable-debug-command allows it: find out before anything is claimed.
    await client.call('DEBUG', 'HELP');
  } catch (e) {
    closeClient(client);
    const msg = (e as Error).message ?? String(e);
    if (/not allowed|enable-debug-command|unknown command|NOPERM/i.test(msg)) {
      throw new EnvironmentError(
        `${label} refuses DEBUG (${msg.split('.')[0]}), so --via debug-sleep cannot freeze it`,
        {
          hint: 'start the nodes with enable-debug-command yes (or local, and run redis-drill on the same machine), or break the master with --via shutdown, or fail it over with: redis-drill cluster failover',
        },
      );
    }
    throw e;
  }
  // DEBUG SLEEP blocks the server; its reply comes only when it wakes, so it is not awaited. An error
  // reply comes at once, though: give it a moment to arrive before claiming the fault.
  const seconds = Math.ceil(deadlineMs / 1000);
  const reply = client.call('DEBUG', 'SLEEP', seconds).then(
    () => null,
    (e: unknown) => e,
  );
  const early = await Promise.race([reply, new Promise<'asleep'>((r) => setTimeout(() => r('asleep'), 100))]);
  if (early !== 'asleep') {
    closeClient(client);
    throw new EnvironmentError(
      `${label} did not go to sleep on DEBUG SLEEP ${seconds}${early ? `: ${(early as Error).message}` : ' (it answered at once)'}`,
      { hint: 'break it with --via shutdown instead' },
    );
  }
  // Its reply (or our command timeout while it sleeps) ends the connection later; either is expected.
  void reply.finally(() => closeClient(client));
  return `DEBUG SLEEP ${seconds}`;
}
