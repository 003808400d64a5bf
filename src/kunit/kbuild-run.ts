import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { KernelTreeError, type WorkTree } from './tree.js';

/**
 * `npm run kernel:kbuild`: `auxbus check --kbuild` run by kbuild itself, as a checker is
 * (`make C=1 CHECK=...`, scripts/Makefile.build `cmd_checksrc`), on an external module built
 * against an x86_64 defconfig of the KUnit runs' kernel tree. The module holds a buggy file of
 * the check corpus and its correct twin; the run passes when make succeeds, the buggy file's
 * warnings are printed in gcc's shape on the lines its `expect:` comments name, and nothing of
 * auxbus's is printed for the twin.
 */

/** The corpus pair the module is made of: a planted double free and its fix. */
export const KBUILD_PAIR = { bad: 'double-free-bad-1.c', ok: 'double-free-ok-1.c' } as const;

/** The build folder (under the work tree's builds) of the x86_64 defconfig the module is built against. */
export const KBUILD_CONFIG_DIR = 'kbuild-x86_64';

/** Written into the build folder once defconfig and modules_prepare succeeded. */
const PREPARED = '.auxbus-prepared';

/** A finding a corpus file's `expect:` comment names. */
export interface Expectation {
  line: number;
  code: string;
}

/**
 * The findings a corpus file's `/* expect: CODE[, CODE] *\/` comments name, by line (the
 * corpus README's contract; test/check/corpus.test.ts reads them the same way).
 * @example corpusExpectations('a;\nkfree(x); /* expect: double-free *\/\n') // [{ line: 2, code: 'double-free' }]
 */
export function corpusExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /\/\*\s*expect:\s*([a-z, -]+?)\s*\*\//.exec(line);
    if (m) for (const code of m[1]!.split(',').map((c) => c.trim()).filter(Boolean)) out.push({ line: i + 1, code });
  });
  return out;
}

/** A C file of the module: its name in the module folder and its text. */
export interface ModuleFile {
  name: string;
  text: string;
}

/** The module (`.ko`) a corpus file is built into: `kbuild-` and the file's stem. */
export function moduleName(file: string): string {
  return `kbuild-${file.replace(/\.c$/, '')}`;
}

/**
 * The Kbuild file of the module folder: one module per corpus file, each with its license
 * object, and -Wmissing-prototypes kept a warning under defconfig's CONFIG_WERROR.
 */
export function kbuildFile(files: readonly string[]): string {
  const lines = [
    '# Written by npm run kernel:kbuild (src/kunit/kbuild-run.ts). One module per corpus file (the',
    '# twins define the same functions), each with a second object holding its MODULE_LICENSE.',
    '# The corpus files define their non-static functions without a header declaring them (a',
    '# driver has one): x86_64 defconfig sets CONFIG_WERROR, so gcc\'s -Wmissing-prototypes',
    '# would stop the build; it stays a warning.',
    'ccflags-y += -Wno-error=missing-prototypes',
  ];
  for (const f of files) {
    const stem = f.replace(/\.c$/, '');
    lines.push(`obj-m += ${moduleName(f)}.o`, `${moduleName(f)}-y := ${stem}.o ${stem}-modinfo.o`);
  }
  return lines.join('\n') + '\n';
}

/** The license object of a module: modpost refuses a module without MODULE_LICENSE. */
export function modinfoFile(file: string): string {
  return [
    '// SPDX-License-Identifier: GPL-2.0',
    `/* Written by npm run kernel:kbuild: the license of the module built from ${file}. */`,
    '#include <linux/module.h>',
    '',
    'MODULE_LICENSE("GPL");',
    `MODULE_DESCRIPTION("auxbus-model kbuild check: ${file}");`,
    '',
  ].join('\n');
}

/**
 * Writes the external module into `dir` (which must exist): the corpus files unchanged, a
 * `<stem>-modinfo.c` for each and the Kbuild file. Returns the paths of the corpus files.
 */
