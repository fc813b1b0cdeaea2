/** What `cluster create` does when not told otherwise (also failover-report --create and a scenario's `cluster.create`). Light: the CLI reads it at start-up. */
export const CREATE_DEFAULTS = { masters: 3, replicas: 1, port: 7000, bind: '127.0.0.1', nodeTimeoutMs: 5000 } as const;
