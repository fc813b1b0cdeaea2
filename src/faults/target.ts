import { EnvironmentError, UsageError } from '../errors.js';
import { keySlot } from '../cluster/keys.js';
import { type SlotMap, type SlotMapMaster, ownerOf } from '../cluster/slotmap.js';
import { formatRanges } from '../cluster/slots.js';
import { type Address, formatAddress, parseAddress } from '../nodes/address.js';

export interface MasterSelector {
  /** "1", "Master[1]", a node-id prefix, or "host:port". */
  master?: string;
  slot?: number;
  key?: string;
}

function listMasters(map: SlotMap): string {
  return map.masters
    .filter((m) => m.slots.length > 0)
    .map(
      (m) =>
        `Master[${m.index}] ${formatAddress(m)}${idPrefix(m.id)}${m.slots.length === 1 && m.slots[0]![0] === 0 && m.slots[0]![1] === 16383 ? '' : ` (slots ${formatRanges(m.slots)})`}`,
    )
    .join('; ');
}

/** The master a fault should hit: by index, id prefix or address; or the owner of a slot or key; default Master[0]. */
export function selectMaster(map: SlotMap, sel: MasterSelector): SlotMapMaster {
  if (!map.masters.some((m) => m.slots.length > 0))
    throw new EnvironmentError('no master answered with its slots: no node of the cluster could be asked', {
      hint: 'check the cluster with: redis-drill cluster status',
    });
  const unknown = (what: string): UsageError =>
    new UsageError(`no master matches ${what}`, { hint: `the masters are: ${listMasters(map)}` });
  if (sel.slot !== undefined || sel.key !== undefined) {
    const slot = sel.slot ?? keySlot(sel.key!);
    const owner = ownerOf(map, slot);
    if (!owner) throw unknown(`slot ${slot}${sel.key !== undefined ? ` (key "${sel.key}")` : ''}: it is not covered`);
    return owner;
  }
  const text = (sel.master ?? '0').trim();
  const index = /^(?:Master\[)?(\d+)\]?$/i.exec(text);
  const addr = parseAddress(text);
  const masters = map.masters.filter((m) => m.slots.length > 0);
  const byIndex = index ? masters.filter((m) => m.index === Number(index[1])) : [];
  const byAddress = addr ? masters.filter((m) => m.port === addr.port && m.host === addr.host) : [];
  // An all-digit id prefix ("43995774") is also a valid index: the index wins when one exists.
  const byId =
    text.length >= 4 && /^[0-9a-f]+$/i.test(text) ? masters.filter((m) => m.id.startsWith(text.toLowerCase())) : [];
  const found = byIndex.length ? byIndex : byAddress.length ? byAddress : byId;
  if (found.length === 0) throw unknown(`"${text}"`);
  if (found.length > 1)
    throw new UsageError(`"${text}" matches ${found.length} masters`, {
      hint: 'give more characters of the node id, or host:port',
    });
  return found[0]!;
}

export interface KnownNode extends Address {
  id: string | null;
}

/**
 * A node by host:port, node-id prefix (at least 4 hex characters) or its
 * place among the deployment's nodes (Node[N], the order they were created
 * in, whatever their role now), among the known ones.
 */
export function selectNode<T extends KnownNode>(nodes: readonly T[], text: string): T {
  const place = /^Node\[(\d+)\]$/i.exec(text);
  if (place) {
    const n = nodes[Number(place[1])];
    if (!n)
      throw new UsageError(`no ${text}: the deployment has ${nodes.length} node(s)`, {
        hint: `use Node[0] to Node[${nodes.length - 1}]`,
      });
    return n;
  }
  const addr = parseAddress(text);
  const found = nodes.filter((n) =>
    addr
      ? n.port === addr.port && n.host === addr.host
      : text.length >= 4 && /^[0-9a-f]+$/.test(text) && Boolean(n.id?.startsWith(text)),
  );
  const list = nodes
    .map((n) => `${formatAddress(n)}${n.id && idPrefix(n.id) ? ` (${n.id.slice(0, 8)})` : ''}`)
    .join(', ');
  if (found.length === 0)
    throw new UsageError(`no node matches "${text}"`, {
      hint: `give host:port or a node-id prefix; the nodes are: ${list}`,
    });
  if (found.length > 1)
    throw new UsageError(`"${text}" matches ${found.length} nodes`, {
      hint: 'give more characters of the node id, or host:port',
    });
  return found[0]!;
}

/** " 3f4b1c2d" for a Redis Cluster node id; nothing for a Sentinel deployment's nodes, whose id is their address. */
function idPrefix(id: string): string {
  return /^[0-9a-f]{40}$/.test(id) ? ` ${id.slice(0, 8)}` : '';
}
