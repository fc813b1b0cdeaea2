import { errorMessage } from '../errors.js';

/**
 * Undoes what a failed command started. A failure to undo is never
 * swallowed: it is said as a warning naming what was left behind and how
 * to remove it. The command's own error is still the one it ends with.
 */
export async function rollBack(
  undo: () => Promise<unknown>,
  o: { left: string; remove: string; warn: (message: string) => void },
): Promise<void> {
  try {
    await undo();
  } catch (e) {
    o.warn(
      `cleaning up after the failure did not finish (${errorMessage(e)}): ${o.left} may be left; remove it with: ${o.remove}`,
    );
  }
}
