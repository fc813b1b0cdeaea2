import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthError, NodeUnreachableError } from '../../src/errors.js';
import { connectNode, withNode } from '../../src/nodes/client.js';
import { ReplyError } from '../../src/nodes/resp.js';
import { freePortRange } from '../helpers/ports.js';
import { type RawCluster, startRawServers } from '../helpers/raw-cluster.js';

const at = (port: number) => ({ host: '127.0.0.1', port });

/** The orchestration's own client (nodes/resp-client.ts) against real servers: what the rest of the code relies on. */
describe('the node client (real servers)', () => {
  let plain: RawCluster;
  let locked: RawCluster;
  beforeAll(async () => {
    [plain, locked] = await Promise.all([
      startRawServers({ count: 1, cluster: false }),
      startRawServers({ count: 1, cluster: false, password: 's3cret' }),
    ]);
  });
  afterAll(async () => Promise.all([plain?.stop(), locked?.stop()]));

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
