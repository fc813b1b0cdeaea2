import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type CliResult, runCli, runJson, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { liveServersUnder } from '../helpers/processes.js';
import { raw } from '../helpers/raw.js';
import { SSH_HOSTS, type TestSshd, sshMastersFor, startSshd } from '../helpers/sshd.js';

interface Created {
  passwordProtected: boolean;
  nodes: {
    id: string;
    host: string;
    port: number;
    machine: string;
    role: string;
    masterId: string | null;
    dir: string;
  }[];
}

/** CLUSTER NODES straight from a node, parsed here: id -> { ip, role, masterId }. */
async function rawClusterNodes(host: string, port: number, password: string) {
  const text = String(await raw(port, (r) => r.call('CLUSTER', 'NODES'), host, password));
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map((f) => ({
      id: f[0]!,
      ip: f[1]!.split(':')[0]!,
      port: Number(f[1]!.split(':')[1]!.split('@')[0]),
      role: f[2]!.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? null : f[3]!,
    }));
}

/** The first reply line to an inline command on a plain socket (no client library in between). */
function firstReply(host: string, port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => (socket.destroy(), resolve(d.toString().split('\r\n')[0]!)));
    socket.once('error', reject);
  });
}

const readState = (dir: string, cluster = 'default') =>
  JSON.parse(readFileSync(path.join(dir, cluster, 'cluster.json'), 'utf8'));

