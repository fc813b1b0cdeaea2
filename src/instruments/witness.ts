#!/usr/bin/env node
/**
 * An independent witness of one master's slots, for `--witness`: a process
 * of its own that shares no code with redis-drill's probe (no ioredis, no
 * cluster client, no slot map): a raw RESP socket per node, one INCR every
 * few milliseconds on a key of those slots, sent to the node that accepted
 * the last one first, then to every other node in turn, each try with its
 * own deadline. It prints one JSON line per attempt on stdout:
 * {"due":ms,"sent":ms,"ok":true|false,"node":"host:port","error":"..."}
 * (times: this machine's clock, epoch ms). It stops on SIGTERM or when
 * stdin closes.
 *
 * Usage: witness.js --nodes h:p,h:p,... --key KEY [--interval 5] [--deadline 100] (REDISCLI_AUTH: password)
 */
import net from 'node:net';

interface Args {
  nodes: { host: string; port: number }[];
  key: string;
  interval: number;
  deadline: number;
  password: string | null;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const nodes = (get('nodes') ?? '')
    .split(',')
    .filter(Boolean)
    .map((a) => {
      const i = a.lastIndexOf(':');
      return { host: a.slice(0, i), port: Number(a.slice(i + 1)) };
    });
  const key = get('key');
  if (!nodes.length || !key) {
    process.stderr.write('usage: witness.js --nodes h:p,h:p --key KEY [--interval 5] [--deadline 100]\n');
    process.exit(2);
  }
  return {
    nodes,
    key,
    interval: Number(get('interval') ?? 5),
    deadline: Number(get('deadline') ?? 100),
    password: process.env.REDISCLI_AUTH || null,
  };
}

/** RESP: an array of bulk strings. */
const encode = (args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** One connection to one node: one command at a time, its first reply line (INCR and AUTH answer in one line). */
class Conn {
  private socket: net.Socket | null = null;
  private buffer = '';
  private waiting: ((line: string) => void) | null = null;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly password: string | null,
  ) {}

  get label(): string {
    return `${this.host}:${this.port}`;
  }

  async call(args: string[], deadlineMs: number): Promise<string> {
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), deadlineMs).unref());
    try {
      return await Promise.race([this.roundTrip(args), timer]);
    } catch (e) {
      // A timed-out or broken connection is not reused: its late reply would answer the next command.
      this.close();
      throw e;
    }
  }

  private async roundTrip(args: string[]): Promise<string> {
    if (!this.socket) await this.connect();
    const reply = this.reply();
    this.socket!.write(encode(args));
    return reply;
  }

  private async connect(): Promise<void> {
    const s = net.connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    this.socket = s;
    s.on('data', (d) => this.data(d.toString('latin1')));
    s.on('error', () => this.close());
    s.on('close', () => this.close());
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    if (this.password) {
      const r = this.reply();
      s.write(encode(['AUTH', this.password]));
      if (!(await r).startsWith('+OK')) throw new Error('auth refused');
    }
  }

  private reply(): Promise<string> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private data(text: string): void {
    this.buffer += text;
    const end = this.buffer.indexOf('\r\n');
    if (end < 0 || !this.waiting) return;
    const line = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end + 2);
    const w = this.waiting;
    this.waiting = null;
    w(line);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
    this.buffer = '';
    const w = this.waiting;
    this.waiting = null;
    w?.('-ERR connection closed');
  }
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const conns = a.nodes.map((n) => new Conn(n.host, n.port, a.password));
  const now = (): number => performance.timeOrigin + performance.now();
  let last = 0;
  let busy = false;
  let stopping = false;
  const t0 = now();
  let next = 0;
  const stop = (): void => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  const attempt = async (due: number): Promise<void> => {
    busy = true;
    const sent = now();
    let error = 'no node';
    for (let k = 0; k < conns.length; k++) {
      const c = conns[(last + k) % conns.length]!;
      try {
        const reply = await c.call(['INCR', a.key], a.deadline);
        if (reply.startsWith(':')) {
          last = (last + k) % conns.length;
          process.stdout.write(`${JSON.stringify({ due, sent, ok: true, node: c.label })}\n`);
          busy = false;
          return;
        }
        error = reply.slice(1).split(' ')[0] ?? 'error';
      } catch (e) {
        error = (e as Error).message;
      }
    }
    process.stdout.write(`${JSON.stringify({ due, sent, ok: false, node: '', error })}\n`);
    busy = false;
  };
  while (!stopping) {
    const due = t0 + next * a.interval;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    next++;
    // One attempt at a time: a due time that finds the last one still trying is not sent (the gap says so).
    if (!busy) void attempt(due);
  }
  for (const c of conns) c.close();
  process.exit(0);
}

void main();
