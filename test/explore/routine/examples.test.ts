import { describe, expect, it } from 'vitest';
import { EXAMPLES, findExample } from '../../../examples/index.js';
import { explore, formatExploration, NEG, VIOLATIONS, type RoutineExploration, type RoutinePath } from '../../../src/index.js';

/**
 * The bundled examples (examples/), explored on every path of the fail-nth loop. The routines
 * make five fallible calls when nothing fails, in this order: kzalloc of the container, the IDA's
 * ida_alloc, dev_set_name and device_add inside auxiliary_device_add (§1.3), and the bus probe of
 * the driver setup registered (§1.8). So there are 6 paths: #0 with no fault, #n with the n-th
 * call failing. Expected findings are those of model.md §3 / kernel-auxbus.md §5.
 */

const SITES = ['kzalloc', 'ida_alloc', 'dev_set_name', 'device_add', 'probe'];

function run(name: string, release: 'immediate' | 'deferred' = 'immediate'): RoutineExploration {
  const s = findExample(name);
  if (!s) throw new Error(`no example ${name}`);
  return explore(s, { release });
}

/** The shape every example shares: 6 paths, path #n fails the n-th call, the returns of §1.2-§1.3. */
function expectFailNthShape(r: RoutineExploration): void {
  expect(r.summary.fallibleCalls).toBe(5);
  expect(r.summary.paths).toBe(r.summary.fallibleCalls + 1);
  expect(r.summary.complete).toBe(true);
  expect(r.paths.map((p) => p.faults.map((f) => [f.nth, f.site]))).toEqual([[], ...SITES.map((s, i) => [[i + 1, s]])]);
  // The fault-free path and the probe failure register the device (a failed probe leaves it
  // added and unbound, §1.8), so teardown runs; every other fault makes create return -ENOMEM.
  expect(r.paths.map((p) => [p.created?.ok, p.tornDown])).toEqual([[true, true], [false, false], [false, false], [false, false], [false, false], [true, true]]);
  expect(r.paths.slice(1, 5).map((p) => p.created?.value)).toEqual([NEG.ENOMEM, NEG.ENOMEM, NEG.ENOMEM, NEG.ENOMEM]);
  expect(r.paths[0]!.created?.value).toEqual({ object: 'auxiliary device my_mod.foo.0' });
  for (const p of r.paths) {
    // The failed call is the step the fault names, in create (faults are armed after setup).
    for (const f of p.faults) expect(p.steps[f.step - 1]).toMatchObject({ failed: f.site, phase: 'create', call: f.call });
    expect(p.threw).toBeNull();
  }
}

/** The step of a path a finding points at. */
const stepAt = (p: RoutinePath, step: number) => p.steps[step - 1]!;