export function writeKbuildModule(dir: string, files: readonly ModuleFile[]): string[] {
  const names = files.map((f) => f.name);
  if (new Set(names).size !== names.length || names.some((n) => !/^[A-Za-z0-9_-]+\.c$/.test(n))) {
    throw new KernelTreeError(`module files must be distinct NAME.c (letters, digits, - and _): ${names.join(', ')}`);
  }
  for (const f of files) {
    writeFileSync(join(dir, f.name), f.text);
    writeFileSync(join(dir, f.name.replace(/\.c$/, '-modinfo.c')), modinfoFile(f.name));
  }
  writeFileSync(join(dir, 'Kbuild'), kbuildFile(names));
  return names.map((n) => join(dir, n));
}

/** A warning of auxbus's in gcc's shape: `FILE:LINE:COL: warning: MESSAGE [auxbus-CODE]`. */
export interface KbuildWarning {
  file: string;
  line: number;
  column: number;
  code: string;
  text: string;
}

/** The warnings tagged `[auxbus-CODE]` in a build's output, in gcc's shape (other lines are not auxbus's). */
export function auxbusWarnings(output: string): KbuildWarning[] {
  const out: KbuildWarning[] = [];
  for (const text of output.split('\n')) {
    const m = /^(.+?):(\d+):(\d+): warning: .*\[auxbus-([a-z-]+)\]\s*$/.exec(text);
    if (m) out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), code: m[4]!, text });
  }
  return out;
}

/** The files kbuild ran the checker on (`  CHECK   FILE`, make's quiet echo: only without -s). */
export function checkedFiles(stdout: string): string[] {
  return [...stdout.matchAll(/^\s*CHECK\s+(\S+)\s*$/gm)].map((m) => m[1]!);
}

