import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyBaseline, fingerprint, readBaseline, writeBaseline, type CheckFinding } from '../../src/check/index.js';
import { FileError } from '../../src/errors.js';

/** Baselines: known findings left out of later runs, matched across edits that only move them. */

const dir = mkdtempSync(join(tmpdir(), 'auxbus-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const f = (line: number, fn = 'foo_probe', code: CheckFinding['code'] = 'double-free'): CheckFinding => ({
  code, function: fn, at: { file: 'drivers/foo.c', line, column: 2 }, message: `kfree(p) at line ${line} after auxiliary_device_uninit() at line ${line - 1}`,
});

describe('baselines', () => {
  it('a finding moved by an edit above it keeps its fingerprint; another function or code does not', () => {
    expect(fingerprint(f(40))).toBe(fingerprint(f(52)));
    expect(fingerprint(f(40, 'foo_remove'))).not.toBe(fingerprint(f(40)));
    expect(fingerprint(f(40, 'foo_probe', 'memory-leak'))).not.toBe(fingerprint(f(40)));
  });

  it('the violation\'s own description the message quotes is not part of the fingerprint: a new version that rewords it keeps every baseline; the call and the story are', async () => {
    const { VIOLATIONS } = await import('../../machines/index.js');
    const when = VIOLATIONS['double-free'].when;
    const lower = when.charAt(0).toLowerCase() + when.slice(1);
    const said = (text: string, call = 'kfree(p)'): CheckFinding => ({ ...f(40), message: `${call}: ${text} (on this path: kfree() at line 39)` });
    expect(fingerprint(said(lower))).toBe(fingerprint(said('')));
    expect(fingerprint(said(lower))).not.toBe(fingerprint(said('some other text')));
    expect(fingerprint(said(lower))).not.toBe(fingerprint(said(lower, 'kfree(q)')));
  });

  it('written, read back and applied: known findings are left out one for one, new ones stay', () => {
    const path = join(dir, 'b.json');
    writeBaseline(path, [f(40)]);
    const b = readBaseline(path);
    const r = applyBaseline([f(45), f(45), f(60, 'foo_remove')], b);
    expect(r.suppressed).toBe(1);
    expect(r.findings.map((x) => x.function)).toEqual(['foo_probe', 'foo_remove']);
  });

  it('a file that is not a baseline, or missing, is a FileError saying what was expected', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"findings": 3}');
    expect(() => readBaseline(bad)).toThrow(/not an auxbus baseline/);
    writeFileSync(bad, 'nope');
    expect(() => readBaseline(bad)).toThrow(/not JSON/);
    expect(() => readBaseline(join(dir, 'missing.json'))).toThrow(FileError);
    expect(readFileSync(join(dir, 'b.json'), 'utf8')).toMatch(/"tool": "auxbus-model"/);
  });
});
