import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthError, NodeUnreachableError } from '../../src/errors.js';
import { connectNode, withNode } from '../../src/nodes/client.js';
import { KeptConnection } from '../../src/nodes/kept-connection.js';
import { ReplyError } from '../../src/nodes/resp.js';
import { freePortRange } from '../helpers/ports.js';
import { type RawCluster, startRawServers } from '../helpers/raw-cluster.js';

const at = (port: number) => ({ host: '127.0.0.1', port });

// One server without a password and one with, for both clients below.
let plain: RawCluster;
let locked: RawCluster;
beforeAll(async () => {
  [plain, locked] = await Promise.all([
    startRawServers({ count: 1, cluster: false }),
    startRawServers({ count: 1, cluster: false, password: 's3cret' }),
  ]);
});
afterAll(async () => Promise.all([plain?.stop(), locked?.stop()]));

/** The orchestration's own client (nodes/resp-client.ts) against real servers: what the rest of the code relies on. */
describe('the node client (real servers)', () => {
  test('replies as the code reads them: text, numbers, nil, arrays, errors; a pipeline gives each its own', async () => {
    await withNode(at(plain.ports[0]!), { timeoutMs: 2000 }, async (c) => {
      expect(await c.call('SET', 'k', 'é')).toBe('OK');
      expect(await c.call('GET', 'k')).toBe('é');
      expect(await c.call('INCR', 'n')).toBe(1);
      expect(await c.call('GET', 'missing')).toBeNull();
      expect(await c.call('CONFIG', 'GET', 'port')).toEqual(['port', String(plain.ports[0])]);
      const refused = await c.call('NOSUCHCOMMAND').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ReplyError);
      expect((refused as Error).message).toMatch(/^ERR unknown command/);
      const replies = await c.pipeline().call('INCR', 'n').call('INCR', 'k').callBuffer('GET', 'k').exec();
      expect(replies[0]).toEqual([null, 2]);
      expect(replies[1]![0]).toBeInstanceOf(ReplyError);
      expect(Buffer.isBuffer(replies[2]![1]) && (replies[2]![1] as Buffer).toString('utf8')).toBe('é');
    });
  });

  test('a command that timed out on a frozen node keeps its place: once it resumes, the next command gets its own reply', async () => {
    const c = await connectNode(at(plain.ports[0]!), { timeoutMs: 300 });
    const pid = Number(/process_id:(\d+)/.exec(String(await c.call('INFO', 'server')))![1]);
    try {
      process.kill(pid, 'SIGSTOP');
      await expect(c.call('ECHO', 'first')).rejects.toThrow('Command timed out');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await c.call('ECHO', 'second')).toBe('second');
    expect(c.status).toBe('ready');
    c.disconnect();
  });

  test('a closed connection: what waits and what comes later fail with "Connection is closed."', async () => {
    const c = await connectNode(at(plain.ports[0]!), { timeoutMs: 2000 });
    const waiting = c.call('BLPOP', 'nothing', '0');
    c.disconnect();
    await expect(waiting).rejects.toThrow('Connection is closed.');
    await expect(c.call('PING')).rejects.toThrow('Connection is closed.');
    expect(c.status).toBe('end');
    // The server ending it is the same.
    const d = await connectNode(at(plain.ports[0]!), { timeoutMs: 2000 });
    expect(await d.call('QUIT')).toBe('OK');
    await expect(d.call('PING')).rejects.toThrow(/Connection is closed|not open/);
  });

  test('passwords: right, wrong, missing, and one the server does not need', async () => {
    const port = locked.ports[0]!;
    expect(await withNode(at(port), { timeoutMs: 2000, password: 's3cret' }, (c) => c.call('PING'))).toBe('PONG');
    await expect(connectNode(at(port), { timeoutMs: 2000, password: 'wrong' })).rejects.toBeInstanceOf(AuthError);
    await expect(withNode(at(port), { timeoutMs: 2000 }, (c) => c.call('PING'))).rejects.toBeInstanceOf(AuthError);
    const unneeded = { timeoutMs: 2000, password: 'unneeded' };
    expect(await withNode(at(plain.ports[0]!), unneeded, (c) => c.call('PING'))).toBe('PONG');
  });

  test('nobody listening: refused at once, as NodeUnreachableError', async () => {
    const port = await freePortRange(1);
    const e = await connectNode(at(port), { timeoutMs: 2000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect((e as Error).message).toMatch(/connection refused/);
  });
});

/** The kept connection (nodes/kept-connection.ts): the write probe's and the stale-master writer's, against real servers. */
describe('the kept connection (real servers)', () => {
  const options = { password: null, connectTimeoutMs: 1000, commandTimeoutMs: 200 };
  /** The ids of the connections with this name, as the server lists them. */
  const named = async (port: number, name: string): Promise<string[]> =>
    withNode(at(port), { timeoutMs: 2000 }, async (c) =>
      String(await c.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((l) => l.includes(` name=${name} `))
        .map((l) => /\bid=(\d+)/.exec(l)![1]!),
    );

  test('named; a connection the server drops fails its commands at once and is opened again by itself', async () => {
    const port = plain.ports[0]!;
    const k = new KeptConnection(at(port), { ...options, name: 'kept-a' });
    try {
      await k.whenReady();
      expect(await k.call('SET', 'kept', '1')).toBe('OK');
      const [id] = await named(port, 'kept-a');
      expect(id).toBeDefined();
      await withNode(at(port), { timeoutMs: 2000 }, (c) => c.call('CLIENT', 'KILL', 'ID', id!));
      // Until it is open again every command fails at once, as ioredis without an offline queue did.
      await expect(k.call('GET', 'kept')).rejects.toThrow('Connection is closed.');
      await k.whenReady();
      expect(await k.call('GET', 'kept')).toBe('1');
      const again = await named(port, 'kept-a');
      expect(again).toHaveLength(1);
      expect(again[0]).not.toBe(id);
    } finally {
      k.close();
    }
  });

  test('100 drops, reopened 5 ms on: a command sent before the drop is handled fails as "Connection is closed.", and once whenReady resolves the next one is answered', async () => {
    // Right after CLIENT KILL the socket may no longer be writable while its close is not handled yet:
    // a command then said "the connection is not open" (about one in five, seen once in a suite run), and
    // whenReady resolved on the dropped connection (about one drop in 25, seen once in CI).
    const port = plain.ports[0]!;
    const k = new KeptConnection(at(port), { ...options, name: 'kept-drops', retryMs: 5 });
    const dropped = new Set<string>();
    const reopened = new Set<string>();
    const answer = (): Promise<string> => k.call('GET', 'kept').then(String, (e: Error) => e.message);
    try {
      await k.whenReady();
      await k.call('SET', 'kept', '1');
      for (let i = 0; i < 100; i++) {
        await k.whenReady();
        reopened.add(await answer());
        // Ready means named: the server lists it.
        const [id] = await named(port, 'kept-drops');
        await withNode(at(port), { timeoutMs: 2000 }, (c) => c.call('CLIENT', 'KILL', 'ID', id!));
        dropped.add(await answer());
      }
    } finally {
      k.close();
    }
    expect([...dropped]).toEqual(['Connection is closed.']);
    expect([...reopened]).toEqual(['1']);
  });

  test('a frozen node: a command fails after its own deadline ("Command timed out"), and the connection is kept', async () => {
    const port = plain.ports[0]!;
    const k = new KeptConnection(at(port), { ...options, name: 'kept-b' });
    await k.whenReady();
    const pid = Number(/process_id:(\d+)/.exec(String(await k.call('INFO', 'server')))![1]);
    try {
      process.kill(pid, 'SIGSTOP');
      await expect(k.call('PING')).rejects.toThrow('Command timed out');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await k.call('ECHO', 'after')).toBe('after');
    k.close();
  });

  test('a password; nobody listening (fails at once, never ready); closed for good (not opened again)', async () => {
    const secret = new KeptConnection(at(locked.ports[0]!), { ...options, password: 's3cret', name: 'kept-c' });
    await secret.whenReady();
    expect(await secret.call('PING')).toBe('PONG');
    secret.close();
    await expect(secret.call('PING')).rejects.toThrow('Connection is closed.');

    const nobody = new KeptConnection(at(await freePortRange(1)), { ...options, name: 'kept-d' });
    await expect(nobody.call('PING')).rejects.toThrow('Connection is closed.');
    const ready = await Promise.race([
      nobody.whenReady().then(() => true),
      new Promise((r) => setTimeout(r, 500, false)),
    ]);
    expect(ready).toBe(false);
    nobody.close();

    const port = plain.ports[0]!;
    const k = new KeptConnection(at(port), { ...options, name: 'kept-e' });
    await k.whenReady();
    k.close();
    // Several retry intervals later, nothing has opened it again.
    await new Promise((r) => setTimeout(r, 400));
    expect(await named(port, 'kept-e')).toEqual([]);
  });
});
