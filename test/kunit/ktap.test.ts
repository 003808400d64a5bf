/**
 * Reading a kernel's console (src/kunit/ktap.ts) as `kunit.py run --raw_output=all` prints it:
 * boot noise, KTAP at two levels of nesting, and the kernel's own log lines in between.
 *
 * The text below is written by hand after the layout of Linux 6.12.118 (ARCH=um), as lib/kunit
 * prints it: `kunit_print_suite_start` prints the indented `KTAP version 1`, `# Subtest:`, the
 * suite's attributes (`# module:`) and the plan; a failed expectation is one printk of
 * `    # <case>: EXPECTATION FAILED at <file>:<line>` followed by the assert text of
 * lib/kunit/assert.c: `    Expected <left> <op> <right>, but` (KUNIT_SUBTEST_INDENT), each
 * non-literal operand on `        <text> == <value> (<hex>)` (KUNIT_SUBSUBTEST_INDENT), then the
 * message of a KUNIT_EXPECT_*_MSG as "\n%pV" (kunit_assert_print_msg): at column 0, after an
 * empty line when the right operand is a literal (nothing is printed for it, so the left line's
 * newline and the message's meet). That layout was checked on a UML boot of 6.12.118 with a small
 * suite failing such expectations.
 */
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../machines/index.js';
import { failedExpectation, firstFailure, parseKtap } from '../../src/kunit/index.js';

const CONSOLE = [
  'Core dump limits :',
  '\tsoft - 0',
  'Checking environment variables for a tempdir...none found',
  'Linux version 6.12.118 (root@host) (gcc (Debian 12.2.0-14) 12.2.0) #1 Mon Dec 7 02:00:00 UTC 2026',
  'Kernel command line: mem=1G console=tty kunit_shutdown=halt',
  'printk: legacy console [mc-1] enabled',
  'KTAP version 1',
  '1..1',
  '    KTAP version 1',
  '    # Subtest: auxbus_model',
  '    # module: auxbus_model_test',
  '    1..3',
  '    ok 1 a',
  'auxiliary auxbus_model.dev.0: adding auxiliary device failed!: -17',
  '    # b: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:312',
  '    Expected ret == 0, but',
  '        ret == -17 (0xffffffffffffffef)',
  '',
  'step 3: return value',
  '    # b: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:174',
  '    Expected kref_read(&dev->kobj.kref) == kref, but',
  '        kref_read(&dev->kobj.kref) == 1 (0x1)',
  '        kref == 3 (0x3)',
  'step 3: dev0 kref',
  '    not ok 2 b',
  '    ok 3 c # SKIP reason',
  '# auxbus_model: pass:1 fail:1 skip:1 total:3',
  '# Totals: pass:1 fail:1 skip:1 total:3',
  'not ok 1 auxbus_model',
  'reboot: System halted',
  '',
].join('\n');

