import type { ClockOffset, Host, Stream } from '../hosts/host.js';
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
  /** How many bytes of the log have been taken. */
  offset = 0;
  private carry: Buffer = Buffer.alloc(0);
  /** The stream (Host.follow) that delivers the log: while it is live, no reads between catch-ups. */
  stream: Stream | null = null;
  private lastRead = 0;
  /** The read in progress (see read). */
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly host: Host,
    readonly path: string,
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
    // A streamed log arrives by itself; only the final catch-up asks (the stream may be a moment behind).
    if (!final && (this.stream?.live() || this.now() - this.lastRead < LOG_INTERVAL_MS)) return;
    this.lastRead = this.now();
    // Where this read starts, kept: the stream may deliver bytes while it is on its way, and taking its
    // answer at the offset as it is then would file the same bytes further on, skipping what follows.
    const from = this.offset;
    const { text, size } = await this.host.readFrom(this.path, from);
    // A log that shrank was rewritten: read it again from its start.
    if (size < from) {
      this.offset = 0;
      this.carry = Buffer.alloc(0);
      return this.readNow(true);
    }
    this.take(from, Buffer.from(text));
  }

  /**
   * The bytes at position `at` of the log, from a read or the stream: what
   * was already taken is skipped, so both can deliver the same bytes.
   */
  take(at: number, bytes: Buffer): void {
    const skip = Math.max(0, this.offset - at);
    if (skip >= bytes.length) return;
    this.offset = at + bytes.length;
    // A line (or a character) may be split between two pieces: the rest waits for the next.
    const all = Buffer.concat([this.carry, bytes.subarray(skip)]);
    const end = all.lastIndexOf(0x0a) + 1;
    this.carry = all.subarray(end);
    for (const raw of all.subarray(0, end).toString().split('\n')) this.line(raw);
  }

  private line(raw: string): void {
    const line = parseLogLine(raw);
    if (!line) return;
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
