import { renameSync, writeFileSync } from 'node:fs';
import { FileError } from './errors.js';

/**
 * Writes a file whole or not at all: a temporary file beside it, renamed over it, so a reader (or
 * a build that stops half-way) never sees half a report. Throws FileError.
 * @example writeFileWhole('auxbus.sarif', JSON.stringify(sarif))
 */
export function writeFileWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    throw new FileError(path, 'write', (e as Error).message);
  }
}
