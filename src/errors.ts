/**
 * Typed errors. Core code throws these; only src/cli turns them into text and
 * exit codes (docs/architecture.md: 1 check failed, 2 bad usage/input, 3 environment,
 * 70 internal error, 130 interrupted).
 */
export type ExitCode = 0 | 1 | 2 | 3 | 70 | 130;

export const EXIT = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  environment: 3,
  /** Anything that is not a DrillError: a bug in redis-drill (EX_SOFTWARE in sysexits.h). */
  internal: 70,
  interrupted: 130,
} as const satisfies Record<string, ExitCode>;

export abstract class DrillError extends Error {
  abstract readonly exitCode: ExitCode;
  /** What the user can do next; printed under the one-line reason. */
  readonly hint: string | undefined;
  /** Extra lines shown below the hint (e.g. the tail of a node's log). */
  readonly details: string[];

  constructor(message: string, options: { hint?: string; details?: string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** Bad usage or bad input: an unknown node, an impossible option value. */
export class UsageError extends DrillError {
  readonly exitCode = EXIT.usage;
}

/** The environment is not as needed: binary missing, port taken, host unreachable. */
export class EnvironmentError extends DrillError {
  readonly exitCode = EXIT.environment;
}

/** The command ran, but what it checks did not happen (before the deadline). */
export class CheckFailedError extends DrillError {
  readonly exitCode = EXIT.checkFailed;
}

export class InterruptedError extends DrillError {
  readonly exitCode = EXIT.interrupted;
  constructor() {
    super('interrupted');
  }
}

export class PortInUseError extends EnvironmentError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly purpose: 'client' | 'cluster bus',
  ) {
    super(`${purpose} port ${port} on ${host} is already in use`, {
      hint:
        purpose === 'cluster bus'
          ? `Redis Cluster also needs port+10000 (${port}) free; choose another base with --port`
          : `stop whatever listens there (ss -ltnp 'sport = :${port}') or choose another base with --port`,
    });
  }
}

export class BinaryNotFoundError extends EnvironmentError {
  constructor(readonly searched: string[]) {
    super(`redis-server not found (looked for: ${searched.join(', ')})`, {
      hint: 'install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or pass --redis-server PATH',
    });
  }
}

export class NodeStartError extends EnvironmentError {
  constructor(
    readonly address: string,
    reason: string,
    readonly logPath: string,
    logTail: string[],
  ) {
    // The node's directory is removed with the failed cluster, so the log's
    // last lines are shown here rather than its path.
    super(`redis-server ${address} failed to start: ${reason}`, {
      hint:
        logTail.length > 0
          ? 'fix the cause below (from its output and redis.log) and run the command again:'
          : `see its log: ${logPath}`,
      details: logTail,
    });
  }
}

export class DeploymentExistsError extends UsageError {
  constructor(
    readonly cluster: string,
    readonly dir: string,
  ) {
    super(`a deployment named "${cluster}" already exists in ${dir}`, {
      hint: `destroy it first (redis-drill cluster destroy --cluster ${cluster}, or sentinel destroy for a Sentinel deployment), pass --force to replace it, or pick another --cluster NAME`,
    });
  }
}

export class DeploymentNotFoundError extends UsageError {
  constructor(
    readonly cluster: string,
    readonly dir: string,
  ) {
    super(`no cluster named "${cluster}" in ${dir}`, {
      hint: 'create one with: redis-drill cluster create (or attach to a running one with --seed HOST:PORT)',
    });
  }
}

/** A node did not answer in time, refused the connection, or rejected our password. */
export class NodeUnreachableError extends EnvironmentError {
  constructor(
    readonly address: string,
    readonly reason: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(`${address} is unreachable: ${reason}`, {
      hint: 'check that a redis-server runs at that address (redis-drill cluster status), or give it longer with --timeout',
      ...options,
    });
  }
}

export class AuthError extends EnvironmentError {
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`${address}: authentication failed (${reason})`, {
      hint: 'pass the right password with --password or the REDISCLI_AUTH environment variable',
    });
  }
}

/** A wait-until loop ran past its deadline; `lastSeen` says what it saw instead. */
export class DeadlineError extends CheckFailedError {
  constructor(
    readonly what: string,
    readonly deadlineMs: number,
    readonly lastSeen: string,
  ) {
    super(`${what} did not happen within ${deadlineMs} ms`, { details: [`last seen: ${lastSeen}`] });
  }
}

export function isDrillError(e: unknown): e is DrillError {
  return e instanceof DrillError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
