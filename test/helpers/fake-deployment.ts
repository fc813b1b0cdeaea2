import { parseClusterNodes, parseInfo } from '../../src/cluster/nodes-parser.js';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { Hosts } from '../../src/cluster/runtime.js';
import type { Deployment, DeploymentNode } from '../../src/deployment/handle.js';
import { clusterOps } from '../../src/deployment/ops.js';
import { DeadlineError, InterruptedError } from '../../src/errors.js';
import type { RedisNode } from '../../src/nodes/redis-node.js';
import type { DrillEvent, EventKind } from '../../src/observe/events.js';
import type { ObserverView } from '../../src/observe/observer.js';
import type { Clock } from '../../src/util/clock.js';

/**
 * A Redis Cluster made of arithmetic, for the engine's unit tests: 3
 * masters (ports 7000-7002) with one replica each (7003-7005). Signals and
 * restarts change its model; time is a fake clock that moves only when
 * someone sleeps. What Redis would do is scripted: a killed or frozen
 * master's replica takes over `promoteAfterMs` later (with its "Failover
 * election won" log line), a restarted or resumed old master is a replica
 * with its link up `rejoinAfterMs` later. Not a mock of any server: only
 * the engine's own decisions are under test.
 */

export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new InterruptedError();
    this.t += ms;
    await Promise.resolve();
  }
}

const HOST = '127.0.0.1';
const idOf = (port: number): string => port.toString(16).padStart(40, '0');
const SLOTS = ['0-5460', '5461-10922', '10923-16383'];

interface NodeModel {
  port: number;
  pid: number;
  process: 'running' | 'frozen' | 'gone';
  role: 'master' | 'replica';
  /** A replica's master (port). */
  master: number | null;
  slots: string;
  /** The cluster has flagged it fail (and not cleared it). */
  failed: boolean;
  linkUp: boolean;
}

export interface FakeOptions {
  promoteAfterMs?: number;
  rejoinAfterMs?: number;
  /** Replicas refuse to take over (cluster-replica-no-failover yes). */
  noFailover?: boolean;
}

export class FakeCluster {
  readonly clock = new FakeClock();
  readonly nodes: NodeModel[];
  readonly events: DrillEvent[] = [];
  /** Every signal sent, in order: "KILL 7000". */
  readonly signals: string[] = [];
  private readonly due: { at: number; what: () => void }[] = [];
  private nextPid = 1000;

  constructor(private readonly o: FakeOptions = {}) {
    this.nodes = [7000, 7001, 7002, 7003, 7004, 7005].map((port, i) => ({
      port,
      pid: this.nextPid++,
      process: 'running',
      role: i < 3 ? 'master' : 'replica',
      master: i < 3 ? null : port - 3,
      slots: i < 3 ? SLOTS[i]! : '',
      failed: false,
      linkUp: true,
    }));
  }

  node(port: number): NodeModel {
    return this.nodes.find((n) => n.port === port)!;
  }

  /** What happened by now (the scripted reactions whose time has come). */
  private advance(): void {
    this.due.sort((a, b) => a.at - b.at);
    while (this.due.length && this.due[0]!.at <= this.clock.now()) this.due.shift()!.what();
  }

  private log(port: number, kind: EventKind, detail: string, at: number): void {
    this.events.push({ tMs: 0, at, node: `${HOST}:${port}`, source: 'log', kind, detail });
  }

  signal(port: number, sig: string): void {
    const n = this.node(port);
    this.signals.push(`${sig} ${port}`);
    if (sig === 'KILL' || sig === 'TERM') n.process = 'gone';
    if (sig === 'STOP') n.process = 'frozen';
    if (sig === 'CONT') {
      n.process = 'running';
      this.rejoinLater(n);
    }
    if (sig === 'CONT') return;
    const at = this.clock.now();
    if (n.role === 'master' && !this.o.noFailover) {
      const replica = this.nodes.find((r) => r.master === port)!;
      this.due.push({
        at: at + (this.o.promoteAfterMs ?? 1500),
        what: () => {
          n.failed = true;
          replica.role = 'master';
          replica.master = null;
          replica.slots = n.slots;
          n.slots = '';
          this.log(replica.port, 'election-won', 'Failover election won: I am the new master.', this.clock.now());
        },
      });
    } else this.due.push({ at: at + (this.o.promoteAfterMs ?? 1500), what: () => (n.failed = true) });
  }

  start(port: number): number {
    const n = this.node(port);
    n.process = 'running';
    n.pid = this.nextPid++;
    this.rejoinLater(n);
    return n.pid;
  }

