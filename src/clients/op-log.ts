import type { ProgramOp, ProgramSink } from '../workload/program-run.js';

/** A write the client was told succeeded: read back at the end. */
export interface Acknowledged {
  key: string;
  value: string;
}

const KEEP = 50;

/** What one client did through one drill: its operations in order, and when it ended. */
export class OpLog implements ProgramSink {
  readonly ops: ProgramOp[] = [];
  endMs: number | null = null;
  /** Its first stderr lines and its last ones (a stack trace can be long; the message may be at either end). */
  readonly stderrHead: string[] = [];
  readonly stderrTail: string[] = [];

  op(o: ProgramOp): void {
    this.ops.push(o);
  }

  stderr(line: string): void {
    if (this.stderrHead.length < KEEP) this.stderrHead.push(line);
    else {
      this.stderrTail.push(line);
      if (this.stderrTail.length > KEEP) this.stderrTail.shift();
    }
  }

  /** Why it died, in one line: the last unindented line of its stderr that names an error (Python's is last, Ruby's first). */
  deathLine(): string | null {
    const lines = [...this.stderrHead, ...this.stderrTail];
    const line =
      lines.filter((l) => /^\S/.test(l) && /error|exception|panic|fatal/i.test(l) && !/^Traceback/.test(l)).at(-1) ??
      lines.filter((l) => l.trim()).at(-1);
    // Ruby starts with where it was raised ("/usr/.../client.rb:398:in `x': "): the message is what follows.
    return line?.replace(/^\S+:\d+:in [`'][^']*': /, '') ?? null;
  }

  ended(tMs: number): void {
    this.endMs = tMs;
  }

  /**
   * Every key under `prefix` it was told it SET, with the last value it
   * wrote there. Keys outside the prefix are never read back nor removed:
   * they may be the user's own data.
   */
  acknowledged(prefix: string): Acknowledged[] {
    const last = new Map<string, string>();
    for (const o of this.ops)
      if (o.ok && o.key !== null && o.value !== null && o.key.startsWith(prefix)) last.set(o.key, o.value);
    return [...last].map(([key, value]) => ({ key, value }));
  }
}
