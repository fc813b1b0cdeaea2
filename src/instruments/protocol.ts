import type { NodeProbe, ProbeKind } from '../cluster/probe.js';
import type { SlotMap } from '../cluster/slotmap.js';
import type { SshTarget } from '../hosts/ssh.js';
import type { Address } from '../nodes/address.js';
import type { ConnectOptions } from '../nodes/client.js';
import type { DrillEvent } from '../observe/events.js';
import type { PollCadence } from '../observe/cadence.js';
import type { AvailabilityResult } from '../workload/availability.js';
import type { StaleWritesResult } from '../workload/stale-writes.js';

/**
 * The messages between the main thread (the drill's steps) and the
 * instruments' own thread (the observer's polls and log followers, the
 * write probe, the stale-master writer). Plain data: what crosses a
 * worker's port is copied.
 */

/** A node to watch, as data: its log is on a host named as the state file names it ("local" or an SSH host). */
export interface WatchedNode {
  address: Address;
  log: { host: string; path: string } | null;
  probe?: ProbeKind;
}

export interface InstrumentsConfig {
  kind: 'cluster' | 'sentinel';
  nodes: WatchedNode[];
  /** The SSH hosts the logs are on (none: every log is local). */
  sshHosts: Record<string, SshTarget>;
  connect: Required<ConnectOptions>;
  /** The slot map when the drill began: the probe writes to each of its masters' slots. */
  before: SlotMap;
  probe?: { intervalMs: number; deadlineMs: number };
}

/** One node's answer; `view` is left out (`sameView`) when it is the very one sent before, so a large unchanged view is not copied again. */
export interface ProbeUpdate {
  index: number;
  probe: Omit<NodeProbe, 'view'> & { view?: NodeProbe['view'] };
  sameView: boolean;
}

export type ToInstruments =
  | { t: 'open'; config: InstrumentsConfig }
  | { t: 'start'; loadStart: number }
  | { t: 'fault'; kind: 'fault' | 'heal'; at: number }
  | { t: 'catchUp'; id: number }
  | { t: 'stop' };

export interface InstrumentsResult {
  availability: AvailabilityResult;
  stale: StaleWritesResult | null;
  cadence: PollCadence;
  logLines: Record<string, { at: number; raw: string }[]>;
}

export type FromInstruments =
  | { t: 'ready'; clockNote: string; intervalMs: number }
  | { t: 'batch'; events: DrillEvent[]; probes: ProbeUpdate[] }
  | { t: 'caughtUp'; id: number }
  | { t: 'stopped'; result: InstrumentsResult }
  | { t: 'failed'; name: string; message: string; hint?: string; exitCode?: number };
