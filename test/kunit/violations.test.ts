/**
 * Violations on a real kernel: which path commits each code, and how a case's kernel log is
 * judged against the violation table's symptom (kernel-auxbus.md §5, model.md §3).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, MODEL_VIOLATION_CODES, VIOLATION_CODES, VIOLATIONS, type ViolationCode, type WorldSnapshot } from '../../machines/index.js';
import { expectedSymptom, judgeSymptom, kunitViolations, type ViolationCase } from '../../src/kunit/violations.js';

let cases: ViolationCase[];
let worlds: ReturnType<typeof kunitViolations>['worlds'];
beforeAll(() => {
  ({ cases, worlds } = kunitViolations());
});

describe('kunitViolations', () => {
  it('a case per violating transition: names unique, covers disjoint, each a path whose last call, and only it, reports its code', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    const covers = cases.flatMap((c) => c.covers);
    expect(new Set(covers).size).toBe(covers.length);
    // use-after-release is committed by many calls on a dead device (model.md §4.1): each its own case.
    expect(cases.filter((c) => c.code === 'use-after-release').length).toBeGreaterThan(3);
    for (const c of cases) {
      const world = createWorld(worlds[c.world]!);
      let s: WorldSnapshot = world.getInitialSnapshot(undefined as never, undefined as never);
      c.steps.forEach((step, i) => {
        s = world.transition(s, step.event, undefined as never);
        const codes = s.findings.map((f) => f.code);
        if (i < c.steps.length - 1) expect(codes, `${c.name} step ${i + 1}`).toEqual([]);
        else expect(codes, c.name).toContain(c.code);
      });
    }
  });

  it('cases exist only for codes a machine raises: the codes auxbus check judges alone (B20, B21) have none, and every other but driver-incomplete has one', () => {
    const checkerOnly = VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine === 'checker');
    expect(checkerOnly).toEqual(['wrong-error-check', 'null-device', 'null-dereference']);
    const got = new Set(cases.map((c) => c.code));
    for (const code of checkerOnly) expect(got.has(code), code).toBe(false);
    // driver-incomplete needs a driver without probe or id_table, which no violation world registers.
    expect(MODEL_VIOLATION_CODES.filter((c) => !got.has(c))).toEqual(['driver-incomplete']);
  });

  it('B12 and B18 are reached in the worlds made for them (no release; a release that keeps the container)', () => {
    const byCode = new Map(cases.map((c) => [c.code, c]));
    expect(worlds[byCode.get('missing-release')!.world]!.release.present).toBe(false);
    expect(byCode.has('free-outside-release')).toBe(true);
    expect(byCode.has('double-free')).toBe(true);
    expect(byCode.has('ida-double-free')).toBe(true);
  });
});

describe('judging a violation case\'s log', () => {
  it('§5 B4 ida-double-free: the WARN text of lib/idr.c, with the id, agrees; a quiet log does not', () => {
    expect(expectedSymptom('ida-double-free').kind).toBe('warn');
    const warn = ['ida_free called for id=0 which is not allocated.', 'WARNING: CPU: 0 PID: 1 at lib/idr.c:525 ida_free+0x1/0x2'];
    expect(judgeSymptom('ida-double-free', warn, true).agrees).toBe(true);
    expect(judgeSymptom('ida-double-free', ['    ok 1 v_ida_double_free'], true).agrees).toBe(false);
  });

  it('§5 B4 double-free: a KASAN report agrees; without one it disagrees even if something else WARNs', () => {
    expect(expectedSymptom('double-free').kind).toBe('kasan');
    expect(judgeSymptom('double-free', ['BUG: KASAN: double-free in kfree+0x1/0x2'], true).agrees).toBe(true);
    const other = judgeSymptom('double-free', ['WARNING: CPU: 0 PID: 1 at mm/slub.c:1 x'], true);
    expect(other.agrees).toBe(false);
    expect(other.saw).toContain('WARNING');
  });

  it('silent misuses (B6 uninit without delete, B5 id leak): agree only when the kernel printed no alarm and did not crash', () => {
    for (const code of ['uninit-without-delete', 'id-leak'] as ViolationCode[]) {
      expect(expectedSymptom(code).patterns).toEqual([]);
      expect(judgeSymptom(code, ['    # v: committed', '    ok 1 v'], true).agrees).toBe(true);
      expect(judgeSymptom(code, ['refcount_t: underflow; use-after-free.'], true).agrees).toBe(false);
      expect(judgeSymptom(code, [], false).agrees).toBe(false);
    }
  });

  it('§5 B7 an oops the model predicts agrees when the kernel crashed before reporting the case', () => {
    expect(expectedSymptom('delete-unadded').kind).toBe('oops');
    expect(judgeSymptom('delete-unadded', ['Kernel panic - not syncing: Segfault with no mm'], false).agrees).toBe(true);
    expect(judgeSymptom('delete-unadded', [], false).agrees).toBe(true);
    expect(judgeSymptom('delete-unadded', ['    ok 1 v_delete_unadded'], true).agrees).toBe(false);
  });

  it('printf formats of the table match the kernel\'s text: %s, %p and %d stand for anything', () => {
    const p = expectedSymptom('put-uninitialized').patterns;
    expect(VIOLATIONS['put-uninitialized'].kernelSymptom).toContain('%s');
    expect(p.some((r) => r.test("kobject: 'auxbus_model.dev.0' (00000000a1b2c3d4): is not initialized, yet kobject_put() is being called."))).toBe(true);
  });

  it('after the case reported, a silent misuse may show what its table lists later (B6: KASAN at power-off, in device_shutdown), nothing else; before it, nothing', () => {
    const log = ['    # v_x: committed', '    ok 1 v_x', 'BUG: KASAN: slab-use-after-free in device_shutdown+0xb9/0x320'];
    expect(judgeSymptom('uninit-without-delete', log, true, false, 'v_x').agrees).toBe(true);
    // Without knowing where the case ended, the whole log is the call's: the same KASAN disagrees.
    expect(judgeSymptom('uninit-without-delete', log, true).agrees).toBe(false);
    // id-leak lists no KASAN: the same line after the case disagrees.
    expect(VIOLATIONS['id-leak'].detection).not.toContain('kasan');
    expect(judgeSymptom('id-leak', log, true, false, 'v_x').agrees).toBe(false);
    expect(judgeSymptom('uninit-without-delete', ['BUG: KASAN: x', '    ok 1 v_x'], true, false, 'v_x').agrees).toBe(false);
  });

  it('model.md §4.1: a use-after-release on memory still valid (a call the release makes on its own device) agrees with a refcount_t WARN or a crash, not with silence', () => {
    expect(expectedSymptom('use-after-release').kind).toBe('kasan');
    expect(expectedSymptom('use-after-release', false, true).kind).toBe('warn');
    expect(judgeSymptom('use-after-release', ['refcount_t: addition on 0; use-after-free.'], true, false, undefined, true).agrees).toBe(true);
    expect(judgeSymptom('use-after-release', ['Kernel panic - not syncing: Segfault with no mm'], false, false, undefined, true).agrees).toBe(true);
    expect(judgeSymptom('use-after-release', ['    ok 1 v_x'], true, false, undefined, true).agrees).toBe(false);
  });
});
