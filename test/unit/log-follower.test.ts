import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHost } from '../../src/hosts/local.js';
import type { DrillEvent } from '../../src/observe/events.js';
import { LogFollower } from '../../src/observe/log-follower.js';

const line = (ms: number, message: string): string =>
  `4242:S 07 Dec 2026 10:00:00.${String(ms).padStart(3, '0')} # ${message}\n`;
const BEFORE = line(1, 'Start of election delayed for 510 milliseconds');
const WON = line(600, "Failover election won: I'm the new master.");
const AFTER = line(601, 'configEpoch set to 9 after successful failover');

/**
 * A real log file read by the real local host; what a test cannot get on
 * demand from a real SSH host is the moment, so it is injected: the
 * stream's frame for the same bytes lands while a catch-up's read is on
 * its way (an SSH host's catch-up after a failover, on a busy machine).
 */
describe('LogFollower', () => {
  it('a stream frame that lands during a read: every line taken once, none skipped after it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rdrill-log-'));
    const file = path.join(dir, 'redis.log');
    await writeFile(file, BEFORE);
    const local = new LocalHost();
    let frame: (() => void) | null = null;
    const host = {
      ...local,
      clockOffset: () => local.clockOffset(),
      readFrom: async (p: string, offset: number) => {
        const answer = await local.readFrom(p, offset);
        frame?.();
        frame = null;
        return answer;
      },
    } as unknown as LocalHost;
    const events: Omit<DrillEvent, 'tMs'>[] = [];
    const follower = new LogFollower(host, file, '10.0.0.1:7000', Date.now, (e) => events.push(e));
    await follower.open();
    expect(follower.offset).toBe(BEFORE.length);

    await appendFile(file, WON);
    // The stream sends the new line while the catch-up's read of the same bytes is still on its way.
    frame = () => follower.take(BEFORE.length, Buffer.from(WON));
    await follower.read(true);
    expect(follower.offset).toBe(BEFORE.length + WON.length);

    await appendFile(file, AFTER);
    await follower.read(true);
    expect(follower.lines.map((l) => l.message)).toEqual([
      "Failover election won: I'm the new master.",
      'configEpoch set to 9 after successful failover',
    ]);
    expect(events.filter((e) => e.kind === 'election-won')).toHaveLength(1);
  });

  it('a log that shrank (rewritten) is read again from its start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rdrill-log-'));
    const file = path.join(dir, 'redis.log');
    await writeFile(file, BEFORE + WON);
    const follower = new LogFollower(new LocalHost(), file, '10.0.0.1:7000', Date.now, () => undefined);
    await follower.open();
    await writeFile(file, AFTER);
    await follower.read(true);
    expect(follower.lines.map((l) => l.message)).toEqual(['configEpoch set to 9 after successful failover']);
  });
});
