import { ParameterError, requireObject } from '../../machines/index.js';
import { requireFinding, type CheckFinding } from './report.js';

/**
 * Patches for `auxbus check --diff`: which lines of which files a unified diff changes, and
 * whether a finding is in code the change touches. A finding counts when the change touches its
 * function (any line of it) or any line on its path (the failing call, the steps, the offending
 * call, which may be in a helper the function calls).
 */

/**
 * Per file (the new name, without git's `b/`): the new file's lines the patch adds or removes around.
 * @example const c: ChangedLines = new Map([['drivers/foo.c', new Set([12, 13])]]);
 */
export type ChangedLines = Map<string, Set<number>>;

/**
 * Reads a unified diff (`diff -u`, `git diff`, `git format-patch`). An added line counts at its
 * new number; a removed line at the new line it was removed before, so a deletion touches the
 * function it was in. A deleted file is left out (nothing of it remains to check).
 * @example changedLines('--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,2 @@\n a\n+b\n').get('x.c') // Set { 2 }
 */
export function changedLines(diff: string): ChangedLines {
  if (typeof diff !== 'string') throw new ParameterError('diff', diff, 'the text of a unified diff');
  const out: ChangedLines = new Map();
  let file: string | null = null;
  let line = 0;
  for (const raw of diff.split('\n')) {
    const text = raw.replace(/\r$/, '');
    if (text.startsWith('+++ ')) {
      const name = text.slice(4).split('\t')[0]!.trim();
      file = name === '/dev/null' ? null : name.replace(/^b\//, '');
      if (file !== null && !out.has(file)) out.set(file, new Set());
      continue;
    }
    if (text.startsWith('--- ') || text.startsWith('diff ') || text.startsWith('index ')) continue;
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(text);
    if (hunk) {
      line = Number(hunk[1]);
      // A hunk that only removes lines (+N,0) removed them after line N.
      if (hunk[2] === '0' && file !== null) out.get(file)!.add(Math.max(line, 1));
      continue;
    }
    if (file === null || line === 0) continue;
    if (text.startsWith('+')) out.get(file)!.add(line++);
    else if (text.startsWith('-')) out.get(file)!.add(line);
    else if (text.startsWith(' ') || text === '') line++;
  }
  return out;
}

/**
 * Whether a change touches a finding: its function's lines or a line on its path. Throws
 * ParameterError unless `f` is a check finding and `lines` a set of line numbers.
 * @example touches(finding, new Set([42]))
 */
export function touches(f: CheckFinding, lines: ReadonlySet<number>): boolean {
  requireFinding('touches(finding)', f);
  const set = requireObject('touches(lines)', lines, 'a set of line numbers (changedLines(diff).get(file))') as Record<string | symbol, unknown>;
  if (typeof set.has !== 'function' || !Number.isSafeInteger(set.size) || typeof set[Symbol.iterator] !== 'function') {
    throw new ParameterError('touches(lines)', lines, 'a set of line numbers (changedLines(diff).get(file))');
  }
  if (f.functionLines) {
    const { start, end } = f.functionLines;
    // The smaller side is walked: a function of many lines against a few changed ones, or the reverse.
    if (end - start < lines.size) {
      for (let l = start; l <= end; l++) if (lines.has(l)) return true;
    } else {
      for (const l of lines) if (l >= start && l <= end) return true;
    }
  }
  const path = [f.at, ...(f.failing ? [f.failing] : []), ...(f.steps ?? [])];
  return path.some((p) => lines.has(p.line));
}
