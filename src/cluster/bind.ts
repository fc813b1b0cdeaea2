import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * `--bind` for a local cluster: one address for every node (`127.0.0.1`), one
 * address per node counting up from a first one (`127.0.1.1+`), or a list of
 * one address per node (`127.0.1.1,127.0.1.2,...`). A network fault needs one
 * address per node: rules between node addresses then cut node-to-node
 * traffic while redis-drill (on 127.0.0.1) still reaches every node. Pure.
 */
export function expandBind(text: string, count: number): string[] {
  const t = text.trim();
  const plus = /^(.+)\+$/.exec(t);
  if (plus) {
    const first = plus[1]!;
    if (isIP(first) !== 4)
      throw new UsageError(`--bind "${t}": ${first} is not an IPv4 address`, {
        hint: 'e.g. --bind 127.0.1.1+ for 127.0.1.1, 127.0.1.2, ... (one loopback address per node)',
      });
    const base = toNumber(first);
    if (base + count - 1 > 0xffffffff)
      throw new UsageError(`--bind "${t}": ${count} addresses from ${first} run past 255.255.255.255`);
    const list = Array.from({ length: count }, (_, i) => fromNumber(base + i));
    if (isLoopback(first) && !list.every(isLoopback))
      throw new UsageError(`--bind "${t}": ${count} addresses from ${first} leave 127.0.0.0/8`, {
        hint: 'start lower, e.g. --bind 127.0.1.1+',
      });
    return list;
  }
  const parts = t.split(',').map((p) => p.trim());
  for (const p of parts) {
    if (isIP(p) === 0)
      throw new UsageError(`--bind "${p}" is not an IP address`, {
        hint: 'give an address of this machine, e.g. --bind 127.0.0.1 (nodes announce it to each other, so it must be an IP address), 127.0.1.1+ for one loopback address per node, or a list of one address per node',
      });
  }
  if (parts.length === 1) return Array<string>(count).fill(parts[0]!);
  if (parts.length !== count)
    throw new UsageError(`--bind lists ${parts.length} addresses, but the cluster has ${count} nodes`, {
      hint: `give one address per node, or the first and a +: --bind ${parts[0]}+`,
    });
  const twice = parts.find((p, i) => parts.indexOf(p) !== i);
  if (twice) throw new UsageError(`--bind lists ${twice} twice`, { hint: 'one address per node, each once' });
  return parts;
}

/**
 * `--bind` giving one loopback address per node for a cluster whose first port is `port`
 * (when a drill that cuts the network creates its own cluster): 127.A.B.1+,
 * with A.B from the port, so two clusters on different ports never share an
 * address, and none is 127.0.0.1 (redis-drill's own). Pure.
 */
export function autoBind(port: number): string {
  return `127.${1 + ((port >> 8) % 254)}.${port & 255}.1+`;
}

export function isLoopback(address: string): boolean {
  return isIP(address) === 4 ? address.startsWith('127.') : address === '::1';
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function fromNumber(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
