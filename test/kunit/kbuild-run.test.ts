/**
 * The pieces of `npm run kernel:kbuild` (src/kunit/kbuild-run.ts) that need no kernel: reading a
 * corpus file's expectations, writing the module, reading make's output and judging it. make
 * is never run here; the make outputs are written by hand in the shape kbuild and gcc print.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auxbusWarnings, checkCommand, checkedFiles, corpusExpectations, judgeKbuild, KBUILD_CONFIG_DIR, KBUILD_PAIR, kbuildFile, modinfoFile, moduleName, prepareX86,
  writeKbuildModule, type JudgedFile, type MakeRun,
} from '../../src/kunit/kbuild-run.js';
import { KernelTreeError } from '../../src/kunit/tree.js';

const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');
const TMP = mkdtempSync(join(tmpdir(), 'auxbus-kbuild-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const BAD = readFileSync(join(CORPUS, KBUILD_PAIR.bad), 'utf8');
const OK = readFileSync(join(CORPUS, KBUILD_PAIR.ok), 'utf8');

describe('corpusExpectations', () => {
  it('the pair: the buggy file expects one double-free, on the line of its second kfree(); the twin expects nothing', () => {
    const lines = BAD.split('\n');
    const want = corpusExpectations(BAD);
    expect(want).toHaveLength(1);
    expect(want[0]!.code).toBe('double-free');
    expect(lines[want[0]!.line - 1]).toMatch(/^\s*kfree\(ladev\); \/\* expect: double-free \*\/$/);
    expect(corpusExpectations(OK)).toEqual([]);
  });

  it('several codes on a line, several lines, 1-based lines; other comments are not expectations', () => {
    const text = ['/* corpus: x */', 'a(); /* expect: memory-leak, id-leak */', '/* expected: nothing */', 'b(); /*expect:double-free*/'].join('\n');
    expect(corpusExpectations(text)).toEqual([
      { line: 2, code: 'memory-leak' }, { line: 2, code: 'id-leak' }, { line: 4, code: 'double-free' },
    ]);
  });
});

describe('the module', () => {
  it('one composite module per file, each with its license object; missing-prototypes not an error', () => {
    const k = kbuildFile(['double-free-bad-1.c', 'double-free-ok-1.c']);
    const rules = k.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rules).toEqual([
      'ccflags-y += -Wno-error=missing-prototypes',
      'obj-m += kbuild-double-free-bad-1.o',
      'kbuild-double-free-bad-1-y := double-free-bad-1.o double-free-bad-1-modinfo.o',
      'obj-m += kbuild-double-free-ok-1.o',
      'kbuild-double-free-ok-1-y := double-free-ok-1.o double-free-ok-1-modinfo.o',
    ]);
    expect(moduleName('double-free-ok-1.c')).toBe('kbuild-double-free-ok-1');
    const m = modinfoFile('double-free-bad-1.c');
    expect(m).toContain('MODULE_LICENSE("GPL");');
    expect(m).toContain('#include <linux/module.h>');
  });

  it('writeKbuildModule: the corpus files byte for byte, a modinfo file each and the Kbuild file; returns the corpus files\' paths', () => {
    const dir = join(TMP, 'module');
    mkdirSync(dir);
    const paths = writeKbuildModule(dir, [{ name: KBUILD_PAIR.bad, text: BAD }, { name: KBUILD_PAIR.ok, text: OK }]);
    expect(paths).toEqual([join(dir, KBUILD_PAIR.bad), join(dir, KBUILD_PAIR.ok)]);
    expect(readdirSync(dir).sort()).toEqual(['Kbuild', 'double-free-bad-1-modinfo.c', 'double-free-bad-1.c', 'double-free-ok-1-modinfo.c', 'double-free-ok-1.c']);
    expect(readFileSync(paths[0]!, 'utf8')).toBe(BAD);
    expect(readFileSync(paths[1]!, 'utf8')).toBe(OK);
    expect(readFileSync(join(dir, 'Kbuild'), 'utf8')).toBe(kbuildFile([KBUILD_PAIR.bad, KBUILD_PAIR.ok]));
  });

  it('writeKbuildModule refuses names make would misread and twice the same name', () => {
    mkdirSync(join(TMP, 'refused'));
    expect(() => writeKbuildModule(join(TMP, 'refused'), [{ name: 'a b.c', text: '' }])).toThrow(KernelTreeError);
    expect(() => writeKbuildModule(join(TMP, 'refused'), [{ name: 'a.h', text: '' }])).toThrow(KernelTreeError);
    expect(() => writeKbuildModule(join(TMP, 'refused'), [{ name: 'a.c', text: '' }, { name: 'a.c', text: '' }])).toThrow(/distinct/);
    expect(readdirSync(join(TMP, 'refused'))).toEqual([]);
  });
});

