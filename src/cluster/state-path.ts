import path from 'node:path';
import { UsageError } from '../errors.js';

// Where a deployment's files are. Apart from the state file's schema, so a
// command can find out whether a deployment exists without loading it.

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function validateClusterName(name: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(`bad cluster name "${name}"`, {
      hint: 'use letters, digits, "-", "_" or "." (at most 64), e.g. --cluster lab1',
    });
  }
  return name;
}

export function clusterDir(stateDir: string, name: string): string {
  return path.resolve(stateDir, validateClusterName(name));
}

export function statePath(stateDir: string, name: string): string {
  return path.join(clusterDir(stateDir, name), 'cluster.json');
}

export function nodeDir(stateDir: string, name: string, bind: string, port: number): string {
  return path.join(clusterDir(stateDir, name), 'nodes', `${bind}-${port}`);
}
