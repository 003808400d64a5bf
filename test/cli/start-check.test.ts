import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colors } from '../../src/cli/output.js';
import { checkSummary } from '../../src/cli/start-check.js';

describe('npm start: the bundled C corpus checked', () => {
  it('every buggy file of the corpus is flagged and every correct one is clean, nothing left unanalysed; one finding shown as gcc prints it', async () => {
    const files = readdirSync(join(import.meta.dirname, '../fixtures/check/corpus')).filter((f) => f.endsWith('.c'));
    const bad = files.filter((f) => f.includes('-bad-')).length;
    const { text } = await checkSummary(colors({ isTTY: false }, {}));
    expect(text).toMatch(new RegExp(`^  ${files.length} files, \\d+ functions, \\d+ paths: \\d+ findings in ${bad} files, ${files.length - bad} files clean, 0 not analysed$`, 'm'));
    expect(text).toMatch(/^ +\d+ {2}double-free \(B4\)$/m);
    expect(text).toMatch(/^ {4}double-free-bad-1\.c:52:17: warning: double-free of an allocation \[CWE-415\] \[auxbus-double-free\]$/m);
  });
});
