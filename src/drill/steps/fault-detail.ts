import type { FaultResult } from '../../faults/result.js';
import { formatAddress } from '../../nodes/address.js';

/** The fault event's own words: "SIGKILL sent to pid 123 (Master[0] 127.0.0.1:7000)". */
export function faultDetail(r: FaultResult): string {
  return r.events.find((e) => e.kind === 'fault')?.detail || `${r.how} on ${formatAddress(r.victim)}`;
}
