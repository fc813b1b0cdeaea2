import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * Ends a long-running ssh child (a shell session, a log stream): its stdin
 * closed and SIGTERM, so ssh closes the channel and the remote shell ends
 * with it; SIGKILL if that takes more than a second.
 */
export function endChild(child: ChildProcessWithoutNullStreams): void {
  child.stdin.end();
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 1000).unref();
}
