import type { SlotMap } from '../cluster/slotmap.js';
import { formatRanges } from '../cluster/slots.js';
import { UsageError } from '../errors.js';
import { formatAddress } from '../nodes/address.js';
import type { SoakPlan } from '../drill/spec.js';

/**
 * A soak's loops each wait for a replica to take over: a master it may
 * break that has no replica could only fail its loop and leave its slots
 * unserved. Refused (exit 2) before the load starts, unless --force. Pure.
 */
export function refuseUnreplicatedTargets(map: SlotMap, plan: SoakPlan): void {
  if (plan.force) return;
  // Node[N] targets may be any master by the time their turn comes.
  const anyMaster = plan.loops.some((l) => l.master === null);
  const targeted = map.masters.filter(
    (m) => m.slots.length > 0 && (anyMaster || plan.loops.some((l) => l.master === m.index)),
  );
  const bare = targeted.filter((m) => m.replicas.length === 0);
  if (bare.length === 0) return;
  const list = bare.map((m) => `Master[${m.index}] ${formatAddress(m)} (slots ${formatRanges(m.slots)})`).join(', ');
  throw new UsageError(
    `the soak would break ${bare.length === 1 ? 'a master that has' : 'masters that have'} no replica, so nothing could take over: ${list}`,
    {
      hint: 'give it one (redis-drill cluster add-node --replica-of NODE), choose --targets Master[N] of a master with replicas, or pass --force to break it anyway (its loops fail); nothing was started',
    },
  );
}