/** What one make run gave. */
export interface MakeRun {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** A corpus file of the module as the judge sees it: its absolute path and its text. */
export interface JudgedFile {
  path: string;
  text: string;
}

/**
 * What is wrong with a `make C=1|2 CHECK="auxbus check --kbuild"` run of the module (empty:
 * nothing): make must exit 0 (a finding does not fail a build), kbuild must have run the
 * checker on every corpus file, each file's `[auxbus-CODE]` warnings must be exactly those its
 * `expect:` comments name, at their lines and under the file's own path, no other file (the
 * license objects) may get one, and auxbus's summary line comes once per file with findings
 * (a clean file prints nothing, not even that).
 */
export function judgeKbuild(run: MakeRun, files: readonly JudgedFile[]): string[] {
  const problems: string[] = [];
  if (run.status !== 0) {
    const tail = run.stderr.trim().split('\n').slice(-8).join('\n    ');
    problems.push(`make exited ${run.status}: the build must succeed (a finding does not fail it):\n    ${tail}`);
  }
  const checked = new Set(checkedFiles(run.stdout).map((f) => resolve(f)));
  const warnings = auxbusWarnings(`${run.stderr}\n${run.stdout}`);
  const key = (line: number, code: string) => `${line} [auxbus-${code}]`;
  for (const f of files) {
    const name = basename(f.path);
    if (!checked.has(resolve(f.path))) problems.push(`${name}: kbuild did not run the checker on it (no CHECK ${f.path} line)`);
    const want = corpusExpectations(f.text).map((e) => key(e.line, e.code));
    const got = [...new Set(warnings.filter((w) => resolve(w.file) === resolve(f.path)).map((w) => key(w.line, w.code)))];
    for (const w of want.filter((x) => !got.includes(x))) problems.push(`${name}:${w.split(' ')[0]}: its expect: comment names ${w.split(' ')[1]}, make printed none there`);
    for (const g of got.filter((x) => !want.includes(x))) problems.push(`${name}:${g.split(' ')[0]}: make printed ${g.split(' ')[1]}, which the file does not expect`);
  }
  const ours = new Set(files.map((f) => resolve(f.path)));
  for (const w of warnings.filter((x) => !ours.has(resolve(x.file)))) problems.push(`a warning of auxbus's for a file that is not a corpus file: ${w.text}`);
  // With --kbuild a clean file prints nothing at all, a file with findings ends with one summary line.
  const summaries = `${run.stderr}\n${run.stdout}`.split('\n').filter((l) => l.startsWith('auxbus check: ')).length;
  const withFindings = files.filter((f) => corpusExpectations(f.text).length > 0).length;
  if (summaries !== withFindings) problems.push(`${summaries} "auxbus check:" summary line(s) for ${withFindings} file(s) with findings: auxbus printed something for a clean file, or nothing for a buggy one`);
  return problems;
}

/** `make ARGS` in the tree, timed. */
function make(tree: WorkTree, args: readonly string[]): MakeRun {
  const start = Date.now();
  const r = spawnSync('make', ['-C', tree.src, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new KernelTreeError(`cannot run make: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', seconds: (Date.now() - start) / 1000 };
}

/** The prepared build folder, and how long preparing took (0 when it was already there). */
export interface Prepared {
  dir: string;
  seconds: number;
  fresh: boolean;
}

/**
 * An x86_64 `defconfig` and `modules_prepare` of the tree in `builds/kbuild-x86_64`, once:
 * skipped when a previous run finished it (its marker and modpost are there).
 */
export function prepareX86(tree: WorkTree, jobs = 2, log: (s: string) => void = () => {}): Prepared {
  const dir = join(tree.builds, KBUILD_CONFIG_DIR);
  if (existsSync(join(dir, PREPARED)) && existsSync(join(dir, 'scripts/mod/modpost'))) {
    log(`${dir}: x86_64 defconfig and modules_prepare already done (${readFileSync(join(dir, PREPARED), 'utf8').trim()})`);
    return { dir, seconds: 0, fresh: false };
  }
  if (process.arch !== 'x64') throw new KernelTreeError(`the kbuild check builds for x86_64 with the host's gcc; this machine is ${process.arch}`);
  mkdirSync(dir, { recursive: true });
  const start = Date.now();
  for (const target of ['defconfig', 'modules_prepare']) {
    log(`make O=${dir} ARCH=x86_64 -j${jobs} ${target}`);
    const r = make(tree, [`O=${dir}`, 'ARCH=x86_64', `-j${jobs}`, target]);
    if (r.status !== 0) throw new KernelTreeError(`make ${target} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    log(`  ${target}: ${r.seconds.toFixed(1)} s`);
  }
  const seconds = (Date.now() - start) / 1000;
  writeFileSync(join(dir, PREPARED), `Linux ${tree.version}, x86_64 defconfig + modules_prepare in ${seconds.toFixed(0)} s\n`);
  return { dir, seconds, fresh: true };
}

/** The CHECK command kbuild runs: this node and this checkout's compiled auxbus, quoted for the shell. */
export function checkCommand(node: string, mainJs: string): string {
  const q = (s: string) => (/^[A-Za-z0-9_./+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `${q(node)} ${q(mainJs)} check --kbuild`;
}

/**
 * Builds the module in `moduleDir` (written by writeKbuildModule) with kbuild running the
 * checker: `C=1` (the files it compiles) or `C=2` (every file, compiled or not). Not silent
 * (no -s), so that make's `CHECK file` lines show the checker ran on each file. Modpost has
 * no Module.symvers after modules_prepare alone (vmlinux is never built), so every kernel
 * symbol is unresolved: KBUILD_MODPOST_WARN=1 makes that a warning; the modules are never loaded.
 */
export function makeModule(tree: WorkTree, buildDir: string, moduleDir: string, check: string, c: 1 | 2, jobs = 2): MakeRun {
  return make(tree, [`O=${buildDir}`, 'ARCH=x86_64', `M=${moduleDir}`, `-j${jobs}`, `C=${c}`, `CHECK=${check}`, 'KBUILD_MODPOST_WARN=1', 'modules']);
}
