import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auxbus, STACK_LINE } from './run.js';

/**
 * `auxbus check` through the real binary: gcc-style text, --json, --sarif, directories, and the
 * exit codes (0 clean, 1 findings, 2 errors, 4 nothing found but something not analysed), and
 * its worker threads (--jobs).
 */

const dir = mkdtempSync(join(tmpdir(), 'auxbus-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');

describe('auxbus check', () => {
  it('§5 B4: a buggy file prints gcc -fanalyzer-style: a short warning, numbered notes for each step of the path at its place (display columns, tab = 8), the fix and the symptom; exit 1', () => {
    const r = auxbus(['check', join(CORPUS, 'double-free-bad-1.c')]);
    expect(r.code).toBe(1);
    // The file indents with tabs: kfree(ladev) after two tabs is display column 17, as gcc prints it.
    const lines = r.stdout.trim().split('\n').map((l) => l.replace(join(CORPUS, 'double-free-bad-1.c'), 'F'));
    expect(lines).toEqual([
      "F: In function 'lynx_plug_rdma':",
      'F:52:17: warning: double-free of an allocation [CWE-415] [auxbus-double-free]',
      'F:32:17: note: (1) allocated by kzalloc() at line 32',
      'F:41:9: note: (2) release callback lynx_rdma_adev_release',
      'F:43:15: note: (3) auxiliary_device_init() succeeded at line 43',
      'F:49:15: note: (4) auxiliary_device_add() failed at line 49',
      'F:50:9: note: (5) taking the true branch',
      'F:51:17: note: (6) auxiliary_device_uninit() at line 51',
      'F:23:9: note: (7) kfree() at line 23 (in the release callback)',
      'F:52:17: note: (8) kfree() at line 52',
      'F:52:17: note: (9) kfree(ladev): an allocation is freed twice (e.g. the release callback frees it and the error path frees it again after auxiliary_device_uninit()), or devm_kzalloc()ed memory is kfree()d (devres frees it again when the parent driver unbinds).',
      expect.stringMatching(/^F:52:17: note: fix: After auxiliary_device_uninit\(\) the release callback owns the container/),
      expect.stringMatching(/^F:52:17: note: a real kernel shows: "BUG: KASAN: double-free.*\(docs\/kernel-auxbus\.md §3\.8, §5 B4\)$/),
    ]);
    expect(r.stderr).toMatch(/1 file \(1 using the auxiliary bus\), \d+ functions?, \d+ paths?: 1 finding, 0 not analysed/);
  });

  it('a correct file prints nothing on stdout and exits 0', () => {
    const r = auxbus(['check', join(CORPUS, 'double-free-ok-1.c')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('a directory is searched for .c and .h files; --json gives the findings with their class and fix', () => {
    const d = join(dir, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'sub', 'a.c'), readCorpus('leak-initialized-bad-1.c'));
    writeFileSync(join(d, 'b.h'), readCorpus('leak-initialized-ok-1.c'));
    writeFileSync(join(d, 'notes.txt'), readCorpus('leak-initialized-bad-1.c'));
    const r = auxbus(['check', d, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { clean: boolean; files: number; findings: Array<{ code: string; bugClass: string; fix: string; at: { file: string } }> };
    expect(out.files).toBe(2);
    expect(out.clean).toBe(false);
    expect(out.findings.map((f) => [f.code, f.bugClass])).toEqual([['leak-initialized', 'B3']]);
    expect(out.findings[0]!.at.file).toBe(join(d, 'sub', 'a.c'));
  });

  it('--sarif gives SARIF 2.1.0 with the finding as a result of its rule', () => {
    const r = auxbus(['check', join(CORPUS, 'put-uninitialized-bad-1.c'), '--sarif']);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }> };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.region.startLine])).toEqual([['auxbus-put-uninitialized', 67]]);
  });

  it('a file that names the API but cannot be read as C (binary) is not analysed, never a crash: exit 4; an empty or binary file that never names it is skipped by the pre-filter', () => {
    const bin = join(dir, 'blob.c');
    writeFileSync(bin, Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9].concat(Array(200).fill(0))), Buffer.from(' auxiliary_device_add(adev); ')]));
    const noise = join(dir, 'noise.c');
    writeFileSync(noise, Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9].concat(Array(200).fill(0))));
    const empty = join(dir, 'empty.c');
    writeFileSync(empty, '');
    const r = auxbus(['check', bin, noise, empty, '--json']);
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout) as { files: number; notAnalysed: Array<{ file: string; reason: string }> };
    expect(out.files).toBe(3);
    expect(out.notAnalysed.map((n) => [n.file, n.reason.split(':')[0]])).toEqual([[bin, 'binary']]);
    expect(r.stderr).toMatch(/3 files \(1 using the auxiliary bus\), 0 functions, 0 paths: 0 findings, 1 not analysed; incomplete: /);
    const skipped = auxbus(['check', noise, empty]);
    expect([skipped.code, skipped.stdout]).toEqual([0, '']);
  });

  it('a FIFO named on the command line is not opened (it would wait for a writer): not analysed, with its type, at once', () => {
    const fifo = join(dir, 'p.c');
    execFileSync('mkfifo', [fifo]);
    const r = auxbus(['check', fifo], {}, 30_000);
    // What it holds is not known: not a clean result.
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`not analysed: unreadable: cannot read ${fifo}: it is a FIFO (named pipe), not a regular file`);
  });

  it('a path that does not exist, no path, or two output formats: exit 2 with the reason', () => {
    const missing = auxbus(['check', join(dir, 'nope.c')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.c: no such file or directory; expected a C file or a directory/);
    expect(auxbus(['check']).code).toBe(2);
    const both = auxbus(['check', join(CORPUS, 'double-free-ok-1.c'), '--json', '--sarif']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json and --sarif are exclusive/);
    expect(auxbus(['check', CORPUS, '--max-paths', '0']).code).toBe(2);
  });

  it('model.md §4.6, B18: a devm_kzalloc()ed container is reported on the devm_kzalloc() line, with the fix, exit 1', () => {
    const r = auxbus(['check', join(CORPUS, 'free-outside-release-bad-2.c')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/free-outside-release-bad-2\.c:31:14: warning: container freed outside its release callback \[CWE-416\] \[auxbus-free-outside-release\]$/);
    expect(lines[lines.length - 3]).toMatch(/:31:14: note: \(\d+\) devm_kzalloc\(dev, sizeof\(\*pa\), GFP_KERNEL\) \(the fix goes here\): devres frees /);
    expect(lines[lines.length - 2]).toMatch(/:31:14: note: fix: Free the container only in its release callback/);
  });

  it('model.md §4.6: a release callback of another file is assumed unknown and the output says so: a note in the text, assumptions in --json, a notification in --sarif; exit 0', () => {
    const file = join(CORPUS, 'correct-foreign-release.c');
    const text = auxbus(['check', file]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      `${file}:40:1: note: assumed (function wren_aux_register): release callback wren_aux_release is not in this file: assumed unknown (it may free the container or not); findings that depend on what it frees are not reported`,
      `${file}:59:1: note: assumed (function wren_aux_unregister): release callback wren_aux_release is not in this file: assumed unknown (it may free the container or not); findings that depend on what it frees are not reported`,
    ]);
    expect(text.stderr).toMatch(/0 findings, 0 not analysed, 2 assumptions \(release callbacks it cannot see\)/);
    const json = JSON.parse(auxbus(['check', file, '--json']).stdout) as { clean: boolean; notAnalysed: unknown[]; assumptions: Array<{ function: string; line: number; release: string }> };
    expect(json.clean).toBe(true);
    expect(json.notAnalysed).toEqual([]);
    expect(json.assumptions.map((a) => [a.function, a.line, a.release])).toEqual([['wren_aux_register', 40, 'wren_aux_release'], ['wren_aux_unregister', 59, 'wren_aux_release']]);
    const sarif = JSON.parse(auxbus(['check', file, '--sarif']).stdout) as {
      runs: Array<{ results: unknown[]; invocations: Array<{ toolExecutionNotifications: Array<{ descriptor?: { id: string }; message: { text: string } }> }> }>;
    };
    expect(sarif.runs[0]!.results).toEqual([]);
    const notes = sarif.runs[0]!.invocations[0]!.toolExecutionNotifications;
    expect(notes.map((n) => [n.descriptor?.id, n.message.text.split(':')[0]])).toEqual([
      ['assumption', 'assumed (function wren_aux_register)'], ['assumption', 'assumed (function wren_aux_unregister)'],
    ]);
  });

  it('--max-paths bounds the paths per function and the report says so', () => {
    const r = auxbus(['check', join(CORPUS, 'double-free-bad-2.c'), '--max-paths', '2', '--json']);
    const out = JSON.parse(r.stdout) as { notAnalysed: Array<{ reason: string }> };
    expect(out.notAnalysed.some((n) => /partly analysed: stopped after 2 paths/.test(n.reason))).toBe(true);
  });

  it('issue 14 item 3: a function only partly analysed and no finding: the summary says the run is incomplete, exit 4; --allow-partial exits 0 and says so; a finding still exits 1', () => {
    const file = join(CORPUS, 'double-free-ok-1.c');
    const partial = auxbus(['check', file, '--max-paths', '1']);
    expect(partial.code).toBe(4);
    expect(partial.stdout).toMatch(/: note: not analysed \(function \w+\): partly analysed: stopped after 1 paths/);
    expect(partial.stderr).toMatch(/: 0 findings, 1 not analysed \(1 of them partly\); incomplete: what was not analysed is not known to be clean \(exit 4; --allow-partial accepts it\)\n$/);
    const allowed = auxbus(['check', file, '--max-paths', '1', '--allow-partial']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/1 not analysed \(1 of them partly\); incomplete, accepted \(--allow-partial\)\n$/);
    // Findings decide first: exit 1, with or without the flag.
    const both = auxbus(['check', join(CORPUS, 'double-free-bad-1.c'), join(CORPUS, 'double-free-bad-2.c'), '--max-paths', '4']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/: 1 finding, 1 not analysed \(1 of them partly\)\n$/);
    // Under kbuild nothing fails the build.
    expect(auxbus(['check', '--kbuild', '-D__KERNEL__', file, '--max-paths', '1']).code).toBe(0);
    // --json and --sarif exit the same way.
    expect(auxbus(['check', file, '--max-paths', '1', '--json']).code).toBe(4);
    expect(auxbus(['check', file, '--max-paths', '1', '--sarif']).code).toBe(4);
  });

  it('issue 14 item 4: --jobs N checks in N worker threads and prints exactly what one thread prints (text, JSON, SARIF, the summary)', () => {
    const tree = join(dir, 'jobs');
    mkdirSync(join(tree, 'a'), { recursive: true });
    mkdirSync(join(tree, 'b'), { recursive: true });
    const names = readdirSync(CORPUS).filter((f) => f.endsWith('.c')).sort();
    names.forEach((f, i) => writeFileSync(join(tree, i % 2 === 0 ? 'a' : 'b', f), readCorpus(f)));
    for (let i = 0; i < 40; i++) writeFileSync(join(tree, 'a', `plain${i}.c`), `int f${i}(void) { return ${i}; }\n`);
    for (const format of [[], ['--json'], ['--sarif']]) {
      const one = auxbus(['check', tree, '--jobs', '1', '--max-paths', '3', ...format]);
      const three = auxbus(['check', tree, '-j', '3', '--max-paths', '3', ...format]);
      expect(one.code).toBe(1);
      expect(three.code).toBe(one.code);
      expect(three.stdout).toBe(one.stdout);
      expect(three.stderr).toBe(one.stderr);
    }
  });

  it('--jobs takes an integer from 1 to 256: anything else is a usage error, exit 2', () => {
    const file = join(CORPUS, 'double-free-ok-1.c');
    for (const bad of ['0', '-1', 'x', '1.5', '257', '']) {
      const r = auxbus(['check', file, '--jobs', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--jobs: got ".*", expected an integer from 1 to 256|--jobs needs a value/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    expect(auxbus(['check', file, '--jobs']).code).toBe(2);
  });

  it('--max-steps is the per-function step budget: past it the function is "not analysed: budget" and none of its findings stand', () => {
    const file = join(CORPUS, 'double-free-bad-2.c');
    const full = auxbus(['check', file, '--json']);
    expect(full.code).toBe(1);
    const r = auxbus(['check', file, '--max-steps', '5']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/: note: not analysed \(function \w+\): budget: stopped after \d+ steps over \d+ paths of this run \(the per-function step budget is 5\)/);
    expect(r.stdout).not.toMatch(/warning:/);
    expect(auxbus(['check', file, '--max-steps', '0']).code).toBe(2);
  });
});

function readCorpus(name: string): string {
  return readFileSync(join(CORPUS, name), 'utf8');
}
