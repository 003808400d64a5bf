import { describe, expect, it } from 'vitest';
import { changedLines, touches, type CheckFinding } from '../../src/check/index.js';

/** `auxbus check --diff`: the lines a unified diff changes, and which findings it touches. */

const PATCH = [
  'diff --git a/drivers/foo/aux.c b/drivers/foo/aux.c',
  'index 1111111..2222222 100644',
  '--- a/drivers/foo/aux.c',
  '+++ b/drivers/foo/aux.c',
  '@@ -10,4 +10,5 @@ static int foo_probe(void)',
  ' \tint ret;',
  '-\tret = bar();',
  '+\tret = baz();',
  '+\tif (ret)',
  ' \t\treturn ret;',
  '@@ -40,3 +41,0 @@',
  '-\tkfree(x);',
  '-\tkfree(y);',
  '-\tkfree(z);',
  'diff --git a/old.c b/old.c',
  'deleted file mode 100644',
  '--- a/old.c',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-int x;',
  '',
].join('\n');

describe('changedLines', () => {
  it('added lines at their new numbers, a removal at the line it was removed before, a deleted file left out', () => {
    const c = changedLines(PATCH);
    expect([...c.keys()]).toEqual(['drivers/foo/aux.c']);
    expect([...c.get('drivers/foo/aux.c')!].sort((a, b) => a - b)).toEqual([11, 12, 41]);
  });
});

describe('touches', () => {
  const finding = (start: number, end: number, line: number): CheckFinding => ({
    code: 'double-free', function: 'f', message: 'm', at: { file: 'a.c', line, column: 1 }, functionLines: { start, end },
    steps: [{ file: 'a.c', line: 90, column: 1, text: 'in a helper' }],
  });
  it('a change inside the function, or on a line of the finding\'s path, touches it; elsewhere it does not', () => {
    expect(touches(finding(10, 20, 15), new Set([12]))).toBe(true);
    expect(touches(finding(10, 20, 15), new Set([90]))).toBe(true);
    expect(touches(finding(10, 20, 15), new Set([21, 50]))).toBe(false);
  });
});
