import { findNode } from '../../deployment/lookup.js';
import { rejoinNode } from '../../faults/rejoin.js';
import { replicaKeys, shardWipe } from '../../faults/wipe.js';
import { formatAddress } from '../../nodes/address.js';
import { StepFailed } from '../run-record.js';
import type { StepHandler, StepRun } from '../step.js';
import { masterFaultStep, restartOnInterrupt, sigkillMaster } from './signal.js';

/**
 * quick-restart: SIGKILL a master and start it again at once, well inside
 * the node timeout, as systemd or Kubernetes restart a crashed server. No
 * replica is promoted: the master comes back from its own files. With AOF
 * it has its keys; without persistence it comes back empty and its
 * replicas resynchronize from it, so the shard is gone on every node. The
 * step says so in its own detail (each replica's keys before); the drill's
 * `no keys lost` check judges it. A `wait-for: rejoin` after it waits for
 * the master to serve again.
 */
export const quickRestartStep: StepHandler = masterFaultStep('quick-restart', async (run, o, step) => {
  const map = await run.slotMap();
  const victim = run.master(map, o.master, { slot: o.slot, key: o.key });
  if (!findNode(run.deployment, victim)?.redis)
    throw new StepFailed(`${formatAddress(victim)} has no process redis-drill started`);
  // What its replicas hold before: a master back empty takes that with it.
  const replicasBefore = await replicaKeys(run.deployment, victim);
  const killed = await sigkillMaster(run, victim.id, Boolean(o.force));
  const t0 = Date.parse(killed.faultAt);
  const node = run.named(o.as ?? 'victim', victim);
  restartOnInterrupt(run, victim, step.index);
  const back = await rejoinNode(run.deployment, {
    node: formatAddress(victim),
    mode: 'restart',
    wait: false,
    observer: run.observer,
  });
  const downMs = Date.parse(back.faultAt) - t0;
  const how = `${killed.how}, started again ${downMs} ms later`;
  run.recordFault({
    index: step.index,
    kind: 'quick-restart',
    how,
    victim: killed.victim,
    t0,
    sendMs: killed.actionMs,
  });
  run.expectRejoin({ node, t0: Date.parse(back.faultAt), how: 'restart' });
  const wiped = await shardWipe(run.deployment, victim, replicasBefore);
  const held = replicasBefore.map((r) => `${formatAddress(r.node)} held ${r.keys} keys`).join(', ');
  return {
    detail: `${how} (${within(downMs, run.deployment.nodeTimeoutMs)}); ${
      wiped
        ? `it came back EMPTY while its replicas held its shard (${held}): without persistence the shard is lost`
        : `it came back with ${await keysOf(run, victim)} keys${held ? ` (${held})` : ''}`
    }; named ${node.name}`,
    node,
  };
});

/** Whether the restart beat the node timeout: if not, a replica may have been promoted meanwhile (the drill's checks say). */
function within(downMs: number, nodeTimeoutMs: number): string {
  return downMs < nodeTimeoutMs
    ? `inside the node timeout of ${nodeTimeoutMs} ms: no failover expected`
    : `longer than the node timeout of ${nodeTimeoutMs} ms: a replica may have taken over`;
}

async function keysOf(run: StepRun, m: { host: string; port: number }): Promise<string> {
  const map = await run.slotMap();
  return String(map.masters.find((x) => x.host === m.host && x.port === m.port)?.dbsize ?? '?');
}
