import { describe, expect, it } from 'vitest';
import { chooseClients, parseFaultList, parseOwnClient, selectAdapters } from '../../src/clients/choose.js';
import { type CellInput, NO_FAULT, cellGrade, cellShort, matrixCell, timelineOf } from '../../src/clients/matrix.js';
import { OpLog } from '../../src/clients/op-log.js';
import { sentinelSpelling } from '../../src/cli/argv.js';
import type { ProgramOp } from '../../src/workload/program-run.js';

const op = (tMs: number, ok: boolean, ms = 1, error: string | null = null): ProgramOp => ({
  tMs,
  ok,
  ms,
  error,
  op: 'set',
  key: `k${tMs}`,
  value: String(tMs),
});

/** A client that writes every 10 ms from 0 to `to`, with the given operations in place of those times. */
function run(to: number, replace: Record<number, ProgramOp | null> = {}): ProgramOp[] {
  const out: ProgramOp[] = [];
  for (let t = 0; t <= to; t += 10) {
    const r = t in replace ? replace[t] : op(t, true);
    if (r) out.push(r);
  }
  return out;
}

const input = (ops: ProgramOp[], over: Partial<CellInput> = {}): CellInput => ({
  client: 'c',
  fault: 'kill',
  ops,
  faultMs: 1000,
  endMs: ops.at(-1)?.tMs ?? 0,
  survived: true,
  stoppedByDrill: true,
  deathLine: null,
  lostWrites: 0,
  unreadableWrites: 0,
  acknowledgedWrites: ops.filter((o) => o.ok).length,
  intervalMs: 10,
  ...over,
});

describe('the client matrix cell', () => {
  it('a client the fault never touched is unaffected', () => {
    const c = matrixCell(input(run(3000)));
    expect(c).toMatchObject({ survived: true, recoveredMs: 0, firstSuccessAfterFaultMs: 0, stuckOps: 0, hungMs: 0 });
    expect(c.longestNoSuccessMs).toBe(10);
    expect(c.verdict).toBe('unaffected');
    expect(cellGrade(c)).toBe('good');
  });

  it('errors after the fault: recovered at the first success after the last one, errors by class', () => {
    const gap: Record<number, ProgramOp | null> = {};
    for (let t = 1010; t < 2600; t += 10)
      gap[t] = t % 500 === 0 ? op(t, false, 1, 'CLUSTERDOWN The cluster is down') : null;
    const c = matrixCell(input(run(4000, gap)));
    expect(c.errors).toEqual({ CLUSTERDOWN: 3 });
    expect(c.recoveredMs).toBe(1600);
    expect(c.firstSuccessAfterFaultMs).toBe(0);
    expect(c.longestNoSuccessMs).toBe(1600);
    expect(c.verdict).toBe('recovered in 1.6 s; longest without a success 1.6 s');
    expect(cellShort(c)).toBe('1.6 s');
  });

  it('a slow operation (held up, not failed) counts as touched; one over 5 s as stuck', () => {
    const gap: Record<number, ProgramOp | null> = {};
    for (let t = 1010; t < 7000; t += 10) gap[t] = null;
    gap[7000] = op(7000, true, 5990);
    const c = matrixCell(input(run(8000, gap)));
    expect(c.recoveredMs).toBe(6000);
    expect(c.stuckOps).toBe(1);
    expect(cellShort(c)).toBe('6.0 s, 1 stuck');
    expect(c.verdict).toBe('an operation hung 6.0 s, recovered in 6.0 s; longest without a success 6.0 s');
    expect(cellGrade(c)).toBe('slow');
  });

  it('an operation still waiting at the end: hung', () => {
    const ops = run(1200);
    const c = matrixCell(input(ops, { endMs: 20_000 }));
    expect(c.hungMs).toBe(18_800);
    expect(c.stuckOps).toBe(1);
    expect(c.longestNoSuccessMs).toBe(18_800);
    expect(c.verdict).toMatch(/^hung 18\.8 s/);
    expect(cellGrade(c)).toBe('bad');
  });

  it('a client that exited: died, with the line that says why', () => {
    const c = matrixCell(
      input(run(1100), {
        survived: false,
        stoppedByDrill: false,
        endMs: 1130,
        deathLine: "naive.rb:9:in `set': Error connecting to Redis (Redis::CannotConnectError)",
      }),
    );
    expect(c.exitedAfterFaultMs).toBe(130);
    expect(c.verdict).toMatch(/^died at \+0\.1 s: naive\.rb:9/);
    expect(cellShort(c)).toBe('died +0.1 s');
  });

  it('lost acknowledged writes are named and make the cell bad', () => {
    const c = matrixCell(input(run(2000), { lostWrites: 2 }));
    expect(c.verdict).toBe('unaffected; 2 acknowledged writes lost');
    expect(cellShort(c)).toBe('unaffected, 2 lost');
    expect(cellGrade(c)).toBe('bad');
  });

  it('no success after the fault at all', () => {
    const ops = [...run(900), op(1500, false, 1, 'connect ECONNREFUSED 127.0.0.1:7000')];
    const c = matrixCell(input(ops, { endMs: 1600 }));
    expect(c.recoveredMs).toBeNull();
    expect(c.firstSuccessAfterFaultMs).toBeNull();
    expect(c.errors).toEqual({ 'connection refused': 1 });
    expect(cellShort(c)).toBe('no success');
  });

  it('counts operations per window from the fault', () => {
    const t = timelineOf('c', 'kill', [op(900, true), op(1100, false), op(1300, true)], 1000, 250);
    expect(t).toEqual({ client: 'c', fault: 'kill', fromMs: -250, windowMs: 250, ok: [1, 0, 1], errors: [0, 1, 0] });
  });
});

