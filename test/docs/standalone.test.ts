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

/** A folder beside the repository that a user of the package does not have. */
const OUTSIDE = /\.\.\/shared\b/;
/**
 * An absolute path that names one machine's files: a workspace, a temporary folder, a home
 * folder. It counts only where a path starts (the line's start, a space, a quote, a bracket,
 * `=`, `:` or a comma), so `drivers/foo/tmp/` is not one. Paths every Linux system has
 * (/usr/src, /proc/self/fail-nth, /dev/null, /usr/include) are allowed.
 */
const MACHINE_PATH = /(?:^|[\s'"`(=:,[])\/(?:work|tmp|root|mnt)(?:\/|\b(?!-))|(?:^|[\s'"`(=:,[])\/(?:home|Users)\/[A-Za-z]/;
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
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.test(line) || MACHINE_PATH.test(line)) bad.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('the rule: what names one machine\'s files is refused, what every Linux system has is not', () => {
    // Built from parts, so that this file does not itself name what it refuses.
    const up = ['..', 'shared'].join('/');
    const work = ['', 'work', 'main'].join('/');
    for (const p of [`see ${up}/spec/x.md`, `cd ${work}`, 'ls /tmp/x', 'ls /tmp', '"/home/ann/linux"', '(/root/.cache/k)', 'x=/Users/bob/src']) {
      expect(OUTSIDE.test(p) || MACHINE_PATH.test(p), p).toBe(true);
    }
    for (const p of ['/usr/src/linux-source-6.12', '/proc/self/fail-nth', '/dev/null', 'drivers/tmp/foo.c', 'arch/um/home/x', 'include/linux/root/', 'os.tmpdir()']) {
      expect(OUTSIDE.test(p) || MACHINE_PATH.test(p), p).toBe(false);
    }
  });
});
