import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../machines/index.js';
import { checkSource } from '../../src/check/index.js';

/**
 * The fixture corpus (test/fixtures/check/corpus/, its README states the contract): every file
 * is checked and must give exactly the findings its `expect:` comments name, on those lines, and
 * nothing else — the planted bugs found, no finding on correct code.
 */

const DIR = join(import.meta.dirname, '../fixtures/check/corpus');
const files = readdirSync(DIR).filter((f) => f.endsWith('.c')).sort();

function expected(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\*\s*expect:\s*([a-z, -]+?)\s*\*\//.exec(line);
    if (m) for (const code of m[1]!.split(',').map((c) => c.trim()).filter(Boolean)) out.push(`${i + 1} ${code}`);
  });
  return out.sort();
}

describe('the fixture corpus (kernel-auxbus.md §5: a buggy and a correct variant per violation class)', () => {
  it('has a buggy and a correct file for the classes a create or teardown function can commit', () => {
    const codes = new Set(files.flatMap((f) => expected(readFileSync(join(DIR, f), 'utf8')).map((e) => e.split(' ')[1]!)));
    for (const code of codes) expect(VIOLATION_CODES as readonly string[]).toContain(code);
    for (const code of ['free-after-init', 'put-uninitialized', 'leak-initialized', 'memory-leak', 'double-free', 'ida-double-free', 'id-leak',
      'uninit-without-delete', 'double-delete', 'delete-unadded', 'add-uninitialized', 'double-add', 'use-after-release', 'missing-release',
      'reference-leak', 'get-uninitialized', 'double-init', 'free-outside-release',
      // Judged by the checker alone (machine: 'checker'), on the C of the path.
      'wrong-error-check', 'null-device', 'null-dereference']) {
      expect(codes, code).toContain(code);
      expect(files.some((f) => f.startsWith(`${code}-ok-`)), `${code} has a correct twin`).toBe(true);
    }
  });

  for (const file of files) {
    it(`${file}: exactly the annotated findings`, async () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const r = await checkSource(text, file);
      const got = r.findings.map((f) => `${f.at.line} ${f.code}`).sort();
      expect(got).toEqual(expected(text));
      expect(r.notAnalysed).toEqual([]);
    });
  }
});
