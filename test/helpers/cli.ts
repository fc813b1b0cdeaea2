import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResultPromise, execa } from 'execa';
import { inject } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/redis-drill.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A fresh state directory for one test, under the suite's root (checked for leaks at the end). */
export async function stateDir(): Promise<string> {
  return mkdtemp(path.join(inject('testRoot'), 'state-'));
}

export interface RunOptions {
  stateDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Starts the real CLI, as a user would run it (not awaited). */
export function spawnCli(args: string[], o: RunOptions): ResultPromise {
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    timeout: o.timeoutMs ?? 90_000,
    env: { REDIS_DRILL_HOME: o.stateDir, NO_COLOR: '1', ...o.env },
    stdin: 'ignore',
  });
}

/** Runs the real CLI and waits for it. */
export async function runCli(args: string[], o: RunOptions): Promise<CliResult> {
  const t0 = performance.now();
  const r = await spawnCli(args, o);
  return {
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    durationMs: performance.now() - t0,
  };
}

/** Runs the CLI with --json and parses stdout (failing loudly with stderr when it is not JSON). */
export async function runJson<T = any>(args: string[], o: RunOptions): Promise<{ result: CliResult; json: T }> {
  // --json first: args may end with "-- KEY..." where nothing after is an option.
  const result = await runCli(['--json', ...args], o);
  try {
    return { result, json: JSON.parse(result.stdout) as T };
  } catch {
    throw new Error(`not JSON (exit ${result.exitCode}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}
