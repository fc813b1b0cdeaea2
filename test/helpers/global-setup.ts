import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { drillChains } from './firewall.js';
import { labsLeft, removeLab } from './lab-leftovers.js';
import { liveServersUnder } from './processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testRoot: string;
  }
}

/**
 * One temporary root for every cluster the suite creates. At the end, any
 * redis-server still running under it is a leak: it is killed and the run fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'redis-drill-test-'));
  project.provide('testRoot', root);
  const chainsBefore = await drillChains();
  return async () => {
    const leaked = await liveServersUnder(root);
    for (const p of leaked) process.kill(p.pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
    if (leaked.length > 0) {
      throw new Error(
        `redis-server processes survived the suite (now killed): ${leaked.map((p) => `${p.pid} in ${p.cwd}`).join(', ')}`,
      );
    }
    // Every rule of a redis-drill chain the suite made must be gone: a partition left behind would cut a later run.
    const chains = (await drillChains()).filter((l) => !chainsBefore.includes(l));
    if (chains.length > 0)
      throw new Error(`redis-drill iptables rules or chains survived the suite:\n${chains.join('\n')}`);
    // A test lab's namespaces and bridge (scripts/netns-lab.sh) must be gone too; any left is removed, and the run fails.
    const labs = await labsLeft();
    for (const name of labs) await removeLab(name);
    if (labs.length > 0)
      throw new Error(`network namespaces or bridges of a test lab survived the suite: ${labs.join(', ')}`);
  };
}
