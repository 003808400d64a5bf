import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../machines/index.js';
import { readmeExample } from '../../src/docs/example.js';
import { exploreExample } from '../../src/docs/explore-example.js';
import { generatedSections, updateDoc, README_CHECK_EXAMPLE } from '../../src/docs/readme.js';
import { kernelCallTable, violationTable } from '../../src/docs/tables.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

describe('README and docs/', () => {
  it('every generated section (README.md and docs/) is what the machines and the code produce now (npm run readme)', async () => {
    const all = await generatedSections();
    expect(Object.keys(all)).toEqual(['README.md', 'docs/machines.md', 'docs/runtime.md', 'docs/kunit.md']);
    for (const [file, sections] of Object.entries(all)) {
      const text = read(file);
      expect(updateDoc(text, sections, file), file).toBe(text);
    }
  });

  it('a section whose markers are gone is an error naming the file and the section, not a silent loss', () => {
    expect(() => updateDoc('no markers here', { violations: 'x' }, 'docs/machines.md')).toThrow(/docs\/machines\.md has no generated section 'violations'/);
  });

  it('issue 15: the README is for users: at most about 250 lines, install and `auxbus check` on its first screen', () => {
    const text = read('README.md');
    const lines = text.split('\n');
    expect(lines.length).toBeLessThanOrEqual(260);
    // The first screen: what it is, the finding shown, then how to install: the install section
    // starts before the README's first 100 lines, the first `auxbus check` command before 50.
    expect(lines.findIndex((l) => l === '## Install')).toBeLessThan(100);
    expect(lines.findIndex((l) => l.startsWith('$ auxbus check '))).toBeLessThan(50);
  });

  it('the README names every violation code the checker can report, and no code that does not exist', () => {
    const text = read('README.md');
    const what = text.slice(text.indexOf('## What it finds'), text.indexOf('## Install'));
    for (const code of VIOLATION_CODES) expect(what, code).toContain(`\`${code}\``);
    const named = [...what.matchAll(/`([a-z]+(?:-[a-z]+)+)`/g)].map((m) => m[1]!);
    expect(named.filter((c) => !(VIOLATION_CODES as readonly string[]).includes(c))).toEqual([]);
  });

  it('the finding the README shows is the one the corpus file expects (B4, double-free, on its expect: line)', async () => {
    const shown = (await generatedSections())['README.md']!['check-example']!;
    const corpus = read(`test/fixtures/check/corpus/${README_CHECK_EXAMPLE}`);
    const expected = corpus.split('\n').findIndex((l) => /expect:\s*double-free/.test(l)) + 1;
    expect(expected).toBeGreaterThan(0);
    expect(shown).toMatch(new RegExp(`^${README_CHECK_EXAMPLE}:${expected}:\\d+: warning: double-free .*\\[auxbus-double-free\\]$`, 'm'));
    expect(shown.match(/: warning: /g)).toHaveLength(1);
  });

  it('every relative link in README.md and docs/*.md points at a file of the repository', () => {
    const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((d) => d.endsWith('.md')).map((d) => `docs/${d}`)];
    expect(files.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const f of files) {
      for (const m of read(f).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        if (!existsSync(join(ROOT, dirname(f), target))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the violation table has every code, and the call table every event of every machine', () => {
    const v = violationTable();
    for (const code of VIOLATION_CODES) expect(v).toContain(`| \`${code}\` |`);
    // Who judges each code: a machine, or auxbus check alone for the codes no machine raises.
    expect(v).toContain('| `double-free` | B4 | the device machine |');
    expect(v).toContain('| `wrong-error-check` | B20 | `auxbus check` |');
    expect(v).toContain('| `null-dereference` | B21 | `auxbus check` |');
    expect(kernelCallTable()).toContain('| device | `UNINIT` | auxiliary_device_uninit(adev) | `adev.uninit()` |');
  });

  it('B4: the runtime example finds exactly the double free of the ice pattern, at the kfree after uninit', () => {
    const text = readmeExample();
    expect(text.split('\n')[0]).toMatch(/^double-free \(B4\) at step \d+: auxiliary device my_mod\.foo\.0: kfree\(\)$/);
    expect(text.match(/^\S+ \(B\d+\)/gm)).toEqual(['double-free (B4)']);
  });

  it('§1.3, §5 B3: the explorer example finds exactly one problem, leak-initialized, on the dev_set_name and device_add failure paths only', () => {
    const text = exploreExample();
    expect(text.split('\n')[0]).toBe('explore my-aux: 4 paths (the fault-free run and each of its 3 fallible calls failing in turn), 2 clean: 1 problem (leak-initialized B3)');
    expect(text.match(/^problem .*/gm)).toEqual(['problem 1 of 1: leak-initialized (B3)']);
    expect(text).toContain('on 2 of 4 paths: #2 fail-nth 2 (dev_set_name), #3 fail-nth 3 (device_add)');
  });
});
