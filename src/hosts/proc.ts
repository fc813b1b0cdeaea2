import type { ProcessState } from './host.js';

/**
 * A process's state from the text of /proc/PID/stat and its command line
 * (NULs already turned into spaces). Shared by the local host, which reads
 * the files itself, and SSH hosts, which `cat` them in one round trip.
 * `markers`: the command line must contain one of them, so a recycled pid
 * is never taken for our node.
 */
export function processStateFrom(stat: string, cmdline: string, markers?: readonly string[]): ProcessState {
  // The state letter follows the parenthesised command name, which may contain spaces.
  const close = stat.lastIndexOf(')');
  if (close < 0) return 'gone';
  const state = stat.slice(close + 2, close + 3);
  if (state === 'Z' || state === 'X' || state === '') return 'gone';
  if (markers !== undefined && !markers.some((m) => cmdline.includes(m))) return 'gone';
  return state === 'T' || state === 't' ? 'frozen' : 'running';
}
