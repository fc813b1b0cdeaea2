import { describe, expect, it } from 'vitest';
import { rollBack } from '../../src/util/rollback.js';

describe('rollBack: a failed clean-up is said, never swallowed', () => {
  it('says nothing when the clean-up worked', async () => {
    const said: string[] = [];
    let undone = false;
    await rollBack(async () => (undone = true), { left: 'x', remove: 'y', warn: (m) => said.push(m) });
    expect(undone).toBe(true);
    expect(said).toEqual([]);
  });

  it('names what may be left and how to remove it, with why the clean-up failed; the caller still throws its own error', async () => {
    const said: string[] = [];
    await rollBack(
      async () => {
        throw new Error("EBUSY: resource busy or locked, rmdir '/s/default/nodes/127.0.0.1-7000'");
      },
      {
        left: 'the processes started so far and /s/default',
        remove: 'redis-drill cluster destroy --cluster default',
        warn: (m) => said.push(m),
      },
    );
    expect(said).toEqual([
      "cleaning up after the failure did not finish (EBUSY: resource busy or locked, rmdir '/s/default/nodes/127.0.0.1-7000'): the processes started so far and /s/default may be left; remove it with: redis-drill cluster destroy --cluster default",
    ]);
  });
});
