import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, test } from 'vitest';
import { FileStream } from '../../src/hosts/file-stream.js';

/** Polls `done` every 20 ms for up to `ms`; the assertions after it say what was wrong if it never held. */
async function until(done: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The remote log stream's loop, run by a local `sh` here (over SSH it is the
 * same loop behind `ssh HOST -- 'exec /bin/sh'`): every byte arrives once,
 * with its position, and the loop ends with its reader.
 */
describe('FileStream', () => {
  test('delivers what two files gain, from the offsets given, with positions', { timeout: 20_000 }, async () => {
    const dir = await mkdtemp(path.join(inject('testRoot'), 'stream-'));
    const a = path.join(dir, 'a.log');
    const b = path.join(dir, 'b.log');
    await writeFile(a, 'before\n');
    await writeFile(b, '');
    const got: { index: number; at: number; text: string }[] = [];
    const stream = new FileStream(
      ['sh'],
      [
        { path: a, offset: 7 },
        { path: b, offset: 0 },
      ],
      (index, at, bytes) => got.push({ index, at, text: bytes.toString() }),
    );
    try {
      await appendFile(a, 'one\n');
      await appendFile(b, 'x'.repeat(100_000));
      await until(() => got.filter((g) => g.index === 1).reduce((n, g) => n + g.text.length, 0) === 100_000);
      await appendFile(a, 'two\n');
      await until(() => got.some((g) => g.text.includes('two')));
      const ofA = got.filter((g) => g.index === 0);
      expect(ofA.map((g) => g.text).join('')).toBe('one\ntwo\n');
      expect(ofA[0]!.at).toBe(7);
      const ofB = got.filter((g) => g.index === 1);
      // Each piece starts where the one before it ended.
      for (let i = 1; i < ofB.length; i++) expect(ofB[i]!.at).toBe(ofB[i - 1]!.at + ofB[i - 1]!.text.length);
      expect(ofB.map((g) => g.text).join('')).toBe('x'.repeat(100_000));
      expect(stream.live()).toBe(true);
    } finally {
      stream.close();
    }
    expect(stream.live()).toBe(false);
  });

  test('a command that is not there ends the stream instead of hanging', async () => {
    const stream = new FileStream(['/nonexistent/sh'], [{ path: '/tmp/x', offset: 0 }], () => undefined);
    await until(() => stream.closed !== null);
    expect(stream.closed).toMatch(/ENOENT/);
    expect(stream.live()).toBe(false);
  });
});