describe('a client that died: the line of its stderr that says why', () => {
  it('Ruby: the first unindented line; Python: the last', () => {
    const ruby = new OpLog();
    ["naive.rb:9:in `set': Connection refused (Redis::CannotConnectError)", '\tfrom naive.rb:9:in `<main>'].forEach(
      (l) => ruby.stderr(l),
    );
    expect(ruby.deathLine()).toBe('Connection refused (Redis::CannotConnectError)');
    const py = new OpLog();
    [
      'Traceback (most recent call last):',
      '  File "x.py", line 3',
      'redis.exceptions.ClusterError: TTL exhausted.',
    ].forEach((l) => py.stderr(l));
    expect(py.deathLine()).toBe('redis.exceptions.ClusterError: TTL exhausted.');
  });
});

describe('choosing the clients and faults', () => {
  it('--client NAME=CMD', () => {
    expect(parseOwnClient('ruby-naive=ruby naive.rb')).toEqual({ name: 'ruby-naive', cmd: 'ruby naive.rb' });
    expect(() => parseOwnClient('ruby naive.rb')).toThrow(/expected NAME=CMD/);
    expect(() => parseOwnClient('x=  ')).toThrow(/expected NAME=CMD/);
  });

  it('--libraries by library (both rows) or by row; unknown names refused', () => {
    expect(selectAdapters('ioredis,redis-py-failover').map((a) => a.name)).toEqual([
      'ioredis',
      'ioredis-failover',
      'redis-py-failover',
    ]);
    expect(() => selectAdapters('jedis')).toThrow(/unknown library "jedis"/);
    expect(selectAdapters(undefined)).toHaveLength(14);
  });

  it('--faults: catalogue names and older spellings, once each; unknown or wrong for the deployment refused', () => {
    expect(parseFaultList('kill,stop,freeze', 'cluster')).toEqual(['kill', 'freeze']);
    expect(() => parseFaultList('meteor', 'cluster')).toThrow(/--faults: unknown fault "meteor"/);
    expect(() => parseFaultList('reshard-kill-source', 'sentinel')).toThrow(/needs Redis Cluster/);
    expect(() => parseFaultList(' , ', 'cluster')).toThrow(/--faults is empty/);
  });

  it("a user's client may not take a shipped adapter's name", async () => {
    await expect(chooseClients('ioredis', ['ioredis=node x.mjs'], 'cluster', () => {})).rejects.toThrow(
      /--client ioredis: that name is taken/,
    );
  });
});

