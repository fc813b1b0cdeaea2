import { DeadlineError, EnvironmentError, InterruptedError, NodeStartError, PortInUseError } from '../errors.js';
import type { Host, ProcessState, Signal } from '../hosts/host.js';
import { type Clock, systemClock } from '../util/clock.js';
import { waitUntil } from '../util/wait.js';
import { closeClient, connectNode, formatAddress, isConnectionClosed, type Address } from './client.js';

export interface NodeSpec {
  host: Host;
  /** The address the node binds to and is reached at. */
  bind: string;
  port: number;
  dir: string;
  serverPath: string;
  password: string | null;
  /** A sentinel (`redis-server sentinel.conf --sentinel`) rather than a data node. */
  sentinel?: boolean;
}

export interface StopOptions {
  /** Deadline for each step of the escalation SHUTDOWN -> SIGTERM -> SIGKILL. */
  stepTimeoutMs?: number;
  clock?: Clock;
}

/** Log lines that mean the process gave up starting. */
const FATAL_LOG =
  /Address already in use|Failed listening on port|FATAL|Fatal error|Bad file format|Can't open the|Unrecoverable error/i;

/**
 * One redis-server process: its files, start, readiness, signals and an
 * escalating, idempotent stop. Nodes run daemonized, so they outlive the CLI;
 * the pid lives in the pid file and in the cluster state file.
 */
export class RedisNode {
  constructor(readonly spec: NodeSpec) {}

  get address(): Address {
    return { host: this.spec.bind, port: this.spec.port };
  }
  get label(): string {
    return formatAddress(this.address);
  }
  get busPort(): number {
    return this.spec.port + 10000;
  }
  get confPath(): string {
    return `${this.spec.dir}/${this.spec.sentinel ? 'sentinel.conf' : 'redis.conf'}`;
  }
  get logPath(): string {
    return `${this.spec.dir}/redis.log`;
  }
  get pidPath(): string {
    return `${this.spec.dir}/redis.pid`;
  }
  /** What the process's command line shows, to tell our node from a recycled pid. */
  private get markers(): string[] {
    return [`:${this.spec.port}`, this.confPath];
  }

  async writeConfig(text: string): Promise<void> {
    // writeFile makes the node's directory too: one round trip on an SSH host.
    await this.spec.host.writeFile(this.confPath, text, 0o600);
  }

  /** Its data files (the RDB and the AOF directory, redis-drill's names for them), never nodes.conf: started again, it is the same node with nothing. */
  async removeData(): Promise<void> {
    for (const f of ['dump.rdb', 'appendonlydir']) await this.spec.host.remove(`${this.spec.dir}/${f}`);
  }

  async logTail(lines = 12): Promise<string[]> {
    const text = await this.spec.host.readTail(this.logPath, 16 * 1024);
    return text.split('\n').filter(Boolean).slice(-lines);
  }