  private rejoinLater(n: NodeModel): void {
    this.due.push({
      at: this.clock.now() + (this.o.rejoinAfterMs ?? 800),
      what: () => {
        n.failed = false;
        // An old master whose slots went to its replica comes back as that replica's replica.
        if (n.role === 'master' && n.slots === '') {
          const successor = this.nodes.find((x) => x.role === 'master' && x.slots !== '' && x.port === n.port + 3);
          n.role = 'replica';
          n.master = successor?.port ?? null;
        }
        n.linkUp = true;
        this.log(n.port, 'sync-finished', 'MASTER <-> REPLICA sync: Finished with success', this.clock.now());
      },
    });
  }

  /** Every node's answer now, as the observer's poll would have it. */
  probes(): NodeProbe[] {
    this.advance();
    const lines = this.nodes.map((n) =>
      `${idOf(n.port)} ${HOST}:${n.port}@${n.port + 10000} ${n.role === 'master' ? 'master' : 'slave'}${n.failed ? ',fail' : ''} ${n.master === null ? '-' : idOf(n.master)} 0 0 1 connected ${n.slots}`.trimEnd(),
    );
    // A master flagged fail that still owns slots (nobody took over): the cluster is down.
    const state = this.nodes.some((n) => n.role === 'master' && n.failed && n.slots !== '') ? 'fail' : 'ok';
    return this.nodes.map((n) => {
      const address = { host: HOST, port: n.port };
      if (n.process !== 'running')
        return {
          address,
          up: false,
          error: 'no answer',
          view: null,
          clusterInfo: null,
          replication: null,
          dbsize: null,
        };
      const own = lines.map((l) => (l.startsWith(idOf(n.port)) ? l.replace(/ (master|slave)/, ' myself,$1') : l));
      const replication =
        n.role === 'master'
          ? 'role:master\r\n'
          : `role:slave\r\nmaster_host:${HOST}\r\nmaster_port:${n.master}\r\nmaster_link_status:${n.linkUp && this.node(n.master!).process === 'running' ? 'up' : 'down'}\r\n`;
      return {
        address,
        up: true,
        error: null,
        view: parseClusterNodes(own.join('\n')),
        clusterInfo: parseInfo(`cluster_state:${state}\r\n`),
        replication: parseInfo(replication),
        dbsize: 0,
      };
    });
  }

  /** A stand-in for one node's RedisNode: its process is this model's. */
  private redisNode(port: number): RedisNode {
    const n = (): NodeModel => this.node(port);
    return {
      spec: { host: new Hosts().get('local'), bind: HOST, port, dir: `/nonexistent/${port}` },
      logPath: `/nonexistent/${port}/redis.log`,
      label: `${HOST}:${port}`,
      processState: async (pid: number) => (pid === n().pid ? n().process : 'gone'),
      readPid: async () => (n().process === 'gone' ? null : n().pid),
      signal: async (pid: number, sig: string) => {
        if (pid !== n().pid) throw new Error(`no such process ${pid}`);
        this.signal(port, sig);
      },
      start: async () => this.start(port),
      stop: async () => {
        n().process = 'gone';
        return 'stopped';
      },
    } as unknown as RedisNode;
  }

  deployment(): Deployment {
    const nodes: DeploymentNode[] = this.nodes.map((n) => ({
      host: HOST,
      port: n.port,
      label: `${HOST}:${n.port}`,
      redis: this.redisNode(n.port),
    }));
    return {
      name: 'fake',
      managed: true,
      nodes,
      connect: { timeoutMs: 200, password: null },
      nodeTimeoutMs: 1000,
      nodeTimeoutSource: 'the fake cluster',
      stateDir: '/nonexistent',
      state: null,
      hosts: new Hosts(),
      ops: clusterOps,
      sentinels: [],
      masterName: null,
    };
  }

  /** An observer of the model: its polls are the model's answers, its log lines the scripted ones. */
  observer(): ObserverView {
    const { clock, events } = this;
    const probes = (): NodeProbe[] => this.probes();
    return {
      events,
      snapshot: probes,
      async waitFor(condition, options) {
        const t0 = clock.now();
        for (;;) {
          const seen = condition(probes());
          if (seen.done) return seen.value;
          if (clock.now() - t0 >= options.timeoutMs)
            throw new DeadlineError(options.what, options.timeoutMs, seen.seen);
          await clock.sleep(50, options.abortSignal);
        }
      },
      markFault(kind = 'fault') {
        events.push({ tMs: 0, at: clock.now(), node: '', source: 'poll', kind, detail: '' });
        return clock.now();
      },
      describeFault(node, detail, kind = 'fault') {
        const e = events.findLast((x) => x.kind === kind);
        if (e) Object.assign(e, { node, detail });
      },
      note(node, kind, detail) {
        events.push({ tMs: 0, at: clock.now(), node, source: 'poll', kind, detail });
      },
      timeline: () => [...events].sort((a, b) => a.at - b.at),
      catchUpLogs: async () => undefined,
      logLines: () => [],
      clockNote: () => 'the fake clock',
    } as ObserverView;
  }
}
