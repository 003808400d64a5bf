import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './run.js';

/**
 * `auxbus check`'s inputs and outputs beyond a file list, through the real binary: standard
 * input, --diff (a patch file, a patch on stdin, a git range), --kbuild with a real kbuild
 * command line, -o, --color, --ignore and baselines.
 */

const dir = mkdtempSync(join(tmpdir(), 'auxbus-check-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');
const BAD = readFileSync(join(CORPUS, 'double-free-bad-1.c'), 'utf8');

function run(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const env = { ...process.env, ...opts.env };
  if (!opts.env?.NO_COLOR) delete env.NO_COLOR;
  if (!opts.env?.FORCE_COLOR) delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, [BIN, 'check', ...args], { cwd: opts.cwd ?? dir, input: opts.input ?? '', encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('auxbus check: inputs', () => {
  it('§5 B4: - reads C from standard input; the file is named <stdin>', () => {
    const r = run(['-'], { input: BAD });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:52:17: warning: double-free of an allocation \[CWE-415\] \[auxbus-double-free\]$/m);
  });

  it('--diff with a patch file or - keeps only findings in functions the patch touches', () => {
    writeFileSync(join(dir, 'foo.c'), BAD);
    // Line 52 is in lynx_plug_rdma (lines 26..58), where the double free is; line 62 in lynx_unplug_rdma.
    const inside = '--- a/foo.c\n+++ b/foo.c\n@@ -52,1 +52,1 @@\n-\t\tkfree(ladev);\n+\t\tkfree(ladev); /* again */\n';
    const outside = '--- a/foo.c\n+++ b/foo.c\n@@ -62,1 +62,1 @@\n-x\n+y\n';
    writeFileSync(join(dir, 'in.patch'), inside);
    const a = run(['--diff', 'in.patch']);
    expect(a.code).toBe(1);
    expect(a.stdout).toMatch(/foo\.c:52:17: warning: .*\[auxbus-double-free\]/);
    const b = run(['--diff', '-'], { input: outside });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/0 findings.*1 left out \(--diff\)/);
  });

  it('--diff RANGE takes git diff of a range in the repository around the current directory', () => {
    const repo = join(dir, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a]);
    writeFileSync(join(repo, 'foo.c'), BAD.replace('\t\tkfree(ladev); /* expect: double-free */', '\t\treturn ret;'));
    git('add', '.');
    git('commit', '-qm', 'one');
    writeFileSync(join(repo, 'foo.c'), BAD);
    git('commit', '-qam', 'two: the bug');
    const r = run(['--diff', 'HEAD~1..HEAD'], { cwd: repo });
    expect(r.stdout).toMatch(/^foo\.c:52:17: warning: .*\[auxbus-double-free\]$/m);
    expect(r.code).toBe(1);
    const none = run(['--diff', 'HEAD~1..HEAD~1'], { cwd: repo });
    expect(none.code).toBe(0);
    expect(run(['--diff', 'no-such-rev..HEAD'], { cwd: repo }).stderr).toMatch(/git diff failed/);
  });

  it('--kbuild with the command line kbuild gave sparse in a real 6.12 build: warnings on stderr (make -s hides stdout), exit 0 as sparse', () => {
    copyFileSync(join(CORPUS, 'double-free-bad-1.c'), join(dir, 'foo.c'));
    const args = readFileSync(join(import.meta.dirname, '../fixtures/kbuild/checksrc-args.txt'), 'utf8').trim().split('\n')
      .map((a) => a.replaceAll('SRCTREE', '/usr/src/linux').replaceAll('MODDIR', dir));
    const r = run(['--kbuild', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/foo\.c:52:17: warning: double-free of an allocation \[CWE-415\] \[auxbus-double-free\]/);
    expect(run(['--kbuild', '-D__KERNEL__', join(CORPUS, 'double-free-ok-1.c')]).stderr).toBe('');
  });
});

describe('auxbus check: outputs', () => {
  const file = join(CORPUS, 'double-free-bad-1.c');

  it('-o FILE writes the report there, stdout stays empty; --format sarif and --sarif agree, --format json with --sarif is refused', () => {
    const out = join(dir, 'r.sarif');
    const r = run([file, '--format', 'sarif', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
    expect(run([file, '--sarif']).stdout).toBe(readFileSync(out, 'utf8'));
    const both = run([file, '--format', 'json', '--sarif']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/disagree/);
    expect(run([file, '-o', join(dir, 'no', 'such', 'dir.txt')]).stderr).toMatch(/cannot write .*dir\.txt/);
  });

  it('--color: always colours a pipe, never wins over FORCE_COLOR, auto follows NO_COLOR/FORCE_COLOR', () => {
    expect(run([file, '--color=always']).stdout).toMatch(/\u001b\[01;35mwarning:/);
    expect(run([file, '--color=never'], { env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(/\u001b/);
    expect(run([file], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(/\u001b\[/);
    expect(run([file], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(/\u001b/);
    expect(run([file, '--color=sometimes']).code).toBe(2);
  });

  it('--ignore CODE (or auxbus-CODE) leaves that code out; an unknown code is refused', () => {
    const r = run([file, '--ignore', 'auxbus-double-free']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(run([file, '--ignore', 'double-free']).code).toBe(0);
    const bad = run([file, '--ignore', 'double-fre']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a violation code/);
  });

  it('--write-baseline then --baseline: the known finding is left out (exit 0), a new one is reported', () => {
    const b = join(dir, 'base.json');
    const w = run([file, '--write-baseline', b]);
    expect(w.code).toBe(0);
    expect(existsSync(b)).toBe(true);
    const again = run([file, '--baseline', b]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/1 in the baseline/);
    const other = run([file, join(CORPUS, 'put-uninitialized-bad-1.c'), '--baseline', b]);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/\[auxbus-put-uninitialized\]/);
    expect(other.stdout).not.toMatch(/\[auxbus-double-free\]/);
    expect(run([file, '--baseline', join(dir, 'missing.json')]).code).toBe(2);
  });
});
