import { ParameterError } from '../../machines/index.js';

/**
 * What the checker is told about the files given with a checked one (linked.ts links them): the
 * other `.c` files of its folder, and a cache for the run. Kept apart from the linking itself so
 * that the public types (checkSource's) do not name the parser's.
 */

/**
 * What one run has read of the files given together, shared by every file checked in one thread
 * of the run (checkPaths makes one per run and per worker thread): anything computed once per
 * file or per folder is kept here by a kind and a key.
 * @example const files = new LinkedFiles(); await checkFile('drivers/foo/a.c', {}, { siblings: ['drivers/foo/b.c'], files });
 */
export class LinkedFiles {
  private readonly memos = new Map<string, unknown>();

  /**
   * What `make` gives for `kind` and `key`, made once per run.
   * @example files.memo('scope', 'drivers/foo/b.c', () => scan('drivers/foo/b.c'))
   */
  memo<T>(kind: string, key: string, make: () => T): T {
    const at = `${kind}\0${key}`;
    if (this.memos.has(at)) return this.memos.get(at) as T;
    const v = make();
    this.memos.set(at, v);
    return v;
  }
}

/** The other files a checked file is given with, and what the run has read of them. */
export interface Link {
  /** The other `.c` files given from the checked file's directory. */
  siblings: readonly string[];
  /** The checked file's own path, when it is a file (its functions may be called by the others'). */
  self?: string;
  files: LinkedFiles;
}

/**
 * Validates a {@link Link} handed to the checker.
 * @example requireLink({ siblings: ['b.c'], files: new LinkedFiles() })
 */
export function requireLink(link: unknown): Link {
  const l = link as Partial<Link> | null;
  if (typeof l !== 'object' || l === null || !Array.isArray(l.siblings) || l.siblings.some((s) => typeof s !== 'string' || s === '')
    || (l.self !== undefined && (typeof l.self !== 'string' || l.self === '')) || !(l.files instanceof LinkedFiles)) {
    throw new ParameterError('link', link, 'an object { siblings: file paths, self?: the checked file\'s path, files: LinkedFiles }');
  }
  return l as Link;
}