describe('parseKtap', () => {
  it('one suite, its plan and its three results: ok, not ok, and ok with a SKIP directive', () => {
    const run = parseKtap(CONSOLE);
    expect(run.suites.map((s) => [s.name, s.planned])).toEqual([['auxbus_model', 3]]);
    expect(run.suites[0]!.cases.map((c) => [c.name, c.result])).toEqual([['a', 'ok'], ['b', 'not ok'], ['c', 'skip']]);
    expect(run.incomplete).toBe(false);
  });

  it('b\'s diagnostics are its two failed expectations, each with what was expected, what was seen and its step message', () => {
    const b = parseKtap(CONSOLE).suites[0]!.cases[1]!;
    expect(b.diagnostics).toEqual([
      'b: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:312',
      'Expected ret == 0, but',
      'ret == -17 (0xffffffffffffffef)',
      'step 3: return value',
      'b: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:174',
      'Expected kref_read(&dev->kobj.kref) == kref, but',
      'kref_read(&dev->kobj.kref) == 1 (0x1)',
      'kref == 3 (0x3)',
      'step 3: dev0 kref',
    ]);
  });

  it('the message is kept when KUnit prints it indented as well (the layout of the expectation text alone)', () => {
    const indented = CONSOLE.replace('\n\nstep 3: return value', '\n    step 3: return value');
    expect(parseKtap(indented).suites[0]!.cases[1]!.diagnostics.slice(0, 4)).toEqual([
      'b: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:312',
      'Expected ret == 0, but',
      'ret == -17 (0xffffffffffffffef)',
      'step 3: return value',
    ]);
  });

  it('the kernel\'s log line printed while b ran (the -EEXIST of its add, §3.4) is in b\'s log and not a diagnostic; a passing case logged nothing', () => {
    const [a, b, c] = parseKtap(CONSOLE).suites[0]!.cases;
    expect(b!.log).toContain('auxiliary auxbus_model.dev.0: adding auxiliary device failed!: -17');
    expect(b!.diagnostics.join('\n')).not.toContain('adding auxiliary device failed');
    expect(a!.log.join('\n')).not.toContain('adding auxiliary device failed');
    expect(c!.log).toEqual([]);
    expect(c!.diagnostics).toEqual([]);
  });

  it('the suite\'s header (# module: ...) is not a line of the first case: a passing first case has no diagnostic', () => {
    const a = parseKtap(CONSOLE).suites[0]!.cases[0]!;
    expect(a.diagnostics).toEqual([]);
    expect(a.log).toEqual([]);
  });

  it('boot noise before KTAP, the summary lines after it and the suite\'s own result line are no case\'s', () => {
    const cases = parseKtap(CONSOLE).suites[0]!.cases;
    const all = cases.flatMap((c) => [...c.log, ...c.diagnostics]).join('\n');
    for (const noise of ['Linux version', 'Kernel command line', 'KTAP version', 'pass:1', 'reboot', 'Subtest']) expect(all, noise).not.toContain(noise);
  });

  it('a kernel that stops after `ok 1 a` (it crashed in b): incomplete, with the one result it gave', () => {
    const crashed = CONSOLE.slice(0, CONSOLE.indexOf('    ok 1 a\n') + '    ok 1 a\n'.length) + 'Kernel panic - not syncing: Segfault with no mm\n';
    const run = parseKtap(crashed);
    expect(run.incomplete).toBe(true);
    expect(run.suites[0]!.planned).toBe(3);
    expect(run.suites[0]!.cases.map((c) => c.name)).toEqual(['a']);
  });

  it('no KTAP at all (the build failed), or a suite without its plan: incomplete', () => {
    expect(parseKtap('')).toEqual({ suites: [], incomplete: true });
    expect(parseKtap('drivers/base/test/auxbus-model-test.c:12:1: error: expected \';\'\nmake: *** Error 1\n').incomplete).toBe(true);
    expect(parseKtap('    # Subtest: auxbus_model\n    ok 1 a\nok 1 auxbus_model\n').incomplete).toBe(true);
  });

  it('printk time stamps ([    1.234567] ) before every line change nothing', () => {
    let t = 1;
    const stamped = CONSOLE.split('\n').map((l) => `[${(t++ / 7).toFixed(6).padStart(12)}] ${l}`).join('\n');
    // As printk prints them: `[%5lu.%06lu] ` before the line, its indentation kept.
    expect(stamped).toMatch(/^\[ {4}1\.\d{6}\] {5}KTAP version 1$/m);
    expect(parseKtap(stamped)).toEqual(parseKtap(CONSOLE));
  });

  it('CRLF line ends change nothing', () => {
    expect(parseKtap(CONSOLE.replace(/\n/g, '\r\n'))).toEqual(parseKtap(CONSOLE));
  });

  it('input that is not a string (a Buffer from spawnSync without encoding, undefined) throws ParameterError', () => {
    for (const bad of [Buffer.from(CONSOLE), undefined, null, 42]) {
      expect(() => parseKtap(bad as never)).toThrow(ParameterError);
    }
  });
});

describe('firstFailure', () => {
  const [a, b, c] = parseKtap(CONSOLE).suites[0]!.cases;

  it('one line with the first failed expectation of b: what was expected, what was seen and its step message, not the second', () => {
    const f = firstFailure(b!);
    expect(f).not.toContain('\n');
    expect(f).toContain('Expected ret == 0');
    expect(f).toContain('ret == -17 (0xffffffffffffffef)');
    expect(f).toContain('step 3: return value');
    expect(f).not.toContain('kref');
    expect(f.indexOf('Expected ret == 0')).toBeLessThan(f.indexOf('step 3: return value'));
  });

  it('a passing or skipped case has none', () => {
    expect(firstFailure(a!)).toBe('');
    expect(firstFailure(c!)).toBe('');
  });

  it('§3.9: a first case failed by KASAN (kunit_set_failure prints no expectation) says it has no diagnostic, not the suite\'s # module line', () => {
    const kasan = CONSOLE.replace('    ok 1 a', 'BUG: KASAN: slab-use-after-free in device_del+0x4d/0x420\n    not ok 1 a');
    const first = parseKtap(kasan).suites[0]!.cases[0]!;
    expect(first.result).toBe('not ok');
    expect(first.log).toContain('BUG: KASAN: slab-use-after-free in device_del+0x4d/0x420');
    const f = firstFailure(first);
    expect(f).not.toContain('module');
    expect(f).toMatch(/no diagnostic/);
  });

  it('failedExpectation: the first failed expectation up to its step message, without the diagnostics after it; empty for a case KUnit failed for another reason (a KASAN report)', () => {
    const c = { name: 'v', result: 'not ok' as const, diagnostics: ['v: EXPECTATION FAILED at x.c:9', 'Expected ret == 0, but', 'ret == -17', 'step 3: return value', 'v: use-after-release committed'], log: [] };
    expect(failedExpectation(c)).toBe('Expected ret == 0, but ret == -17 step 3: return value');
    expect(failedExpectation({ ...c, diagnostics: ['v: use-after-release committed'] })).toBe('');
  });
});
