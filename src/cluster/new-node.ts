import type { ConfigEntry } from '../nodes/config.js';
import type { NodeProbe } from './probe.js';
import type { NodeRecord } from './state.js';

/** What a new node inherits from the deployment it joins: its extra config, and the next address. Pure functions. */

/** redis.conf lines that redis-drill writes itself for every node; anything else came from --config and is kept for a new node. */
const OWN_KEYS = new Set([
  'port',
  'bind',
  'cluster-announce-ip',
  'replica-announce-ip',
  'daemonize',
  'dir',
  'pidfile',
  'logfile',
  'cluster-enabled',
  'cluster-config-file',
  'cluster-node-timeout',
  'appendonly',
  'repl-diskless-sync-delay',
  'bind-source-addr',
  'protected-mode',
  'requirepass',
  'masterauth',
]);

/** The --config lines of an existing node's redis.conf. Pure. */
export function extraConfig(text: string | null): ConfigEntry[] {
  return (text ?? '')
    .split('\n')
    .map((l) => /^([a-z][a-z0-9-]*)\s+(.*)$/i.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null && !OWN_KEYS.has(m[1]!.toLowerCase()))
    .map((m) => ({ key: m[1]!.toLowerCase(), value: unquote(m[2]!) }));
}

/** A value as renderNodeConfig quoted it ("a b" with \\ and \" escapes), back to its text. */
function unquote(v: string): string {
  return /^".*"$/.test(v) ? v.slice(1, -1).replace(/\\(["\\])/g, '$1') : v;
}

/** A new node's address: the nodes' shared one, or (one address per node) the next after the highest. Pure. */
export function nextBind(records: readonly Pick<NodeRecord, 'bind'>[]): string {
  const binds = [...new Set(records.map((r) => r.bind))];
  if (binds.length === 1) return binds[0]!;
  const last = [...binds].sort((a, b) => ipValue(a) - ipValue(b)).at(-1)!;
  const parts = last.split('.').map(Number);
  parts[3]! += 1;
  return parts.join('.');
}

const ipValue = (ip: string): number => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);

/** This node's CLUSTER NODES lists `id` out of handshake. */
export function knows(p: NodeProbe, id: string): boolean {
  const n = p.view?.find((x) => x.id === id);
  return Boolean(n && !n.flags.includes('handshake') && !n.flags.includes('noaddr'));
}
