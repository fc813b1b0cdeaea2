import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadInventory } from '../../src/cluster/inventory.js';
import { checkLayout, layoutHosts, nodeOrder, parseHostList } from '../../src/cluster/layout.js';
import { planPlacement } from '../../src/cluster/plan.js';
import { UsageError } from '../../src/errors.js';
import { processStateFrom } from '../../src/hosts/proc.js';
import { listenerBlocks, shellCommand, shellQuote } from '../../src/hosts/shell.js';
import { sshHostName } from '../../src/hosts/ssh.js';

const noDefaults = { port: null, identity: null, options: [] };

describe('--hosts', () => {
  test('parses [user@]address lists and names hosts user@address[:port]', () => {
    const t = parseHostList('root@10.0.0.1, 10.0.0.2,admin@db-3.example', { ...noDefaults, port: 2222 });
    expect(t.map(sshHostName)).toEqual(['root@10.0.0.1:2222', '10.0.0.2:2222', 'admin@db-3.example:2222']);
    expect(sshHostName({ user: 'root', address: '10.0.0.1', port: 22 })).toBe('root@10.0.0.1');
  });

  test('rejects bad and repeated hosts as usage errors', () => {
    expect(() => parseHostList('root@10.0.0.1,bad host', noDefaults)).toThrow(/bad host "bad host" in --hosts/);
    expect(() => parseHostList('a,a', noDefaults)).toThrow(/listed twice.*/);
    expect(() => parseHostList(' , ', noDefaults)).toThrow(UsageError);
  });

  test('spreads nodes round robin: 6 nodes on 3 hosts are 2 per host; masters land one per host', () => {
    const entries = layoutHosts(parseHostList('a,b,c', noDefaults), { count: 6, port: 7000 });
    expect(entries.map((e) => e.ports)).toEqual([
      [7000, 7001],
      [7000, 7001],
      [7000, 7001],
    ]);
    const order = nodeOrder(entries);
    expect(order.map((o) => `${o.entry}:${o.port}`)).toEqual([
      '0:7000',
      '1:7000',
      '2:7000',
      '0:7001',
      '1:7001',
      '2:7001',
    ]);
    const p = planPlacement(
      order.map((o) => ({ host: String(o.entry) })),
      3,
      1,
    );
    expect(p.masters.map((i) => order[i]!.entry)).toEqual([0, 1, 2]);
    expect(p.sameHostPairs).toEqual([]);
  });

  test('one node per VM on 6379; too few places is a usage error with the fix', () => {
    const six = layoutHosts(parseHostList('a,b,c,d,e,f', noDefaults), { count: 6, port: 6379 });
    expect(six.every((e) => e.ports.length === 1 && e.ports[0] === 6379)).toBe(true);
    expect(() => layoutHosts(parseHostList('a,b', noDefaults), { count: 6, port: 7000, nodesPerHost: 2 })).toThrow(
      /2 hosts x 2 nodes per host is 4 nodes, but the cluster needs 6/,
    );
    const five = layoutHosts(parseHostList('a,b,c', noDefaults), { count: 5, port: 7000 });
    expect(five.map((e) => e.ports.length)).toEqual([2, 2, 1]);
  });

  test('checkLayout: node count, duplicate address:port, bus port range', () => {
    const e = (bind: string, ports: number[]) => ({ ssh: null, bind, ports });
    expect(() => checkLayout([e('a', [7000, 7001])], 3)).toThrow(/the hosts have 2 nodes, but the cluster needs 3/);
    expect(() => checkLayout([e('a', [7000]), e('a', [7000])], 2)).toThrow(/a:7000 is used by two nodes/);
    expect(() => checkLayout([e('a', [60000])], 1)).toThrow(/cluster bus port 70000/);
  });
});