describe('checkCommand', () => {
  it('plain paths as they are; a path with a space or a quote quoted for the shell make runs', () => {
    expect(checkCommand('/usr/bin/node', '/w/dist/src/cli/main.js')).toBe('/usr/bin/node /w/dist/src/cli/main.js check --kbuild');
    expect(checkCommand('/opt/my node/node', "/w/it's/main.js")).toBe(`'/opt/my node/node' '/w/it'\\''s/main.js' check --kbuild`);
  });
});

const DIR = '/build/auxbus-kbuild-AbC123';
const BADP = `${DIR}/${KBUILD_PAIR.bad}`;
const OKP = `${DIR}/${KBUILD_PAIR.ok}`;
const FILES: JudgedFile[] = [{ path: BADP, text: BAD }, { path: OKP, text: OK }];
const LINE = corpusExpectations(BAD)[0]!.line;

/** make's stdout (quiet echo) when kbuild ran the checker on the given files. */
function stdoutOf(checked: string[]): string {
  return ['make: Entering directory \'/k/src\'', ...checked.flatMap((f) => [`  CC [M]  ${f.replace(/\.c$/, '.o')}`, `  CHECK   ${f}`]), 'make: Leaving directory \'/k/src\''].join('\n') + '\n';
}

/** The stderr of a good run: gcc's own warnings for both files, auxbus's warning and notes for the buggy one. */
function goodStderr(line = LINE, path = BADP): string {
  return [
    `${BADP}:26:5: warning: no previous prototype for 'lynx_plug_rdma' [-Wmissing-prototypes]`,
    '   26 | int lynx_plug_rdma(struct lynx_pf *pf)',
    `${path}: In function 'lynx_plug_rdma':`,
    `${path}:${line}:17: warning: double-free of an allocation [CWE-415] [auxbus-double-free]`,
    `${path}:32:17: note: (1) allocated by kzalloc() at line 32`,
    'auxbus check: 1 file (1 using the auxiliary bus), 2 functions, 5 paths: 1 finding, 0 not analysed',
    `${OKP}:25:5: warning: no previous prototype for 'lynx_plug_rdma' [-Wmissing-prototypes]`,
    'WARNING: modpost: "kfree" [/build/x/kbuild-double-free-bad-1.ko] undefined!',
  ].join('\n') + '\n';
}

function run(over: Partial<MakeRun> = {}): MakeRun {
  return { status: 0, stdout: stdoutOf([BADP, `${DIR}/double-free-bad-1-modinfo.c`, OKP]), stderr: goodStderr(), seconds: 1, ...over };
}

describe('auxbusWarnings and checkedFiles', () => {
  it('only the warnings tagged [auxbus-CODE], with file, line, column and code; gcc\'s warnings, notes and modpost\'s lines are not', () => {
    expect(auxbusWarnings(goodStderr())).toEqual([
      { file: BADP, line: LINE, column: 17, code: 'double-free', text: `${BADP}:${LINE}:17: warning: double-free of an allocation [CWE-415] [auxbus-double-free]` },
    ]);
    expect(auxbusWarnings('a.c:3:1: note: fix: see [auxbus-double-free]\n')).toEqual([]);
  });

  it('the files of make\'s CHECK lines', () => {
    expect(checkedFiles(stdoutOf([BADP, OKP]))).toEqual([BADP, OKP]);
    expect(checkedFiles('  CC [M]  /x/a.o\n')).toEqual([]);
  });
});

