import { lstatSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { asText, AuxbusError, ParameterError, requireInt, requireObject } from '../../machines/index.js';
import { type CheckSourceOptions, type FileCheck } from './check.js';
import { checkFile } from './file-check.js';
import { LinkedFiles } from './link.js';
import { checkInPool, workerScript } from './pool.js';
import type { CheckResult } from './report.js';
import { requirePositiveLimit } from './source.js';

/**
 * Checking files and directories: directories are walked for `.c` and `.h` files (symbolic links
 * are not followed, so a link loop cannot trap the walk), files named on the command line are
 * checked whatever their name. A file whose bytes do not name the auxiliary-bus API is skipped
 * by the pre-filter (file-check.ts); every other ends with findings or a "not analysed" reason.
 * The files are checked in worker threads (`jobs`) or in this one; the result is the same.
 */

/** A path given to check does not exist or cannot be read as a file or directory. */
export class CheckPathError extends AuxbusError {
  constructor(readonly path: string, reason: string) {
    super('check-path', `${asText(path)}: ${asText(reason)}; expected a C file or a directory`);
  }
}

/** The most worker threads {@link checkPaths} takes (`jobs`). */
export const MAX_CHECK_JOBS = 256;

/**
 * Fewer files than this are checked in the calling thread whatever `jobs` says: a worker thread
 * takes about half a second to start (it loads the checker and the grammar), as long as checking
 * one or two driver files.
 */
export const MIN_POOL_FILES = 8;

/** Options of {@link checkPaths}. */
export interface CheckPathsOptions extends CheckSourceOptions {
  /** Called after each file, in the order of the files, e.g. for a progress line. */
  onFile?: (file: string, done: number) => void;
  /**
   * Called with each file's own check, in the order of the files whatever `jobs` is (e.g. for a
   * table per file); before `onFile` for the same file.
   */
  onFileCheck?: (file: string, check: FileCheck) => void;
  /**
   * Threads that check files (default: `os.availableParallelism()`, at most
   * {@link MAX_CHECK_JOBS}): 1 checks in this thread; more hands the files out in chunks to as
   * many worker threads (never more than there are files; none for fewer than
   * {@link MIN_POOL_FILES} files). The result is the same either way.
   */
  jobs?: number;
}

/** What checking some paths gave: the result and how much was done. */
export interface CheckRun extends CheckResult {
  /** Files that mention the auxiliary-bus API (the rest the pre-filter skipped). */
  relevantFiles: number;
  /** Paths run over every function. */
  paths: number;
  /** What the analysed functions assumed, over every file. */
  assumptions: NonNullable<CheckResult['assumptions']>;
}

/**
 * Checks files and directories (recursively, `.c` and `.h`). Throws {@link CheckPathError} when a
 * given path does not exist, before checking anything.
 * @example
 * const r = await checkPaths(['drivers/foo/'], { jobs: 4 });
 * console.log(formatGcc(r));
 */
export async function checkPaths(paths: readonly string[], options: CheckPathsOptions = {}): Promise<CheckRun> {
  requireObject('paths', paths, 'a non-empty array of file or directory paths');
  requireObject('options', options, 'an object { maxPaths?, maxSteps?, jobs?, onFile?, onFileCheck?, ... }');
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new ParameterError('paths', paths, 'a non-empty array of file or directory paths');
  }
  if (options.onFile !== undefined && typeof options.onFile !== 'function') throw new ParameterError('onFile', options.onFile, 'a function (file, done) => void');
  if (options.onFileCheck !== undefined && typeof options.onFileCheck !== 'function') throw new ParameterError('onFileCheck', options.onFileCheck, 'a function (file, check) => void');
  const jobs = requireInt('jobs', options.jobs ?? Math.min(availableParallelism(), MAX_CHECK_JOBS), 1, MAX_CHECK_JOBS);
  // Checked here, before any thread starts, as checkSource would check them on each file.
  const checkOptions: CheckSourceOptions = {};
  if (options.maxPaths !== undefined) checkOptions.maxPaths = requireInt('maxPaths', options.maxPaths, 1, 1_000_000);
  if (options.maxSteps !== undefined) checkOptions.maxSteps = requireInt('maxSteps', options.maxSteps, 1, 2 ** 31 - 1);
  if (options.parseTimeoutMs !== undefined) checkOptions.parseTimeoutMs = requirePositiveLimit('parseTimeoutMs', options.parseTimeoutMs);
  const files = listFiles(paths);
  const result: CheckRun = { files: 0, functions: 0, findings: [], notAnalysed: [], assumptions: [], relevantFiles: 0, paths: 0 };
  const take = (file: string, r: FileCheck): void => {
    addFileCheck(result, r);
    options.onFileCheck?.(file, r);
    options.onFile?.(file, result.files);
  };
  const siblings = siblingsOf(files);
  const threads = files.length < MIN_POOL_FILES ? 1 : Math.min(jobs, files.length);
  const script = threads > 1 ? workerScript() : null;
  if (script === null) {
    const linked = new LinkedFiles();
    for (const [i, file] of files.entries()) take(file, await checkFile(file, checkOptions, { siblings: siblings[i]!, self: file, files: linked }));
  } else {
    await checkInPool(script, files, siblings, checkOptions, threads, (i, r) => take(files[i]!, r));
  }
  return result;
}

/**
 * For each file, the other `.c` files of the list in the same directory: what its calls may
 * resolve to (linked.ts). A file given alone has none; a directory's files have each other.
 * @example siblingsOf(['d/a.c', 'd/b.c', 'd/x.h', 'e/c.c']) // [['d/b.c'], ['d/a.c'], ['d/a.c', 'd/b.c'], []]
 */
export function siblingsOf(files: readonly string[]): string[][] {
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    if (!f.endsWith('.c')) continue;
    const d = dirname(f);
    const list = byDir.get(d);
    if (list) list.push(f);
    else byDir.set(d, [f]);
  }
  return files.map((f) => (byDir.get(dirname(f)) ?? []).filter((s) => s !== f));
}

/**
 * The files {@link checkPaths} checks for `paths`: each file as given, each directory's `.c` and
 * `.h` files below it in name order (symbolic links not followed). Throws {@link CheckPathError}
 * for a path that does not exist.
 * @example listCheckFiles(['drivers/base/']) // ['drivers/base/auxiliary.c', ...]
 */
export function listCheckFiles(paths: readonly string[]): string[] {
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new ParameterError('paths', paths, 'an array of file or directory paths');
  }
  return listFiles(paths);
}

function listFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = lstatSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CheckPathError(p, code === 'ENOENT' ? 'no such file or directory' : (e as Error).message);
    }
    if (st.isDirectory()) walk(p, files);
    else files.push(p);
  }
  return files;
}

// Blocking reads of the directories: over the kernel's 5,000 folders, a trip through the event
// loop per folder is most of the walk's time.
function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && (e.name.endsWith('.c') || e.name.endsWith('.h'))) out.push(p);
  }
}

/**
 * Adds one file's check to a run's totals (the files of a directory, standard input).
 * @example addFileCheck(run, await checkSource(text, '<stdin>'))
 */
export function addFileCheck(result: CheckRun, r: FileCheck): void {
  result.files++;
  if (r.relevant) result.relevantFiles++;
  result.functions += r.functions;
  result.paths += r.paths;
  result.findings.push(...r.findings);
  result.notAnalysed.push(...r.notAnalysed);
  result.assumptions.push(...r.assumptions);
}
