import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { endChild } from './child.js';
import { shellQuote } from './shell.js';

/** A file to follow from byte `offset` on. */
export interface FollowedFile {
  path: string;
  offset: number;
}

/** Told of each piece of a followed file: `index` into the files given, the byte position it starts at, the bytes. */
export type ChunkListener = (index: number, at: number, bytes: Buffer) => void;

/** How often the remote loop looks at the files' sizes. */
const LOOK_EVERY_S = 0.2;
/** A heartbeat every this many looks (1 s): a loop whose channel has closed dies on the write (SIGPIPE). */
const BEAT_EVERY = 5;
/** A stream not heard from for this long (no frame, no heartbeat) is taken for stalled. */
const STALLED_AFTER_MS = 3000;

/**
 * The shell loop that follows `files` on the remote host: every 200 ms it
 * compares each file's size with what it has sent and sends the new bytes
 * as one frame `@@RF <index> <offset> <length>` + the bytes, so the reader
 * knows exactly which bytes it got (a poll that runs on the host itself:
 * no round trip, and one ssh channel for every file of the host).
 */
export function followScript(files: readonly FollowedFile[]): string {
  const set = files.map((f, i) => `f${i}=${shellQuote(f.path)}; o${i}=${f.offset}`);
  return [
    `trap 'exit 129' HUP INT TERM PIPE`,
    ...set,
    'b=0',
    'while :; do',
    '  i=0',
    `  while [ $i -lt ${files.length} ]; do`,
    '    eval "f=\\$f$i o=\\$o$i"',
    '    if [ -e "$f" ]; then',
    '      s=$(wc -c < "$f")',
    // A file that shrank was rewritten: follow it again from its start.
    '      if [ "$s" -lt "$o" ]; then o=0; fi',
    '      if [ "$s" -gt "$o" ]; then',
    `        printf '@@RF %s %s %s\\n' $i $o $((s - o)) || exit 0`,
    '        tail -c +$((o + 1)) -- "$f" | head -c $((s - o))',
    '      fi',
    '      eval "o$i=$s"',
    '    fi',
    '    i=$((i + 1))',
    '  done',
    `  b=$((b + 1)); if [ $b -ge ${BEAT_EVERY} ]; then printf '@@RF -\\n' || exit 0; b=0; fi`,
    // POSIX sleep takes whole seconds; GNU and busybox take fractions.
    `  sleep ${LOOK_EVERY_S} 2>/dev/null || sleep 1`,
    'done',
    '',
  ].join('\n');
}

/**
 * A long-running follower of one host's files over one ssh channel
 * (`command` starts a POSIX sh that reads the loop of followScript on its
 * stdin). Frames are handed to `onChunk` as they arrive; while it is not
 * live (ended, or silent for 3 s) its reader goes back to reading on demand.
 */
export class FileStream {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf: Buffer = Buffer.alloc(0);
  /** Why the stream ended, or null while it runs. */
  closed: string | null = null;
  /** When it was last heard from (a frame or a heartbeat). */
  private heard = Date.now();

  constructor(
    command: readonly [string, ...string[]],
    files: readonly FollowedFile[],
    private readonly onChunk: ChunkListener,
  ) {
    this.child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
    this.child.stderr.on('data', () => undefined);
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (e) => this.end(e.message));
    this.child.once('close', (code) => this.end(`the stream ended (code ${code})`));
    // Whatever the login shell prints first is skipped until the first frame header.
    this.child.stdin.write(`printf '\\n'\n${followScript(files)}`);
  }

  live(): boolean {
    return !this.closed && Date.now() - this.heard < STALLED_AFTER_MS;
  }

  /** Ends the stream: ssh ends and the remote loop, its channel closed, dies at its next write (within a second). */
  close(): void {
    this.end('closed');
    endChild(this.child);
  }

  private end(reason: string): void {
    this.closed ??= reason;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const start = this.buf.indexOf('@@RF ');
      if (start < 0) return;
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) return;
      this.heard = Date.now();
      const header = this.buf
        .subarray(start + 5, nl)
        .toString()
        .trim()
        .split(' ');
      if (header[0] === '-') {
        this.buf = this.buf.subarray(nl + 1);
        continue;
      }
      const [index, at, length] = header.map(Number) as [number, number, number];
      if (this.buf.length < nl + 1 + length) return;
      const bytes = this.buf.subarray(nl + 1, nl + 1 + length);
      this.buf = this.buf.subarray(nl + 1 + length);
      if (!this.closed) this.onChunk(index, at, bytes);
    }
  }
}
