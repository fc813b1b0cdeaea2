/** What `cluster create` does when not told otherwise (also failover-report --create and a scenario's `cluster.create`). Light: the CLI reads it at start-up. */
export const CREATE_DEFAULTS = { masters: 3, replicas: 1, port: 7000, bind: '127.0.0.1', nodeTimeoutMs: 5000 } as const;

/**
 * How long an SSH host may take to accept a connection (`--ssh-timeout`).
 * 10 s: a test suite keeping two cores busy took over 5 s; a host that never
 * answers still fails after two tries.
 */
export const DEFAULT_SSH_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A login shell gets this many times the connect timeout to start. Its
 * start-up files are not the network: pyenv or conda take half a second on
 * an idle machine, and pyenv's start-up (rehash) holds a lock that every new
 * shell on the machine queues for. Shells started at once on a busy host
 * waited over 10 s; a shell that hangs (a .bashrc that prompts) still fails.
 */
export const SHELL_START_FACTOR = 3;
