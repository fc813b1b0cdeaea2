import { expect, test } from 'vitest';
import { runController } from '../../src/cli/run-controller.js';
import { systemClock } from '../../src/util/clock.js';

test('a hundred waits on the run signal at once (one per node of a 100-node cluster) raise no listener warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    const { signal } = runController();
    await Promise.all(Array.from({ length: 100 }, () => systemClock.sleep(5, signal)));
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    // The same waits on a plain AbortSignal do warn: the check above can fail.
    const plain = new AbortController().signal;
    await Promise.all(Array.from({ length: 100 }, () => systemClock.sleep(5, plain)));
    await new Promise((r) => setImmediate(r));
    expect(warnings.map((w) => w.name)).toContain('MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
  }
});
