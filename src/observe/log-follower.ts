import type { ClockOffset, Host } from '../hosts/host.js';
import type { DrillEvent } from './events.js';
import { type LogLine, classifyLogMessage, parseLogLine } from './log-parser.js';

/**
 * How often a log is read between catch-ups. Log lines carry their own
 * times, so reading less often loses no precision: over SSH each read is a
 * round trip; locally each is a stat at least, which a hundred-node
 * observer polling every 50 ms would make 2,000 times a second.
 */
const LOG_INTERVAL_MS = 250;

/**
 * One node's log, followed from its end when the watch began: every line
 * kept (a report quotes them), and the lines worth an event turned into
 * one, at the server's own millisecond time moved onto this machine's
 * clock by the host's measured offset.
 */
export class LogFollower {
  /** The log's host clock minus ours; subtracted from log times. */
  clock: ClockOffset = { offsetMs: 0, uncertaintyMs: 0 };
  readonly lines: LogLine[] = [];
  private offset = 0;
  private carry = '';
  private lastRead = 0;
  /** The read in progress (see read). */
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly host: Host,
    private readonly path: string,
    private readonly label: string,
    private readonly now: () => number,
    private readonly push: (e: Omit<DrillEvent, 'tMs'>) => void,
  ) {}

  /** Measures the host's clock and skips what the log held before the watch. */
  async open(): Promise<void> {
    this.clock = await this.host.clockOffset();
    this.offset = (await this.host.readFrom(this.path, Number.MAX_SAFE_INTEGER)).size;
  }

  /** One read at a time: a catch-up and the poll loop must not read the same bytes twice. Not final: at most every 250 ms. */
  read(final = false): Promise<void> {
    // A failed read is reported to its caller, not to the next one.
    this.reading = this.reading.catch(() => undefined).then(() => this.readNow(final));
    return this.reading;
  }

  /** Every line read, on this machine's clock. */
  localLines(): { at: number; raw: string }[] {
    return this.lines.map((l) => ({ at: l.time - this.clock.offsetMs, raw: l.raw }));
  }

  /** Lines between two local-clock times. */
  between(from: number, to: number): string[] {
    const local = (time: number): number => time - this.clock.offsetMs;
    return this.lines.filter((l) => local(l.time) >= from - 1 && local(l.time) <= to + 1).map((l) => l.raw);
  }

  private async readNow(final: boolean): Promise<void> {
    if (!final && this.now() - this.lastRead < LOG_INTERVAL_MS) return;
    this.lastRead = this.now();
    const { text, size } = await this.host.readFrom(this.path, this.offset);
    // A restarted node may have rotated or truncated nothing, but be safe.
    if (size < this.offset) this.offset = 0;
    if (!text) return;
    this.offset += Buffer.byteLength(text);
    const all = this.carry + text;
    const lines = all.split('\n');
    this.carry = lines.pop() ?? '';
    for (const raw of lines) {
      const line = parseLogLine(raw);
      if (!line) continue;
      this.lines.push(line);
      const ev = classifyLogMessage(line.message, line.role);
      if (ev)
        this.push({
          at: line.time - this.clock.offsetMs,
          node: this.label,
          source: 'log',
          kind: ev.kind,
          detail: ev.detail,
          logTime: line.time,
          raw: line.raw,
        });
    }
  }
}
