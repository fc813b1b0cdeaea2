import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { keyInRanges } from '../cluster/owner.js';
import type { SlotMap } from '../cluster/slotmap.js';
import type { Deployment } from '../deployment/handle.js';
import { formatAddress } from '../nodes/address.js';
import type { Gap } from '../workload/gaps.js';
import type { WitnessMaster, WitnessResult } from '../instruments/witness-result.js';
import { programUrl } from '../util/program-url.js';

export type { WitnessResult } from '../instruments/witness-result.js';

const INTERVAL_MS = 5;
const DEADLINE_MS = 100;

/** One witness's lines, folded as they come: only what the gap needs is kept. */
class Tally {
  attempts = 0;
  failed = 0;
  longest: Gap = { ms: 0, fromMs: 0, toMs: 0 };
  private lastOk: number | null = null;

  constructor(private readonly loadStart: number) {}

  line(text: string): void {
    let a: { sent: number; ok: boolean };
    try {
      a = JSON.parse(text) as { sent: number; ok: boolean };
    } catch {
      return;
    }
    this.attempts++;
    if (!a.ok) {
      this.failed++;
      return;
    }
    const t = a.sent - this.loadStart;
    if (this.lastOk !== null && t - this.lastOk > this.longest.ms)
      this.longest = { ms: Math.round(t - this.lastOk), fromMs: Math.round(this.lastOk), toMs: Math.round(t) };
    this.lastOk = t;
  }
}

/**
 * `--witness`: one independent process per master (src/instruments/
 * witness.ts: a raw RESP socket, no cluster client, no code shared with the
 * probe) writing INCRs to a key of that master's slots every 5 ms, so the
 * report's unavailability figures can be checked against a second,
 * unrelated measurement on the same machine in the same run.
 */
export class Witnesses {
  private readonly children: {
    child: ChildProcess;
    tally: Tally;
    master: Omit<WitnessMaster, 'attempts' | 'failed' | 'longestGap'>;
    closed: Promise<void>;
  }[] = [];

  constructor(
    private readonly d: Deployment,
    private readonly before: SlotMap,
  ) {}

  start(loadStart: number): void {
    const program = fileURLToPath(programUrl('instruments/witness'));
    const nodes = this.d.nodes.map(formatAddress).join(',');
    for (const m of this.before.masters.filter((x) => x.slots.length > 0)) {
      const { key } = keyInRanges(m.slots, `drill:witness:${m.index}:`);
      const child = spawn(
        process.execPath,
        [program, '--nodes', nodes, '--key', key, '--interval', String(INTERVAL_MS), '--deadline', String(DEADLINE_MS)],
        { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, REDISCLI_AUTH: this.d.connect.password ?? '' } },
      );
      const tally = new Tally(loadStart);
      createInterface({ input: child.stdout }).on('line', (l) => tally.line(l));
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      this.children.push({
        child,
        tally,
        master: { index: m.index, label: `Master[${m.index}] ${formatAddress(m)}`, key },
        closed,
      });
    }
  }

  /** Stops every witness (its stdin closed, then SIGTERM) and folds what each saw. */
  async stop(): Promise<WitnessResult> {
    for (const c of this.children) {
      c.child.stdin?.end();
      c.child.kill('SIGTERM');
    }
    await Promise.all(this.children.map((c) => c.closed));
    return {
      method: `one independent process per master (a raw RESP socket, no cluster client): one INCR every ${INTERVAL_MS} ms to a key of its slots, to the node that accepted the last one first, then to every other node, each try with its own ${DEADLINE_MS} ms deadline; the longest span between two successful INCRs, by their send times`,
      intervalMs: INTERVAL_MS,
      deadlineMs: DEADLINE_MS,
      masters: this.children.map((c) => ({
        ...c.master,
        attempts: c.tally.attempts,
        failed: c.tally.failed,
        longestGap: c.tally.longest,
      })),
    };
  }
}
