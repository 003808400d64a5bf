import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p DIR`, one level at a time: the levels that do not exist yet are made from the top
 * down, and the first that cannot be made fails with its own error (ENOENT, ENOTDIR, EACCES, ...).
 * Node's `mkdir(dir, { recursive: true })` never returns for some paths (under `/proc` it retries
 * forever, Node 20), which made `auxbus diagram --out /proc/x` hang instead of failing.
 * @example await makeDirectory('out/diagrams') // creates out/ and out/diagrams/ if needed
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const found = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (found !== undefined) {
      if (!found.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: d });
      break;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await mkdir(d).catch((e: NodeJS.ErrnoException) => {
      // Made meanwhile by someone else: as good as made here.
      if (e.code !== 'EEXIST') throw e;
    });
  }
}
