import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeploymentNotFoundError, EnvironmentError, UsageError } from '../errors.js';
import { MakeDirError, fsReason, makeDirs } from '../util/fs.js';
import type { DeploymentState, NodeRecord } from './state-schema.js';
import { statePath } from './state-path.js';

export { clusterDir, nodeDir, statePath, validateClusterName } from './state-path.js';
export type { DeploymentState, NodeRecord, PartitionRecord, RemoteHost, SentinelRecord } from './state-schema.js';

/** Every process of a deployment: its data nodes, and (Sentinel) its sentinels. */
export function allNodes(state: Pick<DeploymentState, 'nodes' | 'sentinel'>): NodeRecord[] {
  return [...state.nodes, ...(state.sentinel?.nodes ?? [])];
}

/** Reads and validates the state file; a missing one means no such cluster. */
export async function readState(stateDir: string, name: string): Promise<DeploymentState> {
  const file = statePath(stateDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DeploymentNotFoundError(name, path.resolve(stateDir));
    throw new EnvironmentError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`, {
      hint: `remove the cluster with: redis-drill cluster destroy --cluster ${name}`,
    });
  }
  const { stateSchema } = await import('./state-schema.js');
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`, {
      hint: `the state file was changed by hand or by another version; remove the cluster with: redis-drill cluster destroy --cluster ${name}`,
    });
  }
  return parsed.data;
}

/** Writes the state file atomically (temp file + rename), mode 0600: it may hold a password. */
export async function writeState(stateDir: string, state: DeploymentState): Promise<void> {
  const file = statePath(stateDir, state.name);
  await ensureDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new EnvironmentError(`cannot write the state file ${file}: ${fsReason(code)}${code ? ` (${code})` : ''}`, {
      hint: 'is the state directory writable, with space left, and not a mount point? (--state-dir DIR, or REDIS_DRILL_HOME)',
    });
  }
}

/** Creates a directory, turning permission problems into an error the user can act on. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir);
  } catch (e) {
    if (!(e instanceof MakeDirError)) throw e;
    throw new EnvironmentError(e.message, {
      hint: 'choose a writable place with --state-dir DIR (or REDIS_DRILL_HOME)',
    });
  }
}

/** `cluster kill-master` on a Sentinel deployment (or the other way round) is a usage error that names the right command. */
export function checkKind(
  state: Pick<DeploymentState, 'kind' | 'name'>,
  expect: 'cluster' | 'sentinel' | undefined,
): void {
  if (!expect || state.kind === expect) return;
  const what = state.kind === 'sentinel' ? 'a Sentinel deployment' : 'a Redis Cluster';
  throw new UsageError(
    `"${state.name}" is ${what}, not a ${expect === 'sentinel' ? 'Sentinel deployment' : 'Redis Cluster'}`,
    {
      hint: `use the ${state.kind} commands for it: redis-drill ${state.kind} ... --cluster ${state.name}`,
    },
  );
}

/** What kind of deployment a name stands for (a cluster when there is none yet, or with --seed). */
export async function deploymentKind(stateDir: string, name: string): Promise<'cluster' | 'sentinel'> {
  try {
    return (await readState(stateDir, name)).kind;
  } catch (e) {
    // No deployment of that name (yet): the command's own error says so later, with its hint.
    if (e instanceof DeploymentNotFoundError) return 'cluster';
    throw e;
  }
}
