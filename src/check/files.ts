import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asText, AuxbusError, ParameterError, requireObject } from '../../machines/index.js';
import { checkSource, type CheckSourceOptions, type FileCheck } from './check.js';
import type { CheckResult } from './report.js';
import { readSource } from './source.js';

/**
 * Checking files and directories: directories are walked for `.c` and `.h` files (symbolic links
 * are not followed, so a link loop cannot trap the walk), files named on the command line are
 * checked whatever their name, and every file ends with findings or a "not analysed" reason.
 */

/** A path given to check does not exist or cannot be read as a file or directory. */
export class CheckPathError extends AuxbusError {
  constructor(readonly path: string, reason: string) {
    super('check-path', `${asText(path)}: ${asText(reason)}; expected a C file or a directory`);
  }
}

/** Options of {@link checkPaths}. */
export interface CheckPathsOptions extends CheckSourceOptions {
  /** Called after each file, e.g. for a progress line. */
  onFile?: (file: string, done: number) => void;
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
 * const r = await checkPaths(['drivers/foo/']);
 * console.log(formatGcc(r));
 */
export async function checkPaths(paths: readonly string[], options: CheckPathsOptions = {}): Promise<CheckRun> {
  requireObject('paths', paths, 'a non-empty array of file or directory paths');
  requireObject('options', options, 'an object { maxPaths?, onFile?, ... }');
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new ParameterError('paths', paths, 'a non-empty array of file or directory paths');
  }
  if (options.onFile !== undefined && typeof options.onFile !== 'function') throw new ParameterError('onFile', options.onFile, 'a function (file, done) => void');
  const files: string[] = [];
  for (const p of paths) {
    const st = await lstat(p).catch((e: NodeJS.ErrnoException) => {
      throw new CheckPathError(p, e.code === 'ENOENT' ? 'no such file or directory' : e.message);
    });
    if (st.isDirectory()) await walk(p, files);
    else files.push(p);
  }
  const result: CheckRun = { files: 0, functions: 0, findings: [], notAnalysed: [], assumptions: [], relevantFiles: 0, paths: 0 };
  for (const file of files) {
    const source = await readSource(file);
    const r = await checkSource(source, file, options).catch((e: unknown) => {
      if (e instanceof ParameterError) throw e;
      return { relevant: true, functions: 0, paths: 0, findings: [], notAnalysed: [{ file, reason: `internal error: ${e instanceof Error ? e.message : String(e)}` }], assumptions: [] };
    });
    addFileCheck(result, r);
    options.onFile?.(file, result.files);
  }
  return result;
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
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
