import type { ReshardResult } from '../cluster/reshard.js';

const node = (n: ReshardResult['from']): string => `Master[${n.index}] ${n.host}:${n.port}`;

export function renderReshard(r: ReshardResult): string {
  const agreed = r.agreedMs === null ? '' : `; every node agreed ${r.agreedMs} ms later`;
  return `Moved ${r.slots} slots (${r.slotRanges}) and ${r.keys} keys from ${node(r.from)} to ${node(r.to)} in ${r.elapsedMs} ms (${r.keysPerSec} keys/s)${agreed}.`;
}