describe('shell and /proc helpers', () => {
  test('quotes words for the remote shell', () => {
    expect(shellQuote('/usr/bin/redis-server')).toBe('/usr/bin/redis-server');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellCommand(['echo', '$HOME', 'a b'])).toBe(`echo '$HOME' 'a b'`);
  });

  test('ss output: a listener on the address or a wildcard blocks the port, others do not', () => {
    const ss =
      'LISTEN 0 511 127.0.0.3:7000 0.0.0.0:*\nLISTEN 0 128 [::]:7002 [::]:*\nLISTEN 0 128 0.0.0.0:7003 0.0.0.0:*';
    expect(listenerBlocks(ss, '127.0.0.3', 7000)).toBe(true);
    expect(listenerBlocks(ss, '127.0.0.2', 7000)).toBe(false);
    expect(listenerBlocks(ss, '127.0.0.2', 7002)).toBe(true);
    expect(listenerBlocks(ss, '127.0.0.2', 7003)).toBe(true);
    expect(listenerBlocks('', '127.0.0.2', 7001)).toBe(false);
  });

  test('process state from /proc/PID/stat, with the command-line check against recycled pids', () => {
    const stat = (s: string) => `123 (redis-server 127.) ${s} 1 2 3`;
    expect(processStateFrom(stat('S'), '/usr/bin/redis-server 127.0.0.2:7000 [cluster]', [':7000'])).toBe('running');
    expect(processStateFrom(stat('T'), 'redis-server :7000', [':7000'])).toBe('frozen');
    expect(processStateFrom(stat('Z'), 'redis-server :7000', [':7000'])).toBe('gone');
    expect(processStateFrom(stat('S'), 'sleep 100', [':7000'])).toBe('gone');
    expect(processStateFrom('', '', [':7000'])).toBe('gone');
  });
});

describe('inventory file', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inventory-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test('defaults apply to every host; a host overrides them', async () => {
    const file = write(
      'ok.yaml',
      [
        'defaults:',
        '  user: root',
        '  ssh-port: 2222',
        '  identity: ~/.ssh/drill',
        '  port: 7000',
        '  nodes: 2',
        'hosts:',
        '  - address: 10.0.0.1',
        '  - address: 10.0.0.2',
        '    bind: 192.168.0.2',
        '    user: admin',
        '    ports: [6379]',
      ].join('\n'),
    );
    const hosts = await loadInventory(file, { port: 1 });
    expect(hosts[0]).toMatchObject({
      bind: '10.0.0.1',
      ports: [7000, 7001],
      ssh: { address: '10.0.0.1', user: 'root', port: 2222, identity: path.join(os.homedir(), '.ssh/drill') },
    });
    expect(hosts[1]).toMatchObject({ bind: '192.168.0.2', ports: [6379], ssh: { user: 'admin' } });
  });

  test.each([
    [
      'wrong type',
      'hosts:\n  - address: 10.0.0.1\n    ssh-port: twenty-two\n',
      /wrong-type\.yaml:3: hosts\[0\]\.ssh-port: expected number, found "twenty-two"/,
    ],
    [
      'unknown key',
      'hosts:\n  - address: 10.0.0.1\n    sshport: 22\n',
      /unknown-key\.yaml:2: hosts\[0\]: Unrecognized key: "sshport"/,
    ],
    ['missing hosts', 'defaults:\n  user: root\n', /missing-hosts\.yaml:1: hosts: expected array, found nothing/],
    ['YAML syntax', 'hosts:\n  - address: [10.0.0.1\n', /yaml-syntax\.yaml:\d+:\d+: not valid YAML/],
  ])('%s: exit 2 naming the file, line and path', async (name, text, message) => {
    const file = write(`${name.replace(/ /g, '-').replace('YAML', 'yaml')}.yaml`, text);
    const error = await loadInventory(file, { port: 7000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  test('a missing file says so', async () => {
    await expect(loadInventory(path.join(dir, 'nope.yaml'), { port: 7000 })).rejects.toThrow(
      /cannot read .*nope\.yaml: no such file/,
    );
  });
});
