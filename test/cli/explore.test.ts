import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoutineExploration } from '../../src/index.js';
import { ANSI, BUILD_DIR, STACK_LINE, auxbus } from './run.js';

/**
 * `auxbus explore` through the real binary: the bundled examples (examples/, built with the
 * package), a user's compiled module, JSON, exit codes (0 clean, 1 problems, 2 bad input).
 */

const dir = mkdtempSync(join(tmpdir(), 'auxbus-explore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an ES module into the temporary folder and returns its path. */
function module(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

/** The package entry as the user's module imports it (here: the test build, by URL). */
const ENTRY = pathToFileURL(join(BUILD_DIR, 'src', 'index.js')).href;

interface JsonOut {
  version: string;
  clean: boolean;
  explorations: RoutineExploration[];
}

describe('auxbus explore on the bundled examples', () => {
  it('§5 --list names every example with what it shows, exit 0', () => {
    const r = auxbus(['explore', '--list']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(['correct-ida', 'double-free-add-failure', 'id-double-free', 'use-after-uninit', 'missing-uninit', 'empty-release']);
  });

  it('--list --json lists the examples as data', () => {
    const r = auxbus(['explore', '--list', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ name: string; description: string }>;
    expect(list.map((e) => e.name)).toEqual(['correct-ida', 'double-free-add-failure', 'id-double-free', 'use-after-uninit', 'missing-uninit', 'empty-release']);
    expect(list.every((e) => e.description.length > 0)).toBe(true);
  });

  it('§2.2 correct-ida: clean on all 6 paths, exit 0', () => {
    const r = auxbus(['explore', '--example', 'correct-ida']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('explore correct-ida: 6 paths (the fault-free run and each of its 5 fallible calls failing in turn), 6 clean: clean on every path');
    expect(r.stdout).not.toContain('problem 1');
    expect(r.stderr).toBe('');
  });

  it('§5 B4 double-free-add-failure: exit 1; the problem, the failed call and the double kfree marked, the KASAN symptom and the fix', () => {
    const r = auxbus(['explore', '--example', 'double-free-add-failure']);
    expect(r.code).toBe(1);
    const out = r.stdout;
    expect(out).toContain('problem 1 of 1: double-free (B4)');
    expect(out).toContain('on 2 of 6 paths: #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)');
    expect(out).toMatch(/: add\("my_mod"\)\s+<-- dev_set_name fails \(fail-nth 3\)$/m);
    expect(out).toMatch(/^\s+16\s+create\s+auxiliary device #\d+ \(struct my_aux\): kfree\(\)\s+<-- double-free \(B4\)$/m);
    expect(out).toContain('kernel: "BUG: KASAN: double-free in ..."');
    expect(out).toContain('fix: After auxiliary_device_uninit() the release callback owns the container');
    expect(out).toMatch(/#4\s+fail-nth 4 \(device_add\)\s+create failed: -12 \(-ENOMEM\)\s+problem 1: double-free \(B4\)/);
  });

  it('§5 B4 id-double-free, §5 B11 use-after-uninit, §5 B3 missing-uninit: exit 1 with their code on the expected paths', () => {
    const cases: Array<[string, string, string]> = [
      ['id-double-free', 'ida-double-free (B4)', 'on 2 of 6 paths: #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)'],
      ['use-after-uninit', 'use-after-release (B11)', 'on 2 of 6 paths: #0 no fault, #5 fail-nth 5 (probe)'],
      ['missing-uninit', 'leak-initialized (B3)', 'on 2 of 6 paths: #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)'],
    ];
    for (const [name, code, on] of cases) {
      const r = auxbus(['explore', '--example', name]);
      expect(r.code, name).toBe(1);
      expect(r.stdout).toContain(`problem 1 of 1: ${code}`);
      expect(r.stdout).toContain(on);
    }
  });

  it('model.md §4.6 --deferred-release: empty-release has the same problem on the same paths, found at the delayed cleanup; the option is recorded', () => {
    const r = auxbus(['explore', '--example', 'empty-release', '--deferred-release', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as JsonOut & { explorations: Array<{ options: { release: string } }> };
    const x = j.explorations[0]!;
    expect(x.options.release).toBe('deferred');
    expect(x.problems.map((p) => `${p.code}@${p.paths.join(',')}`)).toEqual(['free-outside-release@0,5', 'free-outside-release@3,4']);
    const text = auxbus(['explore', '--example', 'empty-release', '--deferred-release']);
    expect(text.stdout).toContain('kobject_cleanup (delayed)');
  });

  it('§5 B4, B11, B3 --all --json: one exploration per example, parsed, with their problems; exit 1; no colour in JSON even with FORCE_COLOR', () => {
    const r = auxbus(['explore', '--all', '--json'], { FORCE_COLOR: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(ANSI);
    const j = JSON.parse(r.stdout) as JsonOut;
    expect(j.clean).toBe(false);
    expect(j.explorations.map((x) => [x.scenario.name, x.summary.paths, x.problems.map((p) => `${p.code}@${p.paths.join(',')}`)])).toEqual([
      ['correct-ida', 6, []],
      ['double-free-add-failure', 6, ['double-free@3,4']],
      ['id-double-free', 6, ['ida-double-free@3,4']],
      ['use-after-uninit', 6, ['use-after-release@0,5']],
      ['missing-uninit', 6, ['leak-initialized@3,4']],
      ['empty-release', 6, ['free-outside-release@0,5', 'free-outside-release@3,4']],
    ]);
    const p = j.explorations[1]!.paths[3]!;
    expect(p.faults).toEqual([expect.objectContaining({ nth: 3, site: 'dev_set_name' })]);
    expect(p.violations[0]).toMatchObject({ code: 'double-free', bugClass: 'B4' });
  });

  it('§5 B3 --example is repeatable: the examples named, in that order, each once', () => {
    const r = auxbus(['explore', '--example', 'missing-uninit', '--example', 'correct-ida', '--example', 'missing-uninit', '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as JsonOut).explorations.map((x) => x.scenario.name)).toEqual(['missing-uninit', 'correct-ida']);
  });

  it('model.md §2 --max-faults 2 and --max-runs: the bound is reported as incomplete, exit 4 (a bound stopped it, nothing found)', () => {
    const r = auxbus(['explore', '--example', 'correct-ida', '--max-runs', '2', '--json']);
    expect(r.code).toBe(4);
    const j = JSON.parse(r.stdout) as JsonOut;
    expect(j.explorations[0]!.summary).toMatchObject({ runs: 2, paths: 2, complete: false });
    const text = auxbus(['explore', '--example', 'correct-ida', '--max-runs', '2']).stdout;
    expect(text).toContain('INCOMPLETE: stopped at the bound of 2 runs');
    const two = JSON.parse(auxbus(['explore', '--example', 'correct-ida', '--max-faults', '2', '--json']).stdout) as JsonOut;
    expect(two.explorations[0]!.options.maxFaults).toBe(2);
  });
});

describe('auxbus explore on a user\'s compiled module', () => {
  it('§1.4, §5 B3 a module exporting `scenarios` (one correct, one whose teardown deletes but never uninits) is explored: exit 1 for the leak', () => {
    const file = module('mine.mjs', `
import { NEG } from '${ENTRY}';
const base = {
  setup: (k) => ({ parent: k.parentDevice('p') }),
  create(k, { parent }) {
    const adev = k.kzallocDevice('mine');
    if (!adev) return NEG.ENOMEM;
    adev.name = 'bar'; adev.parent = parent; adev.release = (d) => k.kfree(d);
    if (adev.init()) { k.kfree(adev); return NEG.EINVAL; }
    const ret = adev.add('mod');
    if (ret) { adev.uninit(); return ret; }
    return adev;
  },
};
export const scenarios = [
  { ...base, name: 'mine-ok', teardown: (k, c, adev) => { adev.delete(); adev.uninit(); } },
  { ...base, name: 'mine-no-uninit', teardown: (k, c, adev) => { adev.delete(); } },
];
`);
    const r = auxbus(['explore', file]);
    expect(r.code).toBe(1);
    // kzalloc, dev_set_name, device_add (no driver: no probe): 4 paths.
    expect(r.stdout).toContain('explore mine-ok: 4 paths');
    expect(r.stdout).toContain('4 clean: clean on every path');
    // Teardown deletes but never uninits: the initialized device is never released (B3).
    expect(r.stdout).toContain('explore mine-no-uninit: 4 paths');
    expect(r.stdout).toMatch(/problem 1 of 1: leak-initialized \(B3\)\n.*\n  on 1 of 4 paths: #0 no fault/);
    expect(r.stdout).toContain('explored 2 scenarios: 1 clean, 1 with problems (mine-no-uninit)');
  });

  it('§1.5 a default export that throws in create is reported as an exception problem (exit 1), without a stack trace', () => {
    const file = module('throws.mjs', `export default { name: 'boom', create(k) { const a = k.kzalloc('x'); return a.missing(); } };`);
    const r = auxbus(['explore', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('problem 1 of 2: exception (TypeError: a.missing is not a function)');
    expect(r.stdout).toContain('problem 2 of 2: exception (TypeError: Cannot read properties of null');
    expect(r.stdout).not.toMatch(STACK_LINE);
  });

  it('README Command line: bad input exits 2 with one line on stderr and no stack trace: unknown example, missing file, no scenario, a load error, a malformed scenario, no target, a bad --max-faults, a module with --list or --world', () => {
    const noScenario = module('none.mjs', 'export const x = 1;');
    const loadError = module('broken.mjs', 'throw new Error("module init failed");');
    const syntax = module('syntax.mjs', 'export default {');
    const malformed = module('malformed.mjs', "export default { name: 'm' };");
    const cases: Array<[string[], RegExp]> = [
      [['--example', 'nope'], /no bundled example "nope"; examples: correct-ida/],
      [[join(dir, 'missing.mjs')], /cannot read .*missing\.mjs: ENOENT/],
      [[noScenario], /exports no scenario/],
      [[loadError], /cannot load it as an ES module \(Error: module init failed\)/],
      [[syntax], /cannot load it as an ES module \(SyntaxError/],
      [[module('mine.ts', 'export default {')], /compile it to JavaScript first/],
      [[malformed], /default export\.create: got undefined, expected a function/],
      [[], /nothing to explore/],
      [['--all', '--max-faults', '0'], /--max-faults: got "0", expected an integer from 1 to 8/],
      // A module with --list or --world would be ignored: refused instead.
      [['--list', 'extra'], /unexpected argument with --list: extra/],
      [['--world', 'module.js'], /unexpected argument with --world: module\.js/],
    ];
    for (const [args, message] of cases) {
      const r = auxbus(['explore', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the error, and where to read the usage
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('a routine that loops on the kernel: the scenario stops after 3 runs that all hit --max-calls, says so; the exception is a problem (exit 1)', () => {
    const file = module('loops.mjs', `export default { name: 'loops', create(k) { for (;;) k.kfree(k.kzalloc('buf')); } };`);
    const r = auxbus(['explore', file, '--max-calls', '300', '--json']);
    expect(r.code).toBe(1);
    const x = (JSON.parse(r.stdout) as JsonOut).explorations[0]!;
    expect(x.summary).toMatchObject({ runs: 3, complete: false, stoppedBy: 'maxCalls' });
    expect(x.summary.stopped).toBe('stopped after 3 runs that all hit the call budget of 300 calls (maxCalls): the routine loops on the kernel whatever fails');
    const text = auxbus(['explore', file, '--max-calls', '300']);
    expect(text.stdout).toContain('INCOMPLETE: stopped after 3 runs that all hit the call budget');
  });

  it('--max-memory takes a size (bytes, K, M, G) of at least 16M; anything else is exit 2 with the reason', () => {
    for (const bad of ['1k', 'lots', '1.5G', '4X', '15M']) {
      const r = auxbus(['explore', '--example', 'correct-ida', '--max-memory', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--max-memory: got ".*", expected a size of at least 16M/);
    }
    const ok = auxbus(['explore', '--example', 'correct-ida', '--max-memory', '2G', '--json']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as JsonOut).explorations[0]!.options.maxMemory).toBe(2 * 2 ** 30);
  });
});
