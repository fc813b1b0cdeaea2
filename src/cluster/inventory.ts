import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { isIpAddress, plausibleHost } from '../nodes/address.js';
import { loadYamlFile } from '../util/yaml-file.js';
import type { HostEntry } from './layout.js';

const port = z.number().int().min(1).max(55535);

/** What a host may set; `defaults` may set the same (but not its address). */
const hostFields = {
  user: z.string().min(1).optional(),
  'ssh-port': z.number().int().min(1).max(65535).optional(),
  identity: z.string().min(1).optional(),
  'ssh-options': z.array(z.string().regex(/^[A-Za-z]+=.+$/, 'expected Key=Value')).optional(),
  'redis-server': z.string().min(1).optional(),
  'base-dir': z.string().min(1).optional(),
  /** First port; the host runs `nodes` nodes on consecutive ports. */
  port: port.optional(),
  nodes: z.number().int().min(1).max(1000).optional(),
  /** Or the exact ports. */
  ports: z.array(port).min(1).optional(),
};

const inventorySchema = z
  .object({
    defaults: z.object(hostFields).strict().optional(),
    hosts: z
      .array(
        z
          .object({
            address: z.string().min(1).refine(plausibleHost, 'expected a host name or an IP address'),
            /** Address the nodes bind to, when it is not the one SSH uses. */
            bind: z.string().min(1).refine(isIpAddress, 'expected an IP address').optional(),
            ...hostFields,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type Inventory = z.infer<typeof inventorySchema>;

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** The inventory's hosts, each with its defaults applied. */
export function hostsFromInventory(inv: Inventory, fallback: { port: number; nodesPerHost?: number }): HostEntry[] {
  return inv.hosts.map((h) => {
    const o = { ...inv.defaults, ...h };
    const first = o.port ?? fallback.port;
    return {
      ssh: {
        address: h.address,
        user: o.user ?? null,
        port: o['ssh-port'] ?? null,
        identity: o.identity ? expandHome(o.identity) : null,
        options: o['ssh-options'] ?? [],
      },
      bind: h.bind ?? h.address,
      ports: o.ports ?? Array.from({ length: o.nodes ?? fallback.nodesPerHost ?? 1 }, (_, k) => first + k),
      redisServer: o['redis-server'],
      baseDir: o['base-dir'],
    };
  });
}

/** Reads and validates an inventory file (exit 2 naming the file, line and path when it is wrong). */
export async function loadInventory(
  file: string,
  fallback: { port: number; nodesPerHost?: number },
): Promise<HostEntry[]> {
  const inv = await loadYamlFile(file, inventorySchema, 'see docs/ssh.md ("Inventory file") for the format');
  return hostsFromInventory(inv, fallback);
}
