import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { MakeDirError, makeDirs } from '../util/fs.js';
import type { DrillReport } from './model.js';

export const FORMATS = ['md', 'json', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormats(text: string): Format[] {
  const list = text
    .split(',')
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean);
  const bad = list.find((f) => !(FORMATS as readonly string[]).includes(f));
  if (bad || list.length === 0)
    throw new UsageError(`bad --format "${text}"`, { hint: `use any of ${FORMATS.join(',')}` });
  return [...new Set(list)] as Format[];
}

/** The default output directory: ./reports/<UTC timestamp>-<cluster>/. */
export function defaultOutDir(cluster: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return path.resolve('reports', `${stamp}-${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
}

/** Writes the chosen formats (each file via a temp name + rename: never half-written). */
export async function writeReport(report: DrillReport, dir: string, formats: readonly Format[]): Promise<string[]> {
  const { renderMarkdown } = await import('./markdown.js');
  const { renderHtml } = await import('./html.js');
  return writeTexts(
    dir,
    formats.map((f) => [
      `report.${f}`,
      f === 'json' ? JSON.stringify(report, null, 2) + '\n' : f === 'md' ? renderMarkdown(report) : renderHtml(report),
    ]),
  );
}

/** Writes files into the report's directory, each via a temp name + rename. */
export async function writeTexts(dir: string, files: readonly (readonly [string, string])[]): Promise<string[]> {
  await prepareOutDir(dir);
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    try {
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    } catch (e) {
      throw new EnvironmentError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        hint: 'choose another place with --out DIR',
        cause: e,
      });
    }
    written.push(file);
  }
  return written;
}

/**
 * Makes the report's directory. Called before a drill starts too, so a bad
 * --out is found before anything is broken, not after the drill ran.
 */
export async function prepareOutDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir, 0o755);
  } catch (e) {
    if (!(e instanceof MakeDirError)) throw e;
    throw new EnvironmentError(`cannot write the report to ${dir}: ${e.message}`, {
      hint: 'choose a writable place with --out DIR',
    });
  }
}
