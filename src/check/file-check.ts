import { ParameterError } from '../../machines/index.js';
import { readRegularFileSync } from '../regular-file.js';
import { checkSource, type CheckSourceOptions, type FileCheck } from './check.js';
import type { Link } from './link.js';
import { mentionsAuxApi } from './prefilter.js';
import { DEFAULT_MAX_SOURCE_BYTES, sourceFromBytes } from './source.js';

/**
 * One file of `auxbus check FILE|DIR`, in this thread or in a worker of the pool: read it, ask the
 * pre-filter, and only when its bytes name the auxiliary-bus API classify it (empty, binary, too
 * large, not UTF-8) and check it. A file that does not name the API cannot hold a function the
 * checker runs (the pre-filter never drops one that calls it), so it is skipped whatever it is:
 * an empty file, a binary blob or a 20 MB register header is not "not analysed", it is not about
 * the bus. What is reported as not analysed is therefore always something that may hide
 * auxiliary-bus code.
 */

/**
 * The most bytes read of one file to ask the pre-filter (64 MiB). A file over the checker's own
 * limit ({@link DEFAULT_MAX_SOURCE_BYTES}) is read this far only to learn whether it names the
 * API (the kernel's largest generated register headers have 24 MB); one that does is then "not
 * analysed: too-large", one larger than this is "not analysed: too-large" unread.
 */
export const MAX_PREFILTER_BYTES = 64 * 1024 * 1024;

/** What a file that does not name the API gives. */
function skipped(): FileCheck {
  return { relevant: false, functions: 0, paths: 0, findings: [], notAnalysed: [], assumptions: [] };
}

/**
 * Checks C given as bytes (or text) under the name `file`, the pre-filter first: see the module
 * comment. `link`: the other files given with it, whose functions its calls may resolve to
 * (linked.ts). An error inside the checker (a bug) becomes a "not analysed: internal error" entry of
 * this file rather than ending the whole run; a bad option rejects with ParameterError.
 * @example await checkBytes(readFileSync('foo.c'), 'foo.c', {})
 */
export async function checkBytes(bytes: Uint8Array | string, file: string, options: CheckSourceOptions, link?: Link): Promise<FileCheck> {
  if (!mentionsAuxApi(bytes)) return skipped();
  const source = sourceFromBytes(bytes, { path: file });
  const r = await checkSource(source, file, options, link).catch((e: unknown) => {
    if (e instanceof ParameterError) throw e;
    return { ...skipped(), notAnalysed: [{ file, reason: `internal error: ${e instanceof Error ? e.message : String(e)}` }] };
  });
  // A binary or too large file that names the API is about the bus: not analysed, and counted.
  return { ...r, relevant: true };
}

/**
 * Reads and checks one file (see {@link checkBytes}). A file that cannot be read at all (a FIFO, a
 * permission denied, over {@link MAX_PREFILTER_BYTES}) is "not analysed" with the reason: what it
 * holds is not known.
 * @example await checkFile('drivers/foo/foo.c', { maxPaths: 500 })
 */
export async function checkFile(file: string, options: CheckSourceOptions, link?: Link): Promise<FileCheck> {
  const read = readRegularFileSync(file, MAX_PREFILTER_BYTES);
  if (read.kind === 'bytes') return checkBytes(read.bytes, file, options, link);
  const reason = read.reason === 'too-large'
    ? `too-large: the file ${read.detail.replace(/^it /, '')} (read only to ask the pre-filter; the checker's limit is ${DEFAULT_MAX_SOURCE_BYTES})`
    : `unreadable: cannot read ${file}: ${read.detail}`;
  return { ...skipped(), notAnalysed: [{ file, reason }] };
}
