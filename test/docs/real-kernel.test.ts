import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import {
  ANALYSED_TARGET, buildTable, judge, readTriage, realKernelJson, realKernelMarkdown, shortReason, type RealKernelTable, type Triage,
} from '../../src/docs/real-kernel.js';

/**
 * Issue 14 item 2: the real-kernel table's generator (`npm run kernel:check`), on a small fake
 * tree built here from the fixture corpus, never on a real kernel: which files it lists, the
 * functions analysed and not, the findings keyed by a fingerprint that does not depend on where
 * the tree is, and the triage rule: a finding with no triage, or triaged a false positive, fails.
 * Then the committed table: docs/real-kernel.md is what its JSON and triage give.
 */

const ROOT = join(import.meta.dirname, '../..');
const CORPUS = join(ROOT, 'test/fixtures/check/corpus');
const dir = mkdtempSync(join(tmpdir(), 'auxbus-real-kernel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TREE = { name: 'fake-linux', version: '9.9.9' };

function fakeTree(at: string): string {
  const put = (file: string, text: string | Buffer) => {
    mkdirSync(dirname(join(at, file)), { recursive: true });
    writeFileSync(join(at, file), text);
  };
  put('drivers/foo/foo-aux.c', readFileSync(join(CORPUS, 'double-free-bad-1.c')));
  put('drivers/bar/bar-aux.c', readFileSync(join(CORPUS, 'double-free-ok-1.c')));
  put('drivers/bar/plain.c', 'int plain(void) { return 0; }\n');
  put('include/linux/auxiliary_bus.h', 'int auxiliary_device_init(struct auxiliary_device *auxdev);\n');
  // Left out by name (the KUnit suite the kunit runner writes into its copy of the tree).
  put('drivers/base/test/generated.c', readFileSync(join(CORPUS, 'double-free-bad-2.c')));
  return at;
}

async function table(at: string, maxOptions: { jobs?: number } = {}): Promise<RealKernelTable> {
  return buildTable(fakeTree(at), { tree: TREE, version: '0.0.0', exclude: [{ file: 'drivers/base/test/generated.c', why: 'generated' }], ...maxOptions });
}

describe('the real-kernel table (issue 14 item 2)', () => {
  it('lists the files that use the API, each function analysed or not, the findings with code, line, function and a fingerprint; a file that only declares the API apart; an excluded file not at all', async () => {
    const t = await table(join(dir, 'a'), { jobs: 1 });
    expect(t.files.map((f) => f.file)).toEqual(['drivers/bar/bar-aux.c', 'drivers/foo/foo-aux.c']);
    expect(t.mentionOnly).toEqual(['include/linux/auxiliary_bus.h']);
    expect(t.excluded).toEqual([{ file: 'drivers/base/test/generated.c', why: 'generated' }]);
    expect(t.totals).toMatchObject({ files: 4, usingFiles: 2, findings: 1 });
    expect(t.totals.analysed).toBe(t.totals.functions);
    const foo = t.files[1]!;
    expect(foo.analysed).toContain('lynx_plug_rdma');
    expect(foo.findings).toEqual([expect.objectContaining({ code: 'double-free', line: 52, function: 'lynx_plug_rdma', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) })]);
    // The fingerprint names the file from the tree's top: the same tree elsewhere keys the same.
    const elsewhere = await table(join(dir, 'b', 'deeper'), { jobs: 1 });
    expect(elsewhere.files[1]!.findings[0]!.fingerprint).toBe(foo.findings[0]!.fingerprint);
    expect(JSON.parse(realKernelJson(t))).toEqual(t);
  });

  it('gives a folder its files together: a helper of another file of the folder runs, and its finding names that file', async () => {
    const at = join(dir, 'linked');
    const multi = join(ROOT, 'test/fixtures/check/multi/helper-bad');
    mkdirSync(join(at, 'drivers/lynx'), { recursive: true });
    for (const f of ['plug.c', 'unwind.c']) writeFileSync(join(at, 'drivers/lynx', f), readFileSync(join(multi, f)));
    const t = await buildTable(at, { tree: TREE, version: '0.0.0', jobs: 1 });
    expect(t.files.map((f) => f.file)).toEqual(['drivers/lynx/plug.c']);
    expect(t.files[0]!.findings).toEqual([expect.objectContaining({ code: 'double-free', line: 10, in: 'drivers/lynx/unwind.c', function: 'lynx_plug' })]);
    const triage: Triage = { findings: { [t.files[0]!.findings[0]!.fingerprint]: { file: 'drivers/lynx/plug.c', function: 'lynx_plug', code: 'double-free', verdict: 'true-bug', why: 'planted' } } };
    expect(realKernelMarkdown(t, triage)).toContain('| `drivers/lynx/plug.c` | 10 (in `drivers/lynx/unwind.c`) | `lynx_plug` | `double-free` |');
  });

  it('counts create / teardown pairs apart from functions, and lists a pair\'s finding under the pair', async () => {
    const at = join(dir, 'pairs');
    mkdirSync(join(at, 'drivers/lynx'), { recursive: true });
    writeFileSync(join(at, 'drivers/lynx/diag.c'), readFileSync(join(CORPUS, 'leak-initialized-bad-6.c')));
    const t = await buildTable(at, { tree: TREE, version: '0.0.0', jobs: 1 });
    expect(t.totals).toMatchObject({ functions: 2, analysed: 2, pairs: 1, pairsAnalysed: 1, findings: 1 });
    expect(t.files[0]!.pairs).toEqual(['lynx_diag_init → lynx_diag_exit']);
    expect(t.files[0]!.findings).toEqual([expect.objectContaining({ code: 'leak-initialized', line: 61, function: 'lynx_diag_init → lynx_diag_exit' })]);
    const md = realKernelMarkdown(t, { findings: {} });
    expect(md).toContain('- **1 create / teardown pair** run together');
    expect(md).toContain('| `drivers/lynx/diag.c` | 2 + 1 of 1 pair |');
  });

  it('an untriaged finding fails, naming it; triaged a true bug it renders with its explanation; triaged a false positive it fails', async () => {
    const t = await table(join(dir, 'c'), { jobs: 1 });
    const f = t.files[1]!.findings[0]!;
    const none = judge(t, { findings: {} });
    expect(none.untriaged).toBe(1);
    expect(none.problems).toEqual([expect.stringMatching(new RegExp(`^drivers/foo/foo-aux\\.c:52 lynx_plug_rdma double-free \\(fingerprint ${f.fingerprint}\\): no triage`))]);
    expect(realKernelMarkdown(t, { findings: {} })).toContain('| `drivers/foo/foo-aux.c` | 52 | `lynx_plug_rdma` | `double-free` | **not triaged** |');

    const entry = { file: 'drivers/foo/foo-aux.c', function: 'lynx_plug_rdma', code: 'double-free' };
    const ok: Triage = { findings: { [f.fingerprint]: { ...entry, verdict: 'true-bug', why: 'the release frees ladev, then the unwind frees it again.' } } };
    const good = judge(t, ok);
    expect([good.problems, good.trueBugs, good.stale]).toEqual([[], 1, []]);
    expect(good.share).toBe(1);
    const md = realKernelMarkdown(t, ok);
    expect(md).toContain('| `drivers/foo/foo-aux.c` | 52 | `lynx_plug_rdma` | `double-free` | **true bug**: the release frees ladev, then the unwind frees it again. |');
    expect(md).toMatch(/^# `auxbus check` on a whole kernel tree: fake-linux \(9\.9\.9\)$/m);
    expect(md).toContain('| `drivers/bar/bar-aux.c` |');
    expect(md).toContain('`include/linux/auxiliary_bus.h`');
    expect(md).toContain('1 true bugs, 0 false positives, 0 not triaged.');

    const fp: Triage = { findings: { [f.fingerprint]: { ...entry, verdict: 'false-positive', why: 'not a bug.' } } };
    expect(judge(t, fp).problems).toEqual([expect.stringMatching(/triaged a false positive: not a bug; no false positive may stay: fix the checker$/)]);
    expect(realKernelMarkdown(t, fp)).toContain('**false positive** (to fix): not a bug.');

    // An entry no finding has any more is reported as stale (it does not fail).
    const stale = judge(t, { findings: { ...ok.findings, '0123456789abcdef': { ...entry, verdict: 'true-bug', why: 'gone' } } });
    expect([stale.problems, stale.stale]).toEqual([[], [expect.stringContaining('0123456789abcdef')]]);
  });

  it('functions stopped by a bound count against the share, with their reason in a few words', async () => {
    const t = await buildTable(fakeTree(join(dir, 'd')), { tree: TREE, version: '0.0.0', jobs: 1, maxPaths: 4 });
    // Nothing excluded, and a bound that stops a function: the JSON keeps the reason whole.
    expect(t.files.map((f) => f.file)).toContain('drivers/base/test/generated.c');
    const stopped = t.files.flatMap((f) => f.notAnalysed);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0]!.reason).toMatch(/^partly analysed: stopped after 4 paths \(the bound\)/);
    expect(t.totals.analysed).toBe(t.totals.functions - stopped.length);
    const j = judge(t, { findings: {} });
    expect(j.share).toBe(t.totals.analysed / t.totals.functions);
    expect(j.share).toBeLessThan(1);
    expect(realKernelMarkdown(t, { findings: {} })).toMatch(/\| `drivers\/base\/test\/generated\.c` \| \d+ \| `\w+` \(line \d+\): path bound \(4 paths\) reached/);
    expect(ANALYSED_TARGET).toBe(0.98);
    expect(shortReason('partly analysed: stopped after 2000 paths (the bound), those with the fewest failing calls first; the findings cover them')).toBe('path bound (2,000 paths) reached');
    expect(shortReason('budget: stopped after 200070 steps over 1583 paths of this run (the per-function step budget is 200000); nothing of this function is reported')).toBe('step budget (200,000 steps) reached');
    expect(shortReason('syntax-error: a | b')).toBe('syntax-error: a \\| b');
  });

  it('a triage file that is not one is refused with the reason', () => {
    const bad = (data: unknown) => {
      const p = join(dir, `triage-${Math.random()}.json`);
      writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
      return () => readTriage(p);
    };
    expect(bad('{')).toThrow(FileError);
    expect(bad({ findings: [] })).toThrow(/not a triage file/);
    expect(bad({ findings: { xyz: {} } })).toThrow(/not a fingerprint/);
    const entry = { file: 'a.c', function: 'f', code: 'double-free', verdict: 'true-bug', why: 'x' };
    expect(bad({ findings: { '0123456789abcdef': { ...entry, verdict: 'maybe' } } })).toThrow(/verdict "maybe"/);
    expect(bad({ findings: { '0123456789abcdef': { ...entry, why: ' ' } } })).toThrow(/no "why"/);
    expect(bad({ findings: { '0123456789abcdef': { ...entry, code: 'oops' } } })).toThrow(/not a violation code/);
    expect(bad({ findings: { '0123456789abcdef': entry } })()).toEqual({ findings: { '0123456789abcdef': entry } });
  });

  it('the committed docs/real-kernel.md is what docs/real-kernel.json and the triage give (npm run kernel:check writes both)', () => {
    const t = JSON.parse(readFileSync(join(ROOT, 'docs/real-kernel.json'), 'utf8')) as RealKernelTable;
    const triage = readTriage(join(ROOT, 'docs/real-kernel-triage.json'));
    expect(realKernelMarkdown(t, triage)).toBe(readFileSync(join(ROOT, 'docs/real-kernel.md'), 'utf8'));
    // Every finding of the committed table has its triage.
    expect(judge(t, triage).untriaged).toBe(0);
  });
});
