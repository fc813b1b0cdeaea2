import { setMaxListeners } from 'node:events';

/**
 * The controller Ctrl-C aborts. Every wait of the run listens on its signal,
 * one per node at a time on a big cluster (a 100-node soak had 11): not a
 * leak, so Node's MaxListenersExceededWarning would only alarm the user.
 */
export function runController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
