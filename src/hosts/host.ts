import type { ChunkListener, FollowedFile } from './file-stream.js';

/**
 * Where redis-server processes run. Local processes and SSH hosts
 * implement the same interface, so nodes and the cluster code never care which.
 */
export type Signal = 'KILL' | 'TERM' | 'STOP' | 'CONT';

/** `frozen` is a SIGSTOPped process; a zombie counts as `gone`. */
export type ProcessState = 'running' | 'frozen' | 'gone';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** How far a host's clock (as its logs write it) is ahead of this machine's. */
export interface ClockOffset {
  offsetMs: number;
  /** Half the round trip of the measurement: the offset is right to within this. */
  uncertaintyMs: number;
}

export interface Host {
  /** How the user names this host in messages: "local" or "user@address". */
  readonly name: string;
  /** True when every call is a network round trip (SSH): callers poll files less often. */
  readonly remote: boolean;
  /** Runs a program; `input` is written to its stdin (nothing secret ever goes on a command line). */
  exec(file: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** The first of `names` found on PATH (or as given, if it contains a slash), or null. */
  which(names: readonly string[]): Promise<string | null>;
  /** Writes atomically (temp file + rename) with the given mode, creating missing parent directories (mode 0700). */
  writeFile(path: string, content: string, mode?: number): Promise<void>;
  /** The file's text, or null when it does not exist. */
  readFile(path: string): Promise<string | null>;
  /** What a file holds from byte `offset` on, and its size now (follows a growing log). */
  readFrom(path: string, offset: number): Promise<{ text: string; size: number }>;
  /**
   * Follows files as they grow, over one long-running reader (SSH: one
   * channel per call, instead of a round trip per read). Absent where
   * reading on demand is cheap (this machine).
   */
  follow?(files: readonly FollowedFile[], onChunk: ChunkListener): Promise<Stream>;
  /** The last `maxBytes` of a file ('' when it does not exist). */
  readTail(path: string, maxBytes: number): Promise<string>;
  remove(path: string): Promise<void>;
  /**
   * The state of process `pid`. When `markers` are given the process's command
   * line must contain one of them (e.g. ":7000"), so a recycled pid is never
   * mistaken for our node.
   */
  processState(pid: number, markers?: readonly string[]): Promise<ProcessState>;
  signal(pid: number, signal: Signal): Promise<void>;
  /** See ClockOffset; 0 for this machine. Log times are moved onto our clock with it. */
  clockOffset(): Promise<ClockOffset>;
  dispose(): Promise<void>;
}

/** A running follower (see Host.follow). */
export interface Stream {
  /** False once it ended or has been silent too long: read on demand then. */
  live(): boolean;
  close(): void;
}
