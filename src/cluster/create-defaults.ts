/** What `cluster create` does when not told otherwise (also failover-report --create and a scenario's `cluster.create`). Light: the CLI reads it at start-up. */
export const CREATE_DEFAULTS = { masters: 3, replicas: 1, port: 7000, bind: '127.0.0.1', nodeTimeoutMs: 5000 } as const;

/**
 * How long an SSH host may take to accept a connection, and its login shell
 * to start. 10 s: a test suite keeping two cores busy took over 5 s to start
 * a shell on an idle network namespace; a host that never answers still fails
 * after two tries.
 */
export const DEFAULT_SSH_CONNECT_TIMEOUT_MS = 10_000;
