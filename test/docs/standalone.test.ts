import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIOLATIONS, VIOLATION_CODES } from '../../machines/index.js';

/**
 * The project stands alone: the kernel facts and the model contract it cites are its own
 * documents (docs/), every section the violation table cites exists there, and no tracked file
 * points outside the repository or at a development machine.
 */

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('self-contained documentation', () => {
  const facts = read('docs/kernel-auxbus.md');
  const contract = read('docs/model.md');
  /** Section numbers that have a heading in the facts document: "3", "3.2", ... */
  const sections = new Set([...facts.matchAll(/^#{2,3} (\d+(?:\.\d+)?)[. ]/gm)].map((m) => m[1]!));

  it('every § and model.md rule the violation table cites is a heading of docs/kernel-auxbus.md or a rule of docs/model.md', () => {
    expect(sections.size).toBeGreaterThan(30);
    for (const code of VIOLATION_CODES) {
      const cited = VIOLATIONS[code].section;
      for (const m of cited.replace(/model\.md §[\d.]+/g, '').matchAll(/§(\d+(?:\.\d+)?)/g)) {
        expect(sections.has(m[1]!), `${code}: §${m[1]} in "${cited}"`).toBe(true);
      }
      for (const m of cited.matchAll(/model\.md §4\.(\d)/g)) {
        expect(contract, `${code}: model.md §4.${m[1]}`).toMatch(new RegExp(`^${m[1]}\\. \\*\\*`, 'm'));
      }
    }
  });

  it('§5 of the facts has a row for every bug class B1..B19 the codes use', () => {
    const classes = new Set(VIOLATION_CODES.map((c) => VIOLATIONS[c].bugClass));
    const table = facts.slice(facts.indexOf('## 5.'), facts.indexOf('## 6.'));
    for (const b of classes) expect(table, b).toMatch(new RegExp(`^\\| ${b} \\|`, 'm'));
    // model.md §3 lists every code with its class.
    for (const code of VIOLATION_CODES) expect(contract, code).toContain(`| \`${code}\` | ${VIOLATIONS[code].bugClass}`);
  });

  it('no tracked file cites a folder outside the repository or a development machine path', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n')
      .filter((f) => f !== '' && !f.startsWith('.ci/') && f !== 'test/docs/standalone.test.ts');
    const bad: string[] = [];
    for (const f of files) {
      let text: string;
      try {
        text = read(f);
      } catch {
        continue; // a tracked file removed in the working tree
      }
      if (/\.\.\/shared\/|\/work\/|\/home\/[a-z]/.test(text)) bad.push(f);
    }
    expect(bad).toEqual([]);
  });
});
