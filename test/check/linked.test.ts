import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPaths, checkSource, type CheckRun } from '../../src/check/index.js';
import { siblingsOf } from '../../src/check/files.js';
import { BUILD_DIR } from '../cli/run.js';

/**
 * Several files checked together (src/check/linked.ts): a call to a non-static function of
 * another `.c` file given from the same directory runs as a same-file helper. The fixtures in
 * test/fixtures/check/multi/ are directories; each file's `expect:` comments name the findings on
 * its lines (the corpus contract, test/fixtures/check/corpus/README.md), in whichever file.
 */

const MULTI = join(import.meta.dirname, '../fixtures/check/multi');

function expected(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    readFileSync(join(dir, f), 'utf8').split('\n').forEach((line, i) => {
      const m = /\/\*\s*expect:\s*([a-z, -]+?)\s*\*\//.exec(line);
      if (m) for (const code of m[1]!.split(',').map((c) => c.trim()).filter(Boolean)) out.push(`${f}:${i + 1} ${code}`);
    });
  }
  return out.sort();
}

const got = (r: CheckRun) => r.findings.map((f) => `${basename(f.at.file)}:${f.at.line} ${f.code}`).sort();

describe('a directory resolves helpers defined in another file of it', () => {
  for (const name of readdirSync(MULTI).sort()) {
    it(`${name}: exactly the annotated findings, in whichever file they are`, async () => {
      const r = await checkPaths([join(MULTI, name)], { jobs: 1 });
      expect(got(r)).toEqual(expected(join(MULTI, name)));
      expect(r.notAnalysed).toEqual([]);
    });
  }

  it('the helper-bad bug is found only with the helper: plug.c given alone keeps the call opaque', async () => {
    expect(expected(join(MULTI, 'helper-bad'))).toHaveLength(1);
    const alone = await checkPaths([join(MULTI, 'helper-bad', 'plug.c')], { jobs: 1 });
    expect(alone.findings).toEqual([]);
    const text = readFileSync(join(MULTI, 'helper-bad', 'plug.c'), 'utf8');
    expect((await checkSource(text, 'plug.c')).findings).toEqual([]);
  });

  it('several files of one directory given by name link as the directory does', async () => {
    const dir = join(MULTI, 'helper-bad');
    const r = await checkPaths([join(dir, 'plug.c'), join(dir, 'unwind.c')], { jobs: 1 });
    expect(got(r)).toEqual(['unwind.c:10 double-free']);
  });

  it('the finding is placed at the helper, with the path steps in both files, and told in the helper file\'s words', async () => {
    const r = await checkPaths([join(MULTI, 'helper-bad')], { jobs: 1 });
    const f = r.findings[0]!;
    expect(f.function).toBe('lynx_plug');
    expect(new Set((f.steps ?? []).map((s) => basename(s.file)))).toEqual(new Set(['plug.c', 'unwind.c']));
    expect((f.steps ?? []).find((s) => s.text.startsWith('put_device()'))).toMatchObject({ line: 9, text: 'put_device() at line 9 of unwind.c' });
    expect(f.message).toContain('kfree() at line 10 of unwind.c');
  });

  it('a static function of one file is not another file\'s: each file\'s calls reach its own lynx_drop()', async () => {
    const r = await checkPaths([join(MULTI, 'static-names')], { jobs: 1 });
    // plug.c's lynx_probe() calls plug.c's correct lynx_drop(); only lynx_remove() reaches teardown.c's.
    expect(r.findings.map((f) => [basename(f.at.file), f.function])).toEqual([['teardown.c', 'lynx_remove']]);
  });
});

describe('siblingsOf', () => {
  it('gives each file the other .c files of its directory in the list, and none to a file alone', () => {
    expect(siblingsOf(['d/a.c', 'd/b.c', 'd/x.h', 'e/c.c'])).toEqual([['d/b.c'], ['d/a.c'], ['d/a.c', 'd/b.c'], []]);
  });
});

describe('worker threads link as one thread does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-linked-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('2 threads give the findings of 1 on the multi fixtures spread among other files', async () => {
    const { checkPaths: check } = await import(pathToFileURL(join(BUILD_DIR, 'src/check/index.js')).href) as { checkPaths: typeof checkPaths };
    for (const name of readdirSync(MULTI)) {
      cpSync(join(MULTI, name), join(dir, name), { recursive: true });
      mkdirSync(join(dir, name), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(dir, name, `plain-${i}.c`), `int plain${i}(int x)\n{\n\treturn x + ${i};\n}\n`);
    }
    const one = await check([dir], { jobs: 1 });
    const two = await check([dir], { jobs: 2 });
    expect(got(one)).toEqual(['teardown.c:10 double-free', 'unwind.c:10 double-free']);
    expect(two).toEqual(one);
  });
});
