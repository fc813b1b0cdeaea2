import { findNode, pidOf, recordPid } from '../../deployment/lookup.js';
import { rejoinNode } from '../../faults/rejoin.js';
import type { DeploymentNode } from '../../deployment/handle.js';
import { type Address, callText, formatAddress, withNode } from '../../nodes/client.js';
import { StepFailed } from '../run-record.js';
import type { StepHandler, StepRun } from '../step.js';
import { masterFaultStep, restartOnInterrupt, sigkillMaster } from './signal.js';

/** How long the master holds a full sync back before streaming it: the window the kill lands in. */
const SYNC_DELAY_S = 5;

/**
 * kill-during-sync: a replica starts over (stopped, its data removed,
 * started again, so it asks its master for a full resynchronization); the
 * master holds the transfer back (diskless sync with a delay, as Redis 7
 * does by default for 5 s) and is SIGKILLed while the replica waits for it.
 * Then the step watches for two node timeouts and more: a replica that never
 * had its master's data is refused promotion by Redis Cluster
 * (cluster-replica-validity-factor: its link has been down "forever"), so
 * the shard's slots stay unserved until the master is back; with the factor
 * at 0 it is promoted, empty, and the shard is lost. The drill's restart and
 * `no keys lost` check say which.
 */
export const killDuringSyncStep: StepHandler = masterFaultStep('kill-during-sync', async (run, o, step) => {
  const d = run.deployment;
  const map = await run.slotMap();
  const victim = run.master(map, o.master, { slot: o.slot, key: o.key });
  const shard = map.masters.find((m) => m.id === victim.id);
  const replicaAddress = shard?.replicas[0];
  if (!replicaAddress) throw new StepFailed(`${formatAddress(victim)} has no replica: nothing would be syncing`);
  const replica = withProcess(findNode(d, replicaAddress), replicaAddress);
  withProcess(findNode(d, victim), victim);
  // The master waits before it streams a full sync (its own config file restores the setting when it restarts).
  const held = await holdFullSyncs(run, victim);
  // Interrupted between its SIGKILL and its start, the replica would stay down with nothing: started on the way out.
  run.undoIfEndedEarly(replica.label, {
    what: `started ${replica.label} again (stopped by steps[${step.index}])`,
    run: async () => {
      if ((await pidOf(d, replica)) === null)
        await rejoinNode(d, { node: replica.label, mode: 'restart', wait: false, cleanup: true });
    },
    onInterruptOnly: true,
  });
  await startOver(run, replica);
  const syncing = await waitSyncing(run, victim, replica);
  if (!syncing) {
    await held.undo();
    throw new StepFailed(`${replica.label} did not start a full sync from ${formatAddress(victim)}`);
  }
  const keysBefore = await withNode(victim, d.connect, async (c) => String(await c.call('DBSIZE'))).catch(() => '?');
  const killed = await sigkillMaster(run, victim.id);
  const t0 = Date.parse(killed.faultAt);
  // A broken master: a promotion may follow (whether Redis allows one is what the drill shows).
  run.expectPromotion({ victim, manual: false, chosen: null, t0 });
  const node = run.named(o.as ?? 'victim', victim);
  restartOnInterrupt(run, victim, step.index);
  const how = `${killed.how} while ${replica.label}'s full sync from it was held back (repl-diskless-sync-delay ${SYNC_DELAY_S})`;
  run.recordFault({
    index: step.index,
    kind: 'kill-during-sync',
    how,
    victim: killed.victim,
    t0,
    sendMs: killed.actionMs,
  });
  const watchMs = 2 * d.nodeTimeoutMs + 3000;
  const replicas = (shard?.replicas ?? []).map((r) => withProcess(findNode(d, r), r));
  const promoted = await watchPromotion(run, replicas, watchMs);
  const outcome =
    promoted === null
      ? `${replica.label} was not promoted in ${watchMs} ms: it never had the master's data (Redis refuses such a replica, cluster-replica-validity-factor), so the shard's slots are unserved until the master is back`
      : promoted.node !== replica
        ? `${promoted.node.label}, a replica that had the data, was promoted after ${Math.round(promoted.atMs - t0)} ms with ${promoted.keys} keys`
        : `${replica.label} was promoted after ${Math.round(promoted.atMs - t0)} ms with ${promoted.keys} keys (its master held ${keysBefore} when it was killed): what it had not received is gone`;
  return { detail: `${how}; ${outcome}; named ${node.name}`, node };
});