describe('bundled examples', () => {
  it('§5 every example is a scenario with a unique name and a description of the mistake it shows', () => {
    const names = EXAMPLES.map((s) => s.name);
    expect(names).toEqual(['correct-ida', 'double-free-add-failure', 'id-double-free', 'use-after-uninit', 'missing-uninit', 'empty-release']);
    for (const s of EXAMPLES) expect(s.description?.length).toBeGreaterThan(20);
    expect(findExample('nope')).toBeUndefined();
  });

  it('§2.2, §2.3 correct-ida: the documented three-step register is clean on all 6 paths (no fault, and each fallible call failing)', () => {
    const r = run('correct-ida');
    expectFailNthShape(r);
    expect(r.paths.every((p) => p.clean && p.violations.length === 0 && p.leaks.length === 0)).toBe(true);
    expect(r.summary).toMatchObject({ paths: 6, clean: 6, problems: 0, codes: {} });
    expect(r.problems).toEqual([]);
    // The release callback did free the id and the container on the add-failure paths.
    for (const id of [3, 4]) {
      const calls = r.paths[id]!.steps.filter((s) => s.depth > 0).map((s) => s.call.replace(/^.*: /, ''));
      expect(calls).toEqual(['release()', 'read("id")', 'ida_free(0)', 'kfree()']);
    }
    // §1.8, §1.9: the driver's probe runs inside add (device_add binds it), its remove inside
    // delete (device_del unbinds it), each a step of its own nested in the call that ran it; a
    // failed probe (path #5) leaves nothing to remove.
    const brief = (p: RoutinePath) => p.steps.filter((s) => s.phase !== 'setup').map((s) => `${s.depth}:${s.call.replace(/^.*: /, '')}`);
    const fine = brief(r.paths[0]!);
    expect(fine.slice(fine.indexOf('0:add("my_mod")'), fine.indexOf('0:add("my_mod")') + 2)).toEqual(['0:add("my_mod")', '1:probe("foo_drv")']);
    expect(fine.slice(fine.indexOf('0:delete()'), fine.indexOf('0:delete()') + 2)).toEqual(['0:delete()', '1:remove("foo_drv")']);
    const probeFailed = brief(r.paths[5]!);
    expect(probeFailed.filter((c) => c.includes('probe(') || c.includes('remove('))).toEqual([]);
    expect(formatExploration(r)).toContain('6 clean: clean on every path');
  });

  it('§5 B4 double-free-add-failure: kfree after uninit is a double-free at that kfree, on the dev_set_name (nth 3) and device_add (nth 4) paths only, one problem', () => {
    const r = run('double-free-add-failure');
    expectFailNthShape(r);
    expect(r.paths.map((p) => p.clean)).toEqual([true, true, true, false, false, true]);
    expect(r.problems).toHaveLength(1);
    const pr = r.problems[0]!;
    expect(pr).toMatchObject({
      kind: 'violation', code: 'double-free', bugClass: 'B4', phase: 'create', operation: 'kfree()',
      origin: 'kzalloc("struct my_aux")', paths: [3, 4], shortest: 3, fix: VIOLATIONS['double-free'].fix,
    });
    for (const id of [3, 4]) {
      const p = r.paths[id]!;
      expect(p.violations.map((f) => f.code)).toEqual(['double-free']);
      expect(p.leaks).toEqual([]);
      const at = stepAt(p, p.violations[0]!.step);
      // The error path's own kfree (depth 0), after the release callback's kfree (depth 2) freed it first.
      expect(at).toMatchObject({ depth: 0, phase: 'create' });
      expect(at.call).toMatch(/: kfree\(\)$/);
      const frees = p.steps.filter((s) => s.call.endsWith('kfree()'));
      expect(frees.map((s) => s.depth)).toEqual([2, 0]);
    }
    // On the dev_set_name path the device was never named; on the device_add path it was (§1.3).
    expect(r.paths[3]!.violations[0]!.object).toMatch(/^auxiliary device #\d+ \(struct my_aux\)$/);
    expect(r.paths[4]!.violations[0]!.object).toBe('auxiliary device my_mod.foo.0');
    expect(r.summary.codes).toEqual({ 'double-free': 2 });
  });

  it('§4, §5 B4 id-double-free: ida_free after uninit WARNs "not allocated" (ida-double-free) on the dev_set_name and device_add paths only', () => {
    const r = run('id-double-free');
    expectFailNthShape(r);
    expect(r.paths.map((p) => p.clean)).toEqual([true, true, true, false, false, true]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      code: 'ida-double-free', bugClass: 'B4', phase: 'create', operation: 'ida_free(0)', object: 'IDA my_aux_ida', paths: [3, 4], shortest: 3,
    });
    for (const id of [3, 4]) {
      const p = r.paths[id]!;
      expect(p.violations.map((f) => [f.code, f.ids])).toEqual([['ida-double-free', undefined]]);
      expect(p.leaks).toEqual([]);
      // The first ida_free(0) ran inside the release callback; the second is the error path's.
      const frees = p.steps.filter((s) => s.call.endsWith('ida_free(0)'));
      expect(frees.map((s) => s.depth)).toEqual([2, 0]);
      expect(p.violations[0]!.step).toBe(frees[1]!.step);
    }
  });

  it('§5 B11 use-after-uninit: reading adev.id after the final uninit is use-after-release in teardown, on every path where create succeeded (no fault, probe fails)', () => {
    const r = run('use-after-uninit');
    expectFailNthShape(r);
    expect(r.paths.map((p) => p.clean)).toEqual([false, true, true, true, true, false]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      code: 'use-after-release', bugClass: 'B11', phase: 'teardown', operation: 'read("id")', object: 'auxiliary device my_mod.foo.0', paths: [0, 5], shortest: 0,
    });
    const p = r.paths[0]!;
    const at = stepAt(p, p.violations[0]!.step);
    expect(at).toMatchObject({ phase: 'teardown', depth: 0, call: 'auxiliary device my_mod.foo.0: read("id")' });
    // It comes right after uninit ran the release callback, which freed the container.
    expect(p.steps.slice(at.step - 4, at.step - 1).map((s) => [s.call.replace(/^.*: /, ''), s.depth])).toEqual([['uninit()', 0], ['release()', 1], ['kfree()', 2]]);
    // The stale read still gives the right number, so the id is freed and nothing leaks.
    expect(r.paths.every((q) => q.leaks.length === 0)).toBe(true);
  });

  it('§1.3, §5 B3 missing-uninit: returning on add failure without uninit leaks the initialized device (leak-initialized at the end check, once: not also its id, model.md §4.3)', () => {
    const r = run('missing-uninit');
    expectFailNthShape(r);
    expect(r.paths.map((p) => p.clean)).toEqual([true, true, true, false, false, true]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ kind: 'leak', code: 'leak-initialized', bugClass: 'B3', phase: 'end', origin: 'kzalloc("struct my_aux")', paths: [3, 4], shortest: 3 });
    for (const id of [3, 4]) {
      const p = r.paths[id]!;
      expect(p.violations).toEqual([]);
      expect(p.leaks.map((f) => f.code)).toEqual(['leak-initialized']);
    }
  });

  it('§5 B18 empty-release: kfree of the container after the last uninit, the release freeing only the id, is free-outside-release on every path where init succeeded', () => {
    const r = run('empty-release');
    expectFailNthShape(r);
    expect(r.paths.map((p) => p.clean)).toEqual([false, true, true, false, false, false]);
    // Once in teardown (no fault, probe fails), once in the add-failure unwind (dev_set_name, device_add).
    expect(r.problems.map((p) => [p.code, p.bugClass, p.phase, p.paths])).toEqual([
      ['free-outside-release', 'B18', 'teardown', [0, 5]], ['free-outside-release', 'B18', 'create', [3, 4]],
    ]);
    for (const id of [0, 3, 4, 5]) {
      const p = r.paths[id]!;
      expect(p.violations.map((f) => f.code)).toEqual(['free-outside-release']);
      // Reported at the caller's kfree, right after the release ran inside the last put.
      const at = stepAt(p, p.violations[0]!.step);
      expect(at).toMatchObject({ depth: 0 });
      expect(at.call).toMatch(/kfree\(\)$/);
      expect(p.leaks).toEqual([]);
    }
  });

  it('model.md §4.6: with deferred release every example has the same findings on the same paths; the release runs after the last put, at the delayed cleanup', () => {
    for (const s of EXAMPLES) {
      const now = run(s.name);
      const later = run(s.name, 'deferred');
      expect(later.options.release).toBe('deferred');
      const verdict = (x: RoutineExploration) => x.paths.map((p) => [...p.violations, ...p.leaks].map((f) => f.code).sort());
      expect(verdict(later), s.name).toEqual(verdict(now));
    }
    // empty-release: the kfree comes before the release; B18 is found when the delayed cleanup runs it.
    const p = run('empty-release', 'deferred').paths[0]!;
    const at = stepAt(p, p.violations[0]!.step);
    expect(at.call).toMatch(/kobject_cleanup \(delayed\)/);
    const teardown = p.steps.filter((q) => q.phase === 'teardown' && q.depth === 0).map((q) => q.call.replace(/^.*: /, ''));
    expect(teardown).toEqual(['delete()', 'uninit()', 'kfree()', 'kobject_cleanup (delayed)()']);
    // The release still runs once, on the freed container (its read is the KASAN report of B18).
    expect(p.steps.filter((q) => /: release\(\)$/.test(q.call))).toHaveLength(1);
  });
});
