import { EnvironmentError, UsageError } from '../errors.js';
import { FAULTS, FAULT_NAMES, faultEntry, findFault } from '../faults/catalog.js';

/** A fault of the catalogue (src/faults/catalog.ts): every one can be a soak loop, which restores what it broke. */
export type SoakFault = string;

export interface SoakLoop {
  /** 1-based, as people count loops. */
  loop: number;
  fault: SoakFault;
  /** What the loop breaks: Master[N] or Node[N]. */
  target: string;
  /** The master broken, by its index in slot order (stable across failovers: the promoted replica takes the same slots); null for a Node[N] target. */
  master: number | null;
  /** The node broken, by its place in the deployment (whatever its role when its turn comes); null for a master target. */
  node: number | null;
  /** Pause after the loop: the interval, jittered by up to ±20%. */
  pauseMs: number;
}

export interface ScheduleOptions {
  seed: number;
  loops: number;
  faults: readonly { fault: SoakFault; weight: number }[];
  /** A master index, every master at random, or every data node at random. */
  target: SoakTarget;
  masters: number;
  /** Data nodes (masters and replicas) in the deployment: what random-node picks from. */
  nodes: number;
  intervalMs: number;
}

/**
 * "kill=3,failover=1" or "kill,freeze": each fault of the catalogue with its
 * weight (1 when not given). Unknown faults are named with the list; an
 * older spelling (reshard-kill) is read as the fault it names, and said in
 * `deprecated` ("reshard-kill -> reshard-kill-source"). Pure.
 */
export function parseFaults(text: string, deprecated: string[] = []): { fault: SoakFault; weight: number }[] {
  const out = text.split(',').map((part) => {
    const [written = '', w] = part.trim().split('=');
    const found = findFault(written);
    if (!found)
      throw new UsageError(`--faults: unknown fault "${written}"`, {
        hint: `the faults are: ${FAULT_NAMES.join(', ')} (weights as kill=3,failover=1)`,
      });
    const name = found.entry.name;
    if (found.deprecated) deprecated.push(`${found.deprecated} -> ${name}`);
    const weight = w === undefined ? 1 : Number(w);
    if (!Number.isInteger(weight) || weight < 1)
      throw new UsageError(`--faults: the weight of ${name} must be a whole number from 1 (got "${w}")`, {
        hint: 'e.g. --faults kill=3,failover=1',
      });
    return { fault: name, weight };
  });
  const names = out.map((f) => f.fault);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new UsageError(`--faults: ${twice} is listed twice`, {
      hint: 'give each fault once, with its weight: kill=3,failover=1',
    });
  return out;
}

export type SoakTarget = number | 'any-master' | 'random-node';

/** "any-master", "random-node", "Master[2]" or "2". Pure. */
export function parseTarget(text: string): SoakTarget {
  if (text === 'any-master' || text === 'random-node') return text;
  const m = /^(?:Master\[)?(\d+)\]?$/i.exec(text);
  if (m) return Number(m[1]);
  throw new UsageError(`--targets: expected any-master, random-node or Master[N] (got "${text}")`, {
    hint: 'e.g. --targets any-master, --targets random-node (replicas too), or --targets Master[0] to break the same slots every loop',
  });
}

/**
 * mulberry32: a small, fast generator whose whole state is one 32-bit
 * number, so a seed alone gives the same sequence on every machine.
 */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The loops, every choice drawn from the one seeded generator, in a fixed order (fault, target, pause). Pure. */
export function buildSchedule(o: ScheduleOptions): SoakLoop[] {
  if (typeof o.target === 'number' && o.target >= o.masters)
    throw new UsageError(`--targets: Master[${o.target}] does not exist (the cluster has ${o.masters} masters)`, {
      hint: `choose Master[0] to Master[${o.masters - 1}], or any-master`,
    });
  const next = generator(o.seed);
  const total = o.faults.reduce((n, f) => n + f.weight, 0);
  return Array.from({ length: o.loops }, (_, i) => {
    let r = next() * total;
    const fault = o.faults.find((f) => (r -= f.weight) < 0)?.fault ?? o.faults[o.faults.length - 1]!.fault;
    const pick = next();
    const jitter = (next() * 2 - 1) * 0.2;
    const pauseMs = Math.round(o.intervalMs * (1 + jitter));
    // random-node: any data node, for the faults that can break a replica (not a migration's kill: its victim is a master).
    if (o.target === 'random-node' && faultEntry(fault).targets.includes('replica')) {
      const node = Math.floor(pick * o.nodes);
      return { loop: i + 1, fault, target: `Node[${node}]`, master: null, node, pauseMs };
    }
    const master = typeof o.target === 'number' ? o.target : Math.floor(pick * o.masters);
    return { loop: i + 1, fault, target: `Master[${master}]`, master, node: null, pauseMs };
  });
}

/** A random seed for a soak that was given none (printed, so the run can be repeated). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * The faults this machine can send: those that change the firewall need root
 * (iptables). Without it, the soak is refused before it starts, or, with
 * --skip-unavailable, runs without them (said in `dropped`). Pure.
 */
export function availableFaults(
  faults: readonly { fault: SoakFault; weight: number }[],
  o: { mayChangeFirewall: boolean; skipUnavailable: boolean },
): { faults: { fault: SoakFault; weight: number }[]; dropped: SoakFault[] } {
  const needsRoot = (f: { fault: SoakFault }): boolean => faultEntry(f.fault).needs.root;
  const network = faults.filter(needsRoot).map((f) => f.fault);
  if (o.mayChangeFirewall || network.length === 0) return { faults: [...faults], dropped: [] };
  const names = network.join(' and ');
  if (!o.skipUnavailable)
    throw new EnvironmentError(
      `--faults ${names} changes the firewall (iptables), which needs root (CAP_NET_ADMIN); this process has neither`,
      {
        hint: `run it as root (sudo redis-drill soak ...), or add --skip-unavailable to soak without ${names}; nothing was started`,
      },
    );
  const rest = faults.filter((f) => !needsRoot(f));
  if (rest.length === 0)
    throw new UsageError(`--skip-unavailable leaves no fault: ${names} needs root`, {
      hint: `run it as root, or choose other faults: ${FAULTS.filter((f) => !f.needs.root)
        .map((f) => f.name)
        .join(', ')}`,
    });
  return { faults: rest, dropped: network };
}