describe('judgeKbuild', () => {
  it('a good run: nothing wrong', () => {
    expect(judgeKbuild(run(), FILES)).toEqual([]);
  });

  it('make failing is wrong even with the expected findings, and its last lines are shown', () => {
    const p = judgeKbuild(run({ status: 2, stderr: `${goodStderr()}make: *** [Makefile:236: __sub-make] Error 2\n` }), FILES);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^make exited 2: the build must succeed/);
    expect(p[0]).toContain('__sub-make] Error 2');
  });

  it('the finding on another line than the expect: comment: missing there, unexpected where it is', () => {
    expect(judgeKbuild(run({ stderr: goodStderr(LINE + 1) }), FILES)).toEqual([
      `${KBUILD_PAIR.bad}:${LINE}: its expect: comment names [auxbus-double-free], make printed none there`,
      `${KBUILD_PAIR.bad}:${LINE + 1}: make printed [auxbus-double-free], which the file does not expect`,
    ]);
  });

  it('no finding printed at all (a checker that was not auxbus, or printed to nowhere)', () => {
    const p = judgeKbuild(run({ stderr: '' }), FILES);
    expect(p).toContain(`${KBUILD_PAIR.bad}:${LINE}: its expect: comment names [auxbus-double-free], make printed none there`);
    expect(p.some((x) => x.includes('0 "auxbus check:" summary line(s) for 1 file(s)'))).toBe(true);
  });

  it('a finding for the correct twin is wrong, and so is a second summary line', () => {
    const stderr = `${goodStderr()}${OKP}:${LINE}:17: warning: double-free of an allocation [CWE-415] [auxbus-double-free]\nauxbus check: 1 file (1 using the auxiliary bus), 2 functions, 5 paths: 1 finding, 0 not analysed\n`;
    expect(judgeKbuild(run({ stderr }), FILES)).toEqual([
      `${KBUILD_PAIR.ok}:${LINE}: make printed [auxbus-double-free], which the file does not expect`,
      '2 "auxbus check:" summary line(s) for 1 file(s) with findings: auxbus printed something for a clean file, or nothing for a buggy one',
    ]);
  });

  it('the buggy file\'s finding under another path (a file of the same name elsewhere) does not count', () => {
    const p = judgeKbuild(run({ stderr: goodStderr(LINE, `/elsewhere/${KBUILD_PAIR.bad}`) }), FILES);
    expect(p).toContain(`${KBUILD_PAIR.bad}:${LINE}: its expect: comment names [auxbus-double-free], make printed none there`);
    expect(p.some((x) => x.startsWith('a warning of auxbus\'s for a file that is not a corpus file: /elsewhere/'))).toBe(true);
  });

  it('a file kbuild did not run the checker on (C=1 with the file up to date) is wrong even when it would print nothing', () => {
    expect(judgeKbuild(run({ stdout: stdoutOf([BADP]) }), FILES)).toEqual([`${KBUILD_PAIR.ok}: kbuild did not run the checker on it (no CHECK ${OKP} line)`]);
  });
});

describe('prepareX86', () => {
  it('skips a build folder a previous run prepared (its marker and modpost are there): no make is run', () => {
    const builds = join(TMP, 'builds');
    const dir = join(builds, KBUILD_CONFIG_DIR);
    mkdirSync(join(dir, 'scripts/mod'), { recursive: true });
    writeFileSync(join(dir, 'scripts/mod/modpost'), '');
    writeFileSync(join(dir, '.auxbus-prepared'), 'Linux 6.12.118, x86_64 defconfig + modules_prepare in 11 s\n');
    const said: string[] = [];
    // The tree does not exist: any make would fail, so reaching it would throw.
    const p = prepareX86({ src: join(TMP, 'no-tree'), builds, version: '6.12.118' }, 2, (s) => said.push(s));
    expect(p).toEqual({ dir, seconds: 0, fresh: false });
    expect(said).toEqual([`${dir}: x86_64 defconfig and modules_prepare already done (Linux 6.12.118, x86_64 defconfig + modules_prepare in 11 s)`]);
  });

  it('a folder with the marker but no modpost (a half-removed build) is prepared again: make runs, and fails here with a KernelTreeError', () => {
    const builds = join(TMP, 'builds-half');
    mkdirSync(join(builds, KBUILD_CONFIG_DIR), { recursive: true });
    writeFileSync(join(builds, KBUILD_CONFIG_DIR, '.auxbus-prepared'), 'x\n');
    expect(() => prepareX86({ src: join(TMP, 'no-tree'), builds, version: '6.12.118' })).toThrow(KernelTreeError);
    expect(existsSync(join(builds, KBUILD_CONFIG_DIR, '.auxbus-prepared'))).toBe(true);
  });
});
