import { type NodeProbe, myselfOf } from '../cluster/probe.js';
import type { DrillEvent, EventKind } from './events.js';

type Observation = Omit<DrillEvent, 'tMs'>;

/**
 * What changed between two polls of one node, as events: down and up, a
 * role change (a promotion, a reconfiguration as a replica), cluster_state,
 * a replica's link, and the failure flags it holds for its peers. A flag is
 * given with a key (`once`): only the first node to see it is an event.
 * `answered` is the node's latest answered poll, so a role change across
 * polls that failed counts too. Pure.
 */
export function pollEvents(
  label: string,
  before: NodeProbe | null,
  after: NodeProbe,
  at: number,
  answered: NodeProbe | null = null,
): { events: Observation[]; once: { key: string; event: Observation }[] } {
  const events: Observation[] = [];
  const once: { key: string; event: Observation }[] = [];
  if (!before) return { events, once };
  const poll = (kind: EventKind, detail: string): Observation => ({ at, node: label, source: 'poll', kind, detail });
  if (before.up && !after.up) events.push(poll('node-down', `stopped answering (${after.error})`));
  if (!before.up && after.up) events.push(poll('node-up', 'answering again'));
  // The role it had when it last answered: a change across polls that failed counts too.
  const seen = before.up ? before : answered;
  if (after.kind === 'data' && after.up && before.up) {
    events.push(...roleEvents(before, after, poll));
    const link = after.replication?.get('master_link_status');
    if (link === 'up' && before.replication?.get('master_link_status') !== 'up')
      events.push(poll('link-up', 'master_link_status:up'));
    return { events, once };
  }
  if (after.kind === 'data' && after.up && seen?.up)
    return { events: [...events, ...roleEvents(seen, after, poll)], once };
  if (!after.up || !after.view) return { events, once };

  const state = after.clusterInfo?.get('cluster_state');
  if (before.up && state && state !== before.clusterInfo?.get('cluster_state'))
    events.push(poll('cluster-state', `cluster_state ${state}`));
  const me = myselfOf(after);
  const meBefore = seen?.up ? myselfOf(seen) : null;
  if (me && meBefore) {
    if (meBefore.role === 'replica' && me.role === 'master')
      events.push(
        poll('promoted', `now a master${me.slots.length ? ` of ${me.slots.map((r) => r.join('-')).join(',')}` : ''}`),
      );
    if (meBefore.role === 'master' && me.role === 'replica')
      events.push(poll('reconfigured-as-replica', `now a replica of ${me.masterId?.slice(0, 8)}`));
  }
  const link = after.replication?.get('master_link_status');
  if (before.up && link === 'up' && before.replication?.get('master_link_status') !== 'up')
    events.push(poll('link-up', 'master_link_status:up'));

  // The same view as last time (ClusterNodesCache gives back the very array): no flag changed.
  if (after.view === before.view) return { events, once };
  // By id, once: with a hundred nodes a search per peer would cost 10,000 comparisons a poll.
  const previous = new Map((before.view ?? []).map((n) => [n.id, n]));
  for (const peer of after.view) {
    if (peer.myself) continue;
    const prev = previous.get(peer.id);
    const name = peer.host ? `${peer.host}:${peer.port}` : peer.id.slice(0, 8);
    for (const flag of ['fail?', 'fail'] as const)
      if (peer.flags.includes(flag) && !prev?.flags.includes(flag))
        once.push({
          key: `${flag} ${peer.id}`,
          event: poll(
            flag === 'fail?' ? 'pfail' : 'fail',
            `${name} flagged ${flag}${flag === 'fail?' ? ' (PFAIL)' : ''}, first seen by ${label}`,
          ),
        });
  }
  return { events, once };
}

/** A data node's role change (INFO replication) between two answered polls. */
function roleEvents(
  before: NodeProbe,
  after: NodeProbe,
  poll: (kind: EventKind, detail: string) => Observation,
): Observation[] {
  const was = before.replication?.get('role');
  const is = after.replication?.get('role');
  if (was === 'slave' && is === 'master') return [poll('promoted', 'now a master')];
  if (was === 'master' && is === 'slave')
    return [
      poll(
        'reconfigured-as-replica',
        `now a replica of ${after.replication?.get('master_host')}:${after.replication?.get('master_port')}`,
      ),
    ];
  return [];
}