type WithProcess = DeploymentNode & { redis: NonNullable<DeploymentNode['redis']> };

function withProcess(n: DeploymentNode | undefined, a: Address): WithProcess {
  if (!n?.redis) throw new StepFailed(`${formatAddress(a)} has no process redis-drill started`);
  return n as WithProcess;
}

/** SIGKILL, its data files removed, started again: it comes back as the same replica, with nothing, and asks for everything. */
async function startOver(run: StepRun, n: WithProcess): Promise<void> {
  const d = run.deployment;
  const pid = await pidOf(d, n);
  if (pid !== null) {
    await n.redis.signal(pid, 'KILL');
    // Its port is free only once the process is gone.
    const until = run.clock.now() + 5000;
    while ((await n.redis.processState(pid)) !== 'gone' && run.clock.now() < until) await run.clock.sleep(10);
  }
  await n.redis.removeData();
  await recordPid(d, n, await n.redis.start({ timeoutMs: 30_000, abortSignal: d.abortSignal }));
}

const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

/**
 * Until the master lists the replica as waiting for its full sync
 * (INFO replication `slaveN:...,state=wait_bgsave`, or `send_bulk` once the
 * transfer started): the replica's own INFO says nothing while the master
 * holds the sync back.
 */
async function waitSyncing(run: StepRun, master: Address, n: WithProcess): Promise<boolean> {
  const until = run.clock.now() + 10_000;
  const mine = new RegExp(
    `^slave\\d+:ip=${n.host.replace(/\./g, '\\.')},port=${n.port},state=(wait_bgsave|send_bulk)`,
    'm',
  );
  while (run.clock.now() < until) {
    const info = await withNode(master, run.deployment.connect, (c) => callText(c, 'INFO', 'replication')).catch(
      () => '',
    );
    if (mine.test(info)) return true;
    await run.clock.sleep(20, run.abortSignal);
  }
  return false;
}

/** Each replica's role every 100 ms for `ms`: the first that became a master, when, with its keys then; null if none did. */
async function watchPromotion(
  run: StepRun,
  replicas: readonly WithProcess[],
  ms: number,
): Promise<{ node: WithProcess; atMs: number; keys: number } | null> {
  const until = run.clock.now() + ms;
  while (run.clock.now() < until) {
    for (const n of replicas) {
      const seen = await withNode(n, run.deployment.connect, async (c) => ({
        role: field(await callText(c, 'INFO', 'replication'), 'role'),
        keys: Number(await c.call('DBSIZE')),
      })).catch(() => null);
      if (seen?.role === 'master') return { node: n, atMs: run.clock.now(), keys: seen.keys };
    }
    await run.clock.sleep(100, run.abortSignal);
  }
  return null;
}

/** The master holds a full sync back SYNC_DELAY_S before streaming it; `undo` puts its settings back (a restart does too: its file has them). */
async function holdFullSyncs(run: StepRun, master: Address): Promise<{ undo: () => Promise<void> }> {
  const d = run.deployment;
  const before = await withNode(master, d.connect, async (c) => {
    const pairs = (await c.call('CONFIG', 'GET', 'repl-diskless-sync*')) as string[];
    await c.call('CONFIG', 'SET', 'repl-diskless-sync', 'yes', 'repl-diskless-sync-delay', String(SYNC_DELAY_S));
    return pairs;
  });
  const keep: string[] = [];
  for (let i = 0; i + 1 < before.length; i += 2)
    if (before[i] === 'repl-diskless-sync' || before[i] === 'repl-diskless-sync-delay')
      keep.push(before[i]!, before[i + 1]!);
  return {
    undo: async () => {
      if (keep.length)
        await withNode(master, d.connect, (c) => c.call('CONFIG', 'SET', ...keep)).catch(() => undefined);
    },
  };
}
