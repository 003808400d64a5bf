import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { changedLines, type ChangedLines } from '../check/index.js';
import { FileError, UsageError } from '../errors.js';

/**
 * Where `auxbus check` reads from besides files: standard input (`-`), a patch or a git range
 * (`--diff`), and where a SARIF log's locations are relative to (the repository's top level).
 */

/**
 * Reads all of standard input as text.
 * @example const c = await readStdin(process.stdin);
 */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

function git(args: string[], cwd: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? r.error?.message ?? '').trim() };
}

/**
 * The top level of the git work tree around `cwd`, or null outside one (or without git).
 * @example gitTopLevel(process.cwd()) // '/src/linux' or null
 */
export function gitTopLevel(cwd: string): string | null {
  const r = git(['rev-parse', '--show-toplevel'], cwd);
  return r.ok ? r.out.trim() : null;
}

/**
 * What a `--diff` argument changes, with file names resolved from the current directory: `-`
 * is a patch on standard input, an existing file is a patch, anything else a git range (or
 * revision) whose `git diff` is taken in the repository around the current directory.
 * @example const changed = await readDiff('HEAD~1..HEAD', process.cwd(), process.stdin);
 */
export async function readDiff(spec: string, cwd: string, stdin: NodeJS.ReadableStream): Promise<ChangedLines> {
  let text: string;
  let base = cwd;
  if (spec === '-') text = await readStdin(stdin);
  else if (existsSync(spec)) {
    try {
      text = readFileSync(spec, 'utf8');
    } catch (e) {
      throw new FileError(spec, 'read', (e as Error).message);
    }
  } else {
    const top = gitTopLevel(cwd);
    if (top === null) throw new UsageError(`--diff ${spec}: not a file, and not in a git repository to read a range from; expected a patch file, - for a patch on standard input, or a git range such as HEAD~1..HEAD`, 'auxbus check --help');
    const r = git(['diff', '--no-color', '--no-ext-diff', '-U0', spec, '--'], top);
    if (!r.ok) throw new UsageError(`--diff ${spec}: git diff failed: ${r.err.split('\n')[0]}; expected a patch file, -, or a git range such as HEAD~1..HEAD`, 'auxbus check --help');
    text = r.out;
    base = top;
  }
  const changed = changedLines(text);
  // A patch names files as git does, from its top level: resolved here, they are found from
  // wherever the check runs (a patch file is taken relative to the current directory).
  return new Map([...changed].map(([file, lines]) => [resolve(base, file), lines]));
}
