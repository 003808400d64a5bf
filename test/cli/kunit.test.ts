/**
 * `auxbus kunit`, run as the real binary. Nothing here builds or boots a kernel: every --run
 * below is refused before a tree is unpacked.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_CONFIGS } from '../../src/cli/kunit.js';
import { STACK_LINE, auxbus, type Run } from './run.js';

/** The kernel configurations --config accepts. */
/** The configurations a user chooses for the main boot; kobject-release is the deferred cases' own. */
const CONFIGS = [...MAIN_CONFIGS];

const TMP = mkdtempSync(join(tmpdir(), 'auxbus-cli-kunit-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/**
 * The environment of every --run here: should a refusal ever let a run through, it finds no tree
 * (no $KERNEL_SRC, an empty /usr/src, no apt-get even as root) instead of building one.
 */
const NO_TREE = { AUXBUS_NO_INSTALL: '1', AUXBUS_USR_SRC: join(TMP, 'usr-src'), AUXBUS_CACHE: join(TMP, 'cache'), KERNEL_SRC: '' };
mkdirSync(NO_TREE.AUXBUS_USR_SRC);

describe('auxbus kunit', () => {
  let out: Run;
  beforeAll(() => {
    out = auxbus(['kunit']);
  });

  it('prints the suite as C on stdout and exits 0, nothing on stderr', () => {
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout.startsWith('// SPDX-License-Identifier: GPL-2.0\n')).toBe(true);
    expect(out.stdout).toMatch(/^kunit_test_suites?\(&?auxbus_model_suite[,)]/m);
    // §3.4: some case expects kref 3 on a registered device after an add.
    expect(out.stdout).toContain('amt_expect_dev(c, 0, 3, true);');
  });

  it('-o FILE writes the same C to FILE and says how many cases, fail-nth sweeps, violation cases and bundled examples\' paths it holds (together, its KUNIT_CASE lines)', () => {
    const file = join(TMP, 'auxbus-model-test.c');
    const r = auxbus(['kunit', '-o', file]);
    expect(r.code).toBe(0);
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(out.stdout);
    const said = r.stdout.trim();
    expect(said.startsWith(`wrote ${file}: `)).toBe(true);
    const m = /: (\d+) cases, (\d+) fail-nth sweeps, (\d+) violation cases and (\d+) of the bundled examples' paths \((\d+) of them violation cases\)$/.exec(said);
    expect(m, said).not.toBeNull();
    const [cases, sweeps, violations, examples, exampleViolations] = [1, 2, 3, 4, 5].map((i) => Number(m![i]));
    expect(cases).toBeGreaterThan(0);
    expect(examples).toBeGreaterThan(exampleViolations!);
    expect(written.split('\tKUNIT_CASE(').length - 1).toBe(cases! + sweeps! + violations! + examples!);
    // A sweep's function is named sweep_<call>, a violation case's v_<code>, an example's path example_<name>_<path>.
    expect(written.split('\tKUNIT_CASE(sweep_').length - 1).toBe(sweeps);
    expect(written.split('\tKUNIT_CASE(v_').length - 1).toBe(violations);
    expect(written.split('\tKUNIT_CASE(example_').length - 1).toBe(examples);
  });

  it('-o into a directory that does not exist: exit 2, one line naming the file, no stack trace', () => {
    const file = join(TMP, 'no', 'such', 'dir', 'x.c');
    const r = auxbus(['kunit', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('--kernel, --jobs and --json without --run: exit 2, saying they need --run', () => {
    for (const args of [['--kernel', '/usr/src/linux'], ['--jobs', '4'], ['--json']]) {
      const r = auxbus(['kunit', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${args[0]} needs --run`);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('--run with --out: exit 2 (one writes the suite, the other boots it), nothing written', () => {
    const file = join(TMP, 'not-written.c');
    const r = auxbus(['kunit', '--run', '--out', file], NO_TREE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(() => readFileSync(file)).toThrow();
  });

  it('--run --kernel PATH that is not a kernel tree: exit 2, one line naming the path, no stack trace', () => {
    const r = auxbus(['kunit', '--run', '--kernel', '/nonexistent'], NO_TREE);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^auxbus kunit: error: /);
    expect(lines[0]).toContain('/nonexistent');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it(`--config outside ${CONFIGS.join(', ')} and --jobs 0 are refused with exit 2`, () => {
    expect(CONFIGS).not.toContain('lockdep');
    const config = auxbus(['kunit', '--run', '--config', 'lockdep'], NO_TREE);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain(`expected one of ${CONFIGS.join(', ')}`);
    const jobs = auxbus(['kunit', '--run', '--jobs', '0'], NO_TREE);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toContain('--jobs');
  });

  it('--help exits 0 and lists --run, --kernel, --out and the configurations', () => {
    const r = auxbus(['kunit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: auxbus kunit');
    for (const o of ['--run', '--kernel', '--out', '--config', '--jobs', '--json']) expect(r.stdout, o).toContain(o);
    expect(CONFIGS).toContain('plain');
    for (const c of CONFIGS) expect(r.stdout, c).toContain(c);
  });
});
