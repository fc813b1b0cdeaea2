import { UsageError } from '../errors.js';
import type { Address } from '../nodes/client.js';
import { type Deployment, defaultDeadline } from '../deployment/handle.js';
import { findNode, nodesWithIds, pidOf, recordPid, roleOf } from '../deployment/lookup.js';
import { observeFault } from './observe-fault.js';
import { type FaultResult, faultResult } from './result.js';
import type { ObserverView } from '../observe/observer.js';
import { selectNode } from './target.js';
import { replicaKeys, shardWipe } from './wipe.js';

export interface RejoinOptions {
  node: string;
  mode: 'restart' | 'resume';
  deadlineMs?: number;
  /** Default true: wait until it has rejoined. */
  wait?: boolean;
  /** Watch with this running observer instead of a new one (a scenario's single timeline). */
  observer?: ObserverView;
  /** The cleanup after Ctrl-C: the start goes through to the end (bounded by its own timeout) although the command was interrupted. */
  cleanup?: boolean;
}

/**
 * Brings a broken node back (restart: start its process again from its own
 * redis.conf and nodes.conf; resume: SIGCONT a frozen one) and watches it
 * rejoin: reconfigured as a replica of the new master, sync, link up.
 */
export async function rejoinNode(d: Deployment, o: RejoinOptions): Promise<FaultResult> {
  if (!d.managed)
    throw new UsageError(`${o.mode}-node needs a cluster redis-drill started`, {
      hint: 'drop --seed; on an attached cluster restart the server by hand',
    });
  const node = selectNode(await nodesWithIds(d, o.observer), o.node);
  const pid = await pidOf(d, node);
  const processState = pid === null ? 'gone' : await node.redis!.processState(pid);
  if (o.mode === 'restart' && processState !== 'gone') {
    throw new UsageError(
      `${node.label} is ${processState === 'frozen' ? 'frozen (SIGSTOP), not dead' : 'running'} (pid ${pid})`,
      {
        hint:
          processState === 'frozen'
            ? `resume it with: redis-drill cluster resume-node ${node.label}`
            : `kill it first, e.g. redis-drill cluster kill-master --master ${node.label}`,
      },
    );
  }
  if (o.mode === 'resume' && processState !== 'frozen') {
    throw new UsageError(`${node.label} is not frozen (it is ${processState === 'gone' ? 'not running' : 'running'})`, {
      hint:
        processState === 'gone'
          ? `start it with: redis-drill cluster restart-node ${node.label}`
          : 'freeze a master with: redis-drill cluster kill-master --signal freeze',
    });
  }
  const deadlineMs = o.deadlineMs ?? defaultDeadline(d);
  // What its replicas hold before it comes back: a master restarted empty would take that with it.
  const wait = o.wait ?? true;
  const replicasBefore = o.mode === 'restart' && wait ? await replicaKeys(d, node) : [];
  const run = await observeFault(d, {
    what: `${node.label} rejoining (a replica with its link up, or a master with cluster_state:ok)`,
    deadlineMs,
    wait,
    observer: o.observer,
    restore: true,
    action: async () => {
      if (o.mode === 'resume') {
        await node.redis!.signal(pid!, 'CONT');
        return { node: node.label, detail: `SIGCONT sent to pid ${pid}` };
      }
      const newPid = await node.redis!.start({ timeoutMs: 10_000, abortSignal: o.cleanup ? undefined : d.abortSignal });
      await recordPid(d, node, newPid);
      return {
        node: node.label,
        detail: `restarted as pid ${newPid} from its own ${d.ops.kind === 'cluster' ? 'redis.conf and nodes.conf' : 'redis.conf'}`,
      };
    },
    condition: (probes) => d.ops.rejoinDone(probes, node),
  });
  const rejoined = run.outcome === 'done' ? await roleOf(d, node) : null;
  return faultResult(d, run, {
    action: o.mode === 'restart' ? 'restart-node' : 'resume-node',
    fault: o.mode,
    victim: { id: node.id, host: node.host, port: node.port },
    how: o.mode === 'restart' ? 'restart' : 'SIGCONT',
    waitedFor: `${node.label} back as a replica with master_link_status:up (or a master, if no failover happened)`,
    deadlineMs,
    // The last word is ROLE, asked directly of the node.
    rejoined,
    wiped: rejoined?.role === 'master' ? await shardWipe(d, node, replicasBefore) : null,
  });
}

/** SIGCONT to a node if it is frozen (a drill that ends early must not leave a hung node behind). */
export async function resumeIfFrozen(d: Deployment, a: Address): Promise<boolean> {
  const node = findNode(d, a);
  const pid = node ? await pidOf(d, node) : null;
  if (!node?.redis || pid === null || (await node.redis.processState(pid)) !== 'frozen') return false;
  await node.redis.signal(pid, 'CONT');
  return true;
}