describe('a client that never succeeded', () => {
  it('says so, whatever the fault did', () => {
    const ops = [op(100, false, 1, 'No sentinels available.'), op(1500, false, 1, 'No sentinels available.')];
    const c = matrixCell(input(ops, { endMs: 1600 }));
    expect(c.verdict).toBe('never succeeded, before or after the fault: No sentinels available.');
    expect(cellShort(c)).toBe('never succeeded');
    expect(cellGrade(c)).toBe('bad');
  });
});

describe('clients --sentinel', () => {
  it('is sentinel clients, wherever the flag and the global options are', () => {
    const argv = (...a: string[]): string[] => ['node', 'redis-drill', ...a];
    expect(sentinelSpelling(argv('clients', '--create', '--sentinel', '--faults', 'kill'))).toEqual(
      argv('sentinel', 'clients', '--create', '--faults', 'kill'),
    );
    expect(sentinelSpelling(argv('--cluster', 'clients', '--json', 'clients', '--sentinel'))).toEqual(
      argv('--cluster', 'clients', '--json', 'sentinel', 'clients'),
    );
    expect(sentinelSpelling(argv('clients', '--create'))).toEqual(argv('clients', '--create'));
    expect(sentinelSpelling(argv('sentinel', 'clients', '--sentinel'))).toEqual(
      argv('sentinel', 'clients', '--sentinel'),
    );
  });
});

describe('cells the review found wrong', () => {
  it('a client that exits 0 by itself after the fault is not "unaffected"', () => {
    const c = matrixCell(input(run(1100), { stoppedByDrill: false, endMs: 1200 }));
    expect(c.survived).toBe(true);
    expect(c.verdict).toBe('exited by itself with code 0 at +0.2 s: nothing after that was measured');
    expect(cellShort(c)).toBe('exited +0.2 s');
    expect(cellGrade(c)).toBe('slow');
  });

  it('no fault sent: said, not graded as unaffected', () => {
    const c = matrixCell(input(run(3000), { faultMs: null }));
    expect(c.verdict).toBe(NO_FAULT);
    expect(cellShort(c)).toBe('no fault');
    expect(cellGrade(c)).toBe('slow');
  });

  it('a slow operation that succeeded, as its last line, is the recovery', () => {
    const gap: Record<number, ProgramOp | null> = {};
    for (let t = 1010; t <= 4000; t += 10) gap[t] = null;
    gap[4000] = op(4000, true, 2990);
    const c = matrixCell(input(run(4000, gap)));
    expect(c.recoveredMs).toBe(3000);
  });

  it('a long --interval is not a hang', () => {
    const ops = run(1000).filter((o) => o.tMs % 1000 === 0);
    expect(matrixCell(input(ops, { endMs: 6900, intervalMs: 6000 })).hungMs).toBe(0);
    expect(matrixCell(input(ops, { endMs: 6900, intervalMs: 10 })).hungMs).toBe(5900);
  });

  it('writes read back only under the client prefix, each key at its last value', () => {
    const log = new OpLog();
    const w = (key: string, value: string): ProgramOp => ({ ...op(1, true), key, value });
    [w('drill:clients:kill:c:1', 'a'), w('drill:clients:kill:c:1', 'b'), w('session:42', 'x')].forEach((o) =>
      log.op(o),
    );
    expect(log.acknowledged('drill:clients:kill:c:')).toEqual([{ key: 'drill:clients:kill:c:1', value: 'b' }]);
  });
});
