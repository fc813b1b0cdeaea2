import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * A text file's content; a missing or unreadable file is a usage error
 * (exit 2) saying which, and so is a file that is not text (a NUL byte, or
 * bytes that are not UTF-8): one line, not the bytes themselves.
 */
export async function readTextFile(file: string, what: string, hint: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what}${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`,
      { hint },
    );
  }
  const text = textOf(bytes);
  if (text === null)
    throw new UsageError(`cannot read ${what}${file}: not a text file (it has bytes that are not UTF-8 text)`, {
      hint,
    });
  return text;
}

/** UTF-8 text without NUL bytes, or null. Pure. */
export function textOf(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
