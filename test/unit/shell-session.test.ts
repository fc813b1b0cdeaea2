import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { SESSIONS_PER_HOST, SessionPool } from '../../src/hosts/session-pool.js';
import { ShellSession } from '../../src/hosts/shell-session.js';

// A real /bin/sh on this machine stands for the remote one (ssh only carries the bytes);
// its sessions' private directories go under a TMPDIR of this file's own.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'shell-session-test-'));
const local = (startup = ''): ShellSession =>
  new ShellSession(['sh', '-c', `export TMPDIR='${tmp}'\n${startup}\nexec /bin/sh`]);
const open: ShellSession[] = [];
const session = async (startup = ''): Promise<ShellSession> => {
  const s = local(startup);
  open.push(s);
  await s.start(5000);
  return s;
};

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

// Shells killed outright (below) cannot remove their directories; over ssh, test/integration/remote-slow-shell checks they go.
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a shell session: framed calls to one long-lived sh', () => {
  test('stdout, stderr and the exit code come back byte for byte, whatever the login shell printed first', async () => {
    const s = await session('echo "Welcome! pyenv is set up"; echo noise >&2');
    const r = await s.call('printf "a\\nb"; printf "err\\n" >&2; exit 7', undefined, 5000);
    expect(r).toEqual({ exitCode: 7, stdout: 'a\nb', stderr: 'err\n' });
    // A line that looks like our own header, and text without a final newline.
    const tricky = await s.call("printf '@@RD 1 0 0 0\\nx'", undefined, 5000);
    expect(tricky.stdout).toBe('@@RD 1 0 0 0\nx');
  });

  test('input reaches stdin exactly (no newline added), multi-byte text included', async () => {
    const s = await session();
    const input = 'requirepass "s3cr;t"\nport 7000\nnœud ✓';
    expect((await s.call('cat', input, 5000)).stdout).toBe(input);
    expect((await s.call('wc -c', input, 5000)).stdout.trim()).toBe(String(Buffer.byteLength(input)));
    const none = await s.call('cat; echo done', undefined, 5000);
    expect(none.stdout).toBe('done\n');
  });

  test('one shell for many calls: a variable set by one is gone in the next (each runs in its own sh), the shell stays', async () => {
    const s = await session();
    const pid1 = (await s.call('echo $PPID', undefined, 5000)).stdout;
    await s.call('X=1; exit 3', undefined, 5000);
    const r = await s.call('echo "x=$X"; echo $PPID', undefined, 5000);
    expect(r.stdout).toBe(`x=\n${pid1}`);
  });

  test('a call that overruns its deadline fails with the reason, and the session is closed', async () => {
    const s = await session();
    await expect(s.call('sleep 5', undefined, 200)).rejects.toThrow('no answer within 200 ms');
    expect(s.dead).not.toBeNull();
    await expect(s.call('true', undefined, 1000)).rejects.toThrow();
  });

  test('a shell that never starts fails start within its deadline', async () => {
    const s = local('sleep 30');
    open.push(s);
    const t0 = Date.now();
    await expect(s.start(300)).rejects.toThrow('the remote shell did not start within 300 ms');
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('a pool of sessions per host', () => {
  const pools: SessionPool[] = [];
  afterEach(() => {
    for (const p of pools.splice(0)) p.close();
  });

  test(`at most ${SESSIONS_PER_HOST} calls run at once; the others wait their turn`, async () => {
    let opened = 0;
    const pool = new SessionPool(async () => (opened++, local()), 5000);
    pools.push(pool);
    const t0 = Date.now();
    const calls = Array.from({ length: SESSIONS_PER_HOST * 2 }, () =>
      pool.call('sleep 0.3; echo ok', undefined, 10_000),
    );
    const results = await Promise.all(calls);
    expect(results.every((r) => r.stdout === 'ok\n')).toBe(true);
    expect(opened).toBe(SESSIONS_PER_HOST);
    // Two rounds of 0.3 s, not one (all at once) and not eight (one at a time).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  // These two mostly wait for slow shells: they run side by side, each closing its own pools (not through `pools`,
  // which the hook after each test empties).
  test.concurrent(
    'a slow shell (1 s to start) is not opened again for calls that a busy session serves sooner; a long queue opens more',
    async () => {
      let opened = 0;
      const pool = new SessionPool(async () => (opened++, local('sleep 1')), 5000);
      try {
        // A burst of short calls at the start: the first session serves them all. Shell builtins, a few ms
        // each: with 'sleep 0.05' a busy machine made the queue outlast a start, and the pool rightly opened more.
        const burst = await Promise.all(Array.from({ length: 4 }, () => pool.call('echo ok', undefined, 10_000)));
        expect(burst.map((r) => r.stdout)).toEqual(Array(4).fill('ok\n'));
        expect(opened).toBe(1);
        // Calls that would queue for longer than a start (6 x 0.3 s): more sessions open.
        await Promise.all(Array.from({ length: 6 }, () => pool.call('sleep 0.3', undefined, 10_000)));
        expect(opened).toBeGreaterThan(1);
      } finally {
        pool.close();
      }
    },
  );

  test.concurrent(
    "a call's deadline does not count a slow login shell's start (its own bound does): a 1 s call on a 2 s shell",
    async () => {
      const pool = new SessionPool(async () => local('sleep 2'), 5000);
      // The start's own bound still ends a shell that never starts.
      const hung = new SessionPool(async () => local('sleep 30'), 500);
      try {
        const t0 = Date.now();
        expect((await pool.call('echo ok', undefined, 1000)).stdout).toBe('ok\n');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
        await expect(hung.call('true', undefined, 300)).rejects.toThrow('the remote shell did not start within 500 ms');
      } finally {
        pool.close();
        hung.close();
      }
    },
  );

  test('a caller whose deadline passes while waiting leaves the queue; the session goes to the next', async () => {
    const pool = new SessionPool(async () => local(), 5000);
    pools.push(pool);
    const busy = Array.from({ length: SESSIONS_PER_HOST }, () => pool.call('sleep 0.5', undefined, 5000));
    await expect(pool.call('echo late', undefined, 100)).rejects.toThrow('no answer within 100 ms');
    await Promise.all(busy);
    const after = await Promise.all(
      Array.from({ length: SESSIONS_PER_HOST }, () => pool.call('echo ok', undefined, 5000)),
    );
    expect(after.map((r) => r.stdout)).toEqual(Array(SESSIONS_PER_HOST).fill('ok\n'));
  });

  test('a session that dies is replaced once; the second loss gives the host up with the reason', async () => {
    const pool = new SessionPool(async () => local(), 5000);
    pools.push(pool);
    // The shell itself exits mid-call, as when its ssh is killed.
    await expect(pool.call('kill -9 $PPID; sleep 1', undefined, 5000)).rejects.toThrow(/exited/);
    expect((await pool.call('echo again', undefined, 5000)).stdout).toBe('again\n');
    await expect(pool.call('kill -9 $PPID; sleep 1', undefined, 5000)).rejects.toThrow(/exited/);
    await expect(pool.call('echo more', undefined, 5000)).rejects.toThrow(/the connection was lost twice/);
  });

  test('a shell that cannot start: every waiting caller learns why', async () => {
    const pool = new SessionPool(async () => local('exit 5'), 5000);
    pools.push(pool);
    const calls = [pool.call('true', undefined, 5000), pool.call('true', undefined, 5000)];
    for (const c of calls) await expect(c).rejects.toThrow(/exited \(code 5\)/);
  });
});