  async readPid(): Promise<number | null> {
    const text = await this.spec.host.readFile(this.pidPath);
    const pid = Number(text?.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  async processState(pid: number | null): Promise<ProcessState> {
    if (pid === null) return 'gone';
    return this.spec.host.processState(pid, this.markers);
  }

  async signal(pid: number, signal: Signal): Promise<void> {
    await this.spec.host.signal(pid, signal);
  }

  /**
   * Starts the process and waits until it answers PING. Fails fast when its
   * log says it cannot start (port taken, bad config) and shows the log tail.
   * Returns the pid.
   */
  async start(options: { timeoutMs: number; abortSignal?: AbortSignal; clock?: Clock }): Promise<number> {
    // A stale pid file from a killed run would be taken for the new process.
    await this.spec.host.remove(this.pidPath);
    const r = await this.spec.host.exec(
      this.spec.serverPath,
      this.spec.sentinel ? [this.confPath, '--sentinel'] : [this.confPath],
      { timeoutMs: options.timeoutMs },
    );
    if (r.exitCode !== 0) {
      // Config errors are reported on stderr, before the log file is opened.
      const output = (r.stderr + r.stdout)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const reason = output[output.length - 1] ?? `exit code ${r.exitCode}`;
      throw new NodeStartError(this.label, reason, this.logPath, [...output, ...(await this.logTail())].slice(-12));
    }
    return waitUntil(() => this.readiness(), {
      what: `${this.label} answering PING`,
      timeoutMs: options.timeoutMs,
      intervalMs: 15,
      clock: options.clock,
      abortSignal: options.abortSignal,
    }).catch(async (e: unknown) => {
      if (e instanceof NodeStartError || e instanceof PortInUseError) throw e;
      if (e instanceof InterruptedError) {
        // The server was launched and may still be starting (loading its
        // data under load can take a while): wait, whatever the interrupt,
        // until its pid file says which process the cleanup must stop.
        await waitUntil(
          async () =>
            (await this.readPid()) !== null ? { done: true, value: null } : { done: false, seen: 'no pid file yet' },
          {
            what: `${this.label} writing its pid file`,
            timeoutMs: 3000,
            intervalMs: 20,
          },
        ).catch(() => undefined);
        throw e;
      }
      if (e instanceof DeadlineError) {
        throw new NodeStartError(
          this.label,
          `not answering within ${options.timeoutMs} ms`,
          this.logPath,
          await this.logTail(),
        );
      }
      throw e;
    });
  }

  private async readiness(): Promise<{ done: true; value: number } | { done: false; seen: string }> {
    // Connecting first: a refused connection costs nothing, while every file
    // read is a round trip on an SSH host.
    try {
      const client = await connectNode(this.address, { timeoutMs: 1000, password: this.spec.password });
      closeClient(client);
    } catch (e) {
      await this.throwIfLogSaysFatal();
      return { done: false, seen: (e as Error).message };
    }
    // Redis writes its pid file just after it starts listening. Until then,
    // whoever answers may not be our process (someone else on the port).
    const pid = await this.readPid();
    if (pid !== null) return { done: true, value: pid };
    await this.throwIfLogSaysFatal();
    return { done: false, seen: 'answering, but no pid file yet' };
  }

  private async throwIfLogSaysFatal(): Promise<void> {
    const tail = await this.logTail(20);
    const fatal = tail.find((l) => FATAL_LOG.test(l));
    if (!fatal) return;
    if (/Address already in use/i.test(fatal)) {
      const bus = fatal.includes(String(this.busPort));
      throw new PortInUseError(this.spec.bind, bus ? this.busPort : this.spec.port, bus ? 'cluster bus' : 'client');
    }
    throw new NodeStartError(this.label, fatal.replace(/^\d+:\w \d+ \w+ \d+ [\d:.]+ [#*.-] /, ''), this.logPath, tail);
  }

  /**
   * Stops the process: SHUTDOWN NOSAVE (the append-only file is still
   * flushed), then SIGTERM, then SIGKILL, each with a deadline. Safe to call
   * again, and on a process that is already gone. A frozen (SIGSTOPped)
   * process is continued first so it can shut down cleanly.
   */
  async stop(pid: number | null, options: StopOptions = {}): Promise<'stopped' | 'not running'> {
    const step = options.stepTimeoutMs ?? 3000;
    const knownPid = pid ?? (await this.readPid());
    const state = await this.processState(knownPid);
    if (knownPid === null || state === 'gone') return 'not running';
    if (state === 'frozen') await this.signal(knownPid, 'CONT');

    const gone = (ms: number): Promise<boolean> =>
      waitUntil(
        async () =>
          (await this.processState(knownPid)) === 'gone'
            ? { done: true, value: true }
            : { done: false, seen: 'still running' },
        {
          what: `${this.label} exiting`,
          timeoutMs: ms,
          intervalMs: 10,
          clock: options.clock ?? systemClock,
        },
      ).catch(() => false);

    const refused = await this.shutdownCommand(Math.min(step, 2000));
    if (await gone(step)) return 'stopped';
    await this.signal(knownPid, 'TERM');
    if (await gone(step)) return 'stopped';
    await this.signal(knownPid, 'KILL');
    if (await gone(step)) return 'stopped';
    throw new EnvironmentError(
      `${this.label} (pid ${knownPid}) did not exit after SHUTDOWN${refused ? ` (${refused})` : ''}, SIGTERM and SIGKILL`,
      {
        hint: `check the process by hand: ps -o pid,stat,args -p ${knownPid}`,
      },
    );
  }

  /**
   * The first step of stop(): SHUTDOWN. Returns null when the server went
   * away (the connection closed under us, SHUTDOWN's answer when it works),
   * else why not. stop() then goes on to signals either way, so a refusal
   * is not an error here; it is returned so the escalation can say why.
   */
  private async shutdownCommand(timeoutMs: number): Promise<string | null> {
    let client;
    try {
      client = await connectNode(this.address, { timeoutMs, password: this.spec.password });
    } catch (e) {
      return `not reachable (${(e as Error).message})`;
    }
    try {
      // NOW (7.0+) skips waiting for lagging replicas. FORCE (7.0+) is for a
      // replica still writing its first AOF after a sync, which otherwise
      // refuses ("Errors trying to SHUTDOWN"): its data comes from its master
      // anyway. Servers before 7.0 know neither word.
      await client.call('SHUTDOWN', 'NOSAVE', 'NOW').catch(async (e: Error) => {
        if (/syntax error|wrong number/i.test(e.message)) await client.call('SHUTDOWN', 'NOSAVE');
        else if (/Errors trying to SHUTDOWN/i.test(e.message)) await client.call('SHUTDOWN', 'NOSAVE', 'NOW', 'FORCE');
        else throw e;
      });
      return 'it answered SHUTDOWN but kept running';
    } catch (e) {
      return isConnectionClosed(e) ? null : `SHUTDOWN refused: ${(e as Error).message}`;
    } finally {
      closeClient(client);
    }
  }
}