describe('a cluster on three SSH hosts (real sshd on 127.0.0.2-4)', () => {
  let sshd: TestSshd;
  let dir: string;
  let remoteDir: string;
  let port: number;
  let created: Created;
  let create: CliResult;
  const run = (args: string[]) => runCli(args, { stateDir: dir });

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await stateDir();
    remoteDir = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
    port = await freePortRange(2);
    const r = await runJson<Created>(
      ['cluster', 'create', ...sshd.placeFlags(remoteDir, port), '--node-timeout', '1000'],
      { stateDir: dir },
    );
    create = r.result;
    created = r.json;
  });

  afterAll(async () => {
    await run(['cluster', 'destroy']);
    await sshd?.stop();
  });

  test("create: 3 masters on 3 hosts, no replica on its master's host (raw CLUSTER NODES)", async () => {
    expect(create.exitCode, create.stderr).toBe(0);
    expect(created.nodes).toHaveLength(6);
    expect(new Set(created.nodes.map((n) => n.machine))).toEqual(
      new Set(SSH_HOSTS.map((h) => `root@${h}:${sshd.port}`)),
    );
    const state = readState(dir);
    const view = await rawClusterNodes(SSH_HOSTS[0], port, state.password);
    expect(view).toHaveLength(6);
    const masters = view.filter((n) => n.role === 'master');
    expect(new Set(masters.map((m) => m.ip)).size).toBe(3);
    for (const replica of view.filter((n) => n.role === 'replica')) {
      const master = view.find((n) => n.id === replica.masterId)!;
      expect(replica.ip).not.toBe(master.ip);
    }
    // Every node binds to its host's address and nothing else.
    for (const n of view) expect(SSH_HOSTS).toContain(n.ip);
    // Connection sharing: the create's ssh masters are gone once it ends.
    expect(sshMastersFor(sshd.port)).toEqual([]);
  });

  test('security: a random password, in the 0600 state file and redis.conf only, never on a command line or in output', async () => {
    expect(created.passwordProtected).toBe(true);
    const state = readState(dir);
    expect(state.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(path.join(dir, 'default', 'cluster.json')).mode & 0o777).toBe(0o600);
    const ps = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
    expect(ps).toContain(`redis-server ${SSH_HOSTS[0]}:${port}`);
    expect(ps).not.toContain(state.password);
    expect(create.stdout + create.stderr).not.toContain(state.password);
    const conf = readFileSync(`${created.nodes[0]!.dir}/redis.conf`, 'utf8');
    expect(conf).toContain(`requirepass ${state.password}`);
    expect(conf).toContain(`bind ${created.nodes[0]!.host}`);
    expect(conf).not.toMatch(/protected-mode no|bind 0\.0\.0\.0/);
    // Without the password a client gets nothing.
    expect(await firstReply(SSH_HOSTS[0], port, 'GET x')).toMatch(/^-NOAUTH/);
  });

  test('status, slotmap and populate work through the state file (password and SSH hosts included)', async () => {
    const status = await runJson<{
      nodes: { host: string; machine: string; up: boolean; pid: number | null; process: string }[];
    }>(['cluster', 'status'], { stateDir: dir });
    expect(status.result.exitCode, status.result.stderr).toBe(0);
    expect(status.json.nodes.every((n) => n.up && n.process === 'running' && n.pid !== null)).toBe(true);
    expect(status.json.nodes.map((n) => n.machine)).toEqual(created.nodes.map((n) => n.machine));
    const populate = await run(['populate', '--keys', '3000']);
    expect(populate.exitCode, populate.stderr).toBe(0);
    const slotmap = await runJson<{ totalKeys: number; masters: { host: string }[] }>(['slotmap'], { stateDir: dir });
    expect(slotmap.json.totalKeys).toBe(3000);
    expect(new Set(slotmap.json.masters.map((m) => m.host)).size).toBe(3);
  });

  test('kill-master over SSH: promotion observed from remote logs; restart-node: the old master rejoins as a replica', async () => {
    const kill = await runJson<{
      outcome: string;
      victim: { host: string; port: number };
      promoted: { id: string; host: string };
      promotionSource: string;
      events: { source: string; kind: string; node: string }[];
      log: { lines: string[] };
    }>(['cluster', 'kill-master', '--master', '1'], { stateDir: dir });
    expect(kill.result.exitCode, kill.result.stderr).toBe(0);
    expect(kill.json.outcome).toBe('done');
    expect(kill.json.promotionSource).toBe('log');
    // Log lines read over SSH from the promoted replica.
    expect(
      kill.json.events.some(
        (e) => e.source === 'log' && e.kind === 'election-won' && e.node.startsWith(kill.json.promoted.host),
      ),
    ).toBe(true);
    expect(kill.json.log.lines.some((l) => l.includes('Failover election won'))).toBe(true);
    expect(kill.result.stdout).toMatch(/measured over SSH/);
    const state = readState(dir);
    const view = await rawClusterNodes(kill.json.promoted.host, port, state.password);
    expect(view.find((n) => n.id === kill.json.promoted.id)!.role).toBe('master');

    const victim = `${kill.json.victim.host}:${kill.json.victim.port}`;
    const restart = await runJson<{ outcome: string; rejoined: { role: string } }>(
      ['cluster', 'restart-node', victim],
      { stateDir: dir },
    );
    expect(restart.result.exitCode, restart.result.stderr).toBe(0);
    const role = (await raw(
      kill.json.victim.port,
      (r) => r.call('ROLE'),
      kill.json.victim.host,
      state.password,
    )) as unknown[];
    expect(role[0]).toBe('slave');
    expect(sshMastersFor(sshd.port)).toEqual([]);
  });

  test('workload runs against the remote cluster with the stored password', async () => {
    const r = await runJson<{ ops: number; errors: number }>(['workload', '--duration', '1s', '--clients', '4'], {
      stateDir: dir,
    });
    expect(r.result.exitCode, r.result.stderr).toBe(0);
    // The stored password works: without it every operation is refused (NOAUTH). How many succeed in a second is the
    // machine's business (18 in a full suite run on a slow, busy host).
    expect(r.json.ops).toBeGreaterThan(0);
  });

  test('destroy leaves nothing on any host', async () => {
    const r = await run(['cluster', 'destroy']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await liveServersUnder(remoteDir)).toEqual([]);
    expect(existsSync(path.join(remoteDir, 'default'))).toBe(false);
    expect(existsSync(path.join(dir, 'default'))).toBe(false);
    expect(sshMastersFor(sshd.port)).toEqual([]);
  });

  test(
    'a shipped scenario runs on the SSH hosts (cluster.create.inventory), report and cleanup included',
    { timeout: 90_000 },
    async () => {
      const state = await stateDir();
      const remote = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
      const base = await freePortRange(2);
      const inventory = path.join(remote, 'hosts.yaml');
      writeFileSync(
        inventory,
        [
          'defaults:',
          '  user: root',
          `  ssh-port: ${sshd.port}`,
          `  identity: ${sshd.identity}`,
          `  ssh-options: ["UserKnownHostsFile=${sshd.knownHosts}"]`,
          `  base-dir: ${remote}`,
          '  nodes: 2',
          'hosts:',
          ...SSH_HOSTS.map((h) => `  - address: ${h}`),
        ].join('\n'),
      );
      const scenario = fileURLToPath(new URL('../../scenarios/kill-master.yaml', import.meta.url));
      const out = path.join(state, 'report');
      const { result, json } = await runJson<any>(
        [
          'scenario',
          'run',
          scenario,
          '--port',
          String(base),
          '--node-timeout',
          '1000',
          '--set',
          'workload.warmup=300ms',
          '--set',
          `cluster.create.inventory=${inventory}`,
          '--out',
          out,
        ],
        { stateDir: state },
      );
      expect(result.exitCode, result.stderr).toBe(0);
      expect(json.verdict).toBe('pass');
      expect(json.promotion.ms.source).toMatch(/redis\.log/);
      expect(json.setup.clock).toMatch(/measured over SSH/);
      expect(new Set(json.slotMapBefore.masters.map((m: { host: string }) => m.host))).toEqual(new Set(SSH_HOSTS));
      // The scenario destroyed the cluster it made, on every host.
      expect(await liveServersUnder(remote)).toEqual([]);
      expect(readdirSync(remote).filter((f) => f !== 'hosts.yaml')).toEqual([]);
      expect(sshMastersFor(sshd.port)).toEqual([]);
    },
  );

  describe('failures: exit 3 naming the host and the step, nothing left running', () => {
    const hostsFlag = (hosts: readonly string[]) => ['--hosts', hosts.map((h) => `root@${h}`).join(',')];
    async function expectNothingLeft(state: string, remote: string): Promise<void> {
      expect(await liveServersUnder(remote)).toEqual([]);
      expect(existsSync(path.join(state, 'default'))).toBe(false);
      expect(existsSync(path.join(remote, 'default'))).toBe(false);
      expect(sshMastersFor(sshd.port)).toEqual([]);
    }

    test('an address with no sshd fails fast', async () => {
      const state = await stateDir();
      const remote = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
      const r = await runCli(
        [
          'cluster',
          'create',
          ...hostsFlag(['127.0.0.2', '127.0.0.3', '127.0.0.5']),
          ...sshd.flags(),
          '--remote-dir',
          remote,
          '--port',
          String(port),
          // Far longer than the refusal takes, so "fast" means "did not wait for the timeout" on any machine.
          '--ssh-timeout',
          '30000',
        ],
        { stateDir: state },
      );
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/root@127\.0\.0\.5:\d+: connect failed: .*refused/i);
      expect(r.stderr).toMatch(/hint: .*sshd running/);
      expect(r.durationMs).toBeLessThan(15_000);
      await expectNothingLeft(state, remote);
    });

    test('a refused key', async () => {
      const state = await stateDir();
      const flags = sshd.flags();
      flags[flags.indexOf('--ssh-identity') + 1] = sshd.wrongIdentity;
      const r = await runCli(['cluster', 'create', ...hostsFlag(SSH_HOSTS), ...flags, '--port', String(port)], {
        stateDir: state,
      });
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/root@127\.0\.0\.\d:\d+: connect failed: .*Permission denied/);
      expect(r.stderr).toMatch(/hint: the key was refused/);
      expect(existsSync(path.join(state, 'default'))).toBe(false);
    });

    test('a host without redis-server (inventory), and a host whose server fails after others started', async () => {
      const state = await stateDir();
      const remote = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
      const inventory = (server3: string) =>
        [
          'defaults:',
          `  ssh-port: ${sshd.port}`,
          `  identity: ${sshd.identity}`,
          `  ssh-options: ["UserKnownHostsFile=${sshd.knownHosts}"]`,
          `  base-dir: ${remote}`,
          `  port: ${port}`,
          '  nodes: 2',
          'hosts:',
          '  - address: 127.0.0.2',
          '    user: root',
          '  - address: 127.0.0.3',
          '    user: root',
          '  - address: 127.0.0.4',
          '    user: root',
          `    redis-server: ${server3}`,
        ].join('\n');
      const file = path.join(remote, 'hosts.yaml');
      writeFileSync(file, inventory('/nonexistent/redis-server'));
      const missing = await runCli(['cluster', 'create', '--inventory', file], { stateDir: state });
      expect(missing.exitCode).toBe(3);
      expect(missing.stderr).toMatch(/root@127\.0\.0\.4:\d+: .*redis-server/);
      await expectNothingLeft(state, remote);

      // A "redis-server" that passes the version check but cannot start: the nodes on the other hosts did start, and are stopped again.
      const fake = path.join(remote, 'broken-server');
      writeFileSync(
        fake,
        '#!/bin/sh\n[ "$1" = --version ] && { echo "Redis server v=7.0.15 sha=0"; exit 0; }\necho "cannot start: broken on purpose" >&2\nexit 1\n',
      );
      chmodSync(fake, 0o755);
      writeFileSync(file, inventory(fake));
      const broken = await runCli(['cluster', 'create', '--inventory', file], { stateDir: state });
      expect(broken.exitCode).toBe(3);
      expect(broken.stderr).toMatch(/127\.0\.0\.4:\d+.*broken on purpose/);
      await expectNothingLeft(state, remote);
    });
  });
});
