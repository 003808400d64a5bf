/**
 * The suite as C (src/kunit/emit.ts): one KUnit case per path, each call in the path's order with
 * the observations the model predicts after it, in kernel style.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, NEG, ParameterError, type WorldCall, type WorldParams } from '../../machines/index.js';
import {
  callText, emitKunitC, HARNESS_LIMITS, kunitSuite, NO_EXTRA_SEARCH, predictSteps, type KunitCase, type KunitStep, type KunitSuite,
} from '../../src/kunit/index.js';
import { harnessC } from '../../src/kunit/harness.js';

/** A suite rebuilt by hand here carries none of the bundled examples' paths (their worlds are the default suite's). */
const NONE: KunitSuite['examples'] = { cases: [], violations: [], omitted: [] };

/** The body of `static void name(struct kunit *test)`, between its braces at column 0. */
function body(c: string, name: string): string {
  const start = c.indexOf(`static void ${name}(struct kunit *test)\n{\n`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  const end = c.indexOf('\n}\n', start);
  return c.slice(start, end);
}

/** Asserts the needles occur in `text` in this order, and returns where each was found. */
function inOrder(text: string, needles: string[]): number[] {
  const at: number[] = [];
  let from = 0;
  for (const n of needles) {
    const i = text.indexOf(n, from);
    expect(i, `"${n}" after position ${from}`).toBeGreaterThanOrEqual(0);
    at.push(i);
    from = i + n.length;
  }
  return at;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Expects `f` to throw a ParameterError about `parameter`. */
function refused(f: () => unknown, parameter: string): ParameterError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ParameterError);
  const e = caught as ParameterError;
  expect(e.code).toBe('invalid-parameter');
  expect(e.parameter).toBe(parameter);
  expect(e.message.startsWith(`${parameter}: got `)).toBe(true);
  return e;
}

describe('emitKunitC', () => {
  let suite: KunitSuite;
  let c: string;
  beforeAll(() => {
    suite = kunitSuite();
    c = emitKunitC(suite);
  });

  it('starts with the SPDX line the kernel requires of a .c file (GPL-2.0, // comment)', () => {
    expect(c.split('\n')[0]).toBe('// SPDX-License-Identifier: GPL-2.0');
  });

  it('one KUNIT_CASE(name) and one static void name(struct kunit *test) per case, fail-nth sweep, violation case and bundled example\'s path, in the suite\'s order', () => {
    const all = [...suite.cases, ...suite.examples.cases, ...suite.sweeps, ...suite.violations, ...suite.examples.violations];
    expect(suite.examples.cases.length).toBeGreaterThan(0);
    expect(suite.examples.violations.length).toBeGreaterThan(0);
    expect(suite.sweeps.length).toBeGreaterThan(0);
    expect(suite.violations.length).toBeGreaterThan(0);
    expect(count(c, 'KUNIT_CASE(')).toBe(all.length);
    // One setup per world the cases and sweeps use.
    const used = suite.worlds.map((_, w) => w).filter((w) => all.some((k) => k.world === w));
    expect([...c.matchAll(/^static struct amt_ctx \*amt_setup_w(\d+)\(struct kunit \*test\)$/gm)].map((m) => Number(m[1]))).toEqual(used);
    for (const k of all) {
      expect(count(c, `\tKUNIT_CASE(${k.name}),\n`), k.name).toBe(1);
      expect(count(c, `static void ${k.name}(struct kunit *test)\n`), k.name).toBe(1);
    }
    const immediate = suite.cases.filter((k) => !suite.worlds[k.world]!.deferredRelease);
    const deferred = suite.cases.filter((k) => suite.worlds[k.world]!.deferredRelease);
    // The examples' clean paths run with the cases (before the sweeps), their violations with the violation cases.
    inOrder(c, [...immediate, ...suite.examples.cases, ...suite.sweeps, ...deferred, ...suite.violations, ...suite.examples.violations].map((k) => `KUNIT_CASE(${k.name})`));
    // The deferred cases and the violation cases are suites of their own, registered with the cases' suite.
    expect(c).toContain(`kunit_test_suites(&${suite.name}_suite, &${suite.name}_deferred_suite, &${suite.name}_violations_suite);`);
    expect(c).toContain(`.name = "${suite.name}",`);
    expect(c).toContain(`.name = "${suite.name}_violations",`);
    const violations = c.slice(c.indexOf(`static struct kunit_case ${suite.name}_violations_cases[] = {`));
    expect(count(violations, 'KUNIT_CASE(')).toBe(suite.violations.length + suite.examples.violations.length);
  });

  it('§3.4, §3.5, §3.6: the case kzalloc/init/add/delete/uninit calls them in that order, expects kref 3 and registered after the add, 1 after delete, one release inside uninit, and destroys the IDA at END', () => {
    const k = suite.cases.find((x) => x.steps.map((s) => s.event.type).join() === 'KZALLOC,INIT,ADD,DELETE,UNINIT,END');
    expect(k).toBeDefined();
    const b = body(c, k!.name);
    const [, , add, del, uninit] = inOrder(b, [
      'c->box[0] = amt_alloc(c, 0);',
      'ret = auxiliary_device_init(&c->box[0]->adev);',
      'ret = __auxiliary_device_add(&c->box[0]->adev, AMT_MOD);',
      'auxiliary_device_delete(&c->box[0]->adev);',
      'auxiliary_device_uninit(&c->box[0]->adev);',
      'ida_destroy(&c->ida);',
    ]);
    const afterAdd = b.slice(add!, del!);
    expect(afterAdd).toContain('KUNIT_EXPECT_EQ_MSG(test, ret, 0, "step 3: return value");');
    expect(afterAdd).toContain('amt_expect_dev(c, 0, 3, true);');
    expect(b.slice(del!, uninit!)).toContain('amt_expect_dev(c, 0, 1, false);');
    // After uninit the container is freed by release: its kref is never read again.
    const afterUninit = b.slice(uninit!);
    expect(afterUninit).toContain('amt_expect_calls(c, "release(dev0); ");');
    expect(afterUninit).toContain('amt_expect_released(c, 0, 1);');
    expect(afterUninit).not.toContain('amt_expect_dev(c, 0,');
    // Each step is numbered for the messages KUnit prints.
    inOrder(b, [1, 2, 3, 4, 5, 6].map((n) => `amt_step(c, ${n});`));
    expect(b).toContain('amt_teardown(c);');
  });

  it('§1.8: the failing-probe driver is -ENOMEM in world 0\'s probe table, and its case expects the probe\'s log text with -12', () => {
    expect(suite.worlds[0]!.drivers.map((d) => d.probe)).toEqual(['ok', 'fails']);
    expect(c).toContain('static const int amt_w0_probe[] = { 0, -ENOMEM };');
    const k = suite.cases.find((x) => x.steps.some((s) => s.event.type === 'DRV_REGISTER' && s.event.drv === 1));
    expect(k).toBeDefined();
    const b = body(c, k!.name);
    inOrder(b, ['ret = amt_driver_register(c, 1);', 'KUNIT_EXPECT_EQ_MSG(test, ret, 0,', 'amt_expect_calls(c, "probe(dev0, drv1) = -12; ");']);
    // The harness's helper registers the driver with the bus under the suite's module name.
    expect(harnessC('auxbus_model')).toMatch(/static int amt_driver_register\(struct amt_ctx \*c, int i\)\n\{\n\tint ret = __auxiliary_driver_register\(&c->drv\[i\]\.drv, THIS_MODULE, AMT_MOD\);/);
  });

  it('callText writes a callback as the harness\'s amt_call format prints it (the strings KUnit compares must match)', () => {
    const h = harnessC('auxbus_model');
    const fmt = (pattern: RegExp) => pattern.exec(h)?.[1];
    // The printf formats of the three callbacks in the C harness, filled in as printf would.
    const probe = fmt(/amt_call\(d->ctx, "(probe\(dev%d, drv%d\) = %d; )"/)!;
    const remove = fmt(/amt_call\(d->ctx, "(remove\(dev%d, drv%d\); )"/)!;
    const release = fmt(/amt_call\(c, "(release\(dev%d\); )"/)!;
    const printf = (f: string, ...args: number[]) => args.reduce<string>((s, a) => s.replace('%d', String(a)), f);
    const calls: Array<[WorldCall, string]> = [
      [{ call: 'probe', dev: 1, drv: 2, result: NEG.ENOMEM }, printf(probe, 1, 2, -12)],
      [{ call: 'probe', dev: 0, drv: 0, result: 0 }, printf(probe, 0, 0, 0)],
      [{ call: 'remove', dev: 1, drv: 0 }, printf(remove, 1, 0)],
      [{ call: 'release', dev: 3 }, printf(release, 3)],
    ];
    for (const [call, expected] of calls) expect(callText(call)).toBe(expected);
  });

  it('every function that assigns ret declares it, and none declares it unused (-Wunused-variable)', () => {
    for (const k of suite.cases) {
      const b = body(c, k.name);
      expect(b.includes('\tint ret;\n'), k.name).toBe(/\tret = /.test(b));
    }
  });

  it('kernel style: no line longer than 200 characters, comments within checkpatch\'s 100, function bodies indented with tabs, no trailing blanks', () => {
    const lines = c.split('\n');
    for (const [i, l] of lines.entries()) {
      expect(l.length, `line ${i + 1}`).toBeLessThanOrEqual(200);
      if (/^ \*/.test(l)) expect(l.length, `line ${i + 1}`).toBeLessThanOrEqual(100);
      expect(l, `line ${i + 1}`).not.toMatch(/[ \t]$/);
    }
    // A violation's long description is wrapped, not cut: its last words are still there.
    expect(c.replace(/\n \*   /g, ' ')).toContain('or a devm_kzalloc()ed container that devres frees when the parent driver unbinds.');
    let inBody = false;
    let bodyLines = 0;
    for (const [i, l] of lines.entries()) {
      if (l === '{') inBody = true;
      else if (l === '}') inBody = false;
      else if (inBody && l !== '') {
        expect(l, `line ${i + 1}`).toMatch(/^\t/);
        bodyLines++;
      }
    }
    expect(bodyLines).toBeGreaterThan(suite.cases.length * 5);
    // Nothing is indented with spaces but the continuation lines of comments.
    for (const [i, l] of lines.entries()) if (/^ /.test(l)) expect(l, `line ${i + 1}`).toMatch(/^ \*( |\/|$)/);
  });

  it('a world setup is emitted only for a world some case or sweep runs in (an unused static function warns)', () => {
    const w0 = suite.cases.filter((k) => k.world === 0);
    const only0 = emitKunitC({ ...suite, cases: w0, sweeps: [], violations: [], examples: NONE });
    expect(only0).toContain('static struct amt_ctx *amt_setup_w0(struct kunit *test)');
    expect(only0).not.toContain('amt_setup_w1');
    expect(only0).not.toContain('amt_w1_probe');
    // Move one case to world 1: its setup appears, and the case calls it.
    const moved = { ...w0[0]!, world: 1 };
    const both = emitKunitC({ ...suite, cases: [moved, ...w0.slice(1)], sweeps: [], violations: [], examples: NONE });
    expect(both).toContain('static struct amt_ctx *amt_setup_w1(struct kunit *test)');
    expect(body(both, moved.name)).toContain('amt_setup_w1(test);');
    // World 1's release does not free the id: its flags say so.
    expect(suite.worlds[1]!.release.freesId).toBe(false);
    expect(both).toMatch(/return amt_setup\(test, AMT_HAS_RELEASE \| AMT_RELEASE_FREES_BOX, 0, 1, 1, amt_w1_probe\);/);
  });

  it('refuses a suite name that is not a C identifier (ParameterError on suite.name)', () => {
    for (const name of ['auxbus-model', '1suite', '', 'a b']) refused(() => emitKunitC({ ...suite, name }), 'suite.name');
  });

  it('refuses a case name that is not a C identifier', () => {
    const bad = { ...suite, cases: [{ ...suite.cases[0]!, name: 'w0-000' }] };
    refused(() => emitKunitC(bad), 'case.name');
  });

  it(`refuses a world with more device slots than the harness has (HARNESS_LIMITS.slots = ${HARNESS_LIMITS.slots}) or more drivers`, () => {
    const base = suite.worlds[0]!;
    const n = suite.worlds.length;
    const slots: WorldParams = { ...base, devices: HARNESS_LIMITS.slots + 1 };
    const e = refused(() => emitKunitC({ ...suite, worlds: [...suite.worlds, slots] }), `worlds[${n}].devices`);
    expect(e.message).toContain(String(HARNESS_LIMITS.slots));
    // At the limit it is accepted.
    expect(() => emitKunitC({ ...suite, worlds: [...suite.worlds, { ...base, devices: HARNESS_LIMITS.slots }] })).not.toThrow();
    const drivers: WorldParams = { ...base, drivers: Array.from({ length: HARNESS_LIMITS.drivers + 1 }, () => ({ probe: 'ok' as const })) };
    refused(() => emitKunitC({ ...suite, worlds: [...suite.worlds, drivers] }), `worlds[${n}].drivers`);
  });

  it('model.md §4.6: a deferred-release world\'s cases are a suite of their own; each release the model runs is awaited (amt_wait_release), after the last put the case expects the release not yet run', () => {
    const deferred = suite.cases.filter((k) => suite.worlds[k.world]!.deferredRelease);
    expect(deferred.length).toBeGreaterThan(0);
    expect(c).toContain(`.name = "${suite.name}_deferred",`);
    for (const k of deferred) {
      const b = body(c, k.name);
      const release = k.steps.findIndex((s) => s.event.type === 'RELEASE');
      expect(release).toBeGreaterThan(0);
      // Before the kernel's delayed cleanup: released 0; after it: 1, and the wait precedes the check.
      expect(k.steps[release - 1]!.devices[0]!.released).toBe(0);
      expect(b).toContain('amt_wait_release(c, 0);');
      expect(b.indexOf('amt_wait_release(c, 0);')).toBeLessThan(b.indexOf('amt_expect_released(c, 0, 1);'));
    }
  });

  it('§1.2: a case whose init has a NULL parent clears adev.dev.parent before auxiliary_device_init and expects -EINVAL; a failing kzalloc is a NULL container', () => {
    const faults = kunitSuite([{ devices: 1, faults: true }], 'auxbus_model', [], undefined, NO_EXTRA_SEARCH);
    const k = faults.cases.find((x) => x.steps.some((s) => s.event.type === 'INIT' && !s.event.ok))!;
    expect(k).toBeDefined();
    // Only the failures the harness can make: keep the cases without the others.
    const makeable = { ...faults, cases: [k] };
    const b = body(emitKunitC(makeable), k.name);
    const n = k.steps.findIndex((s) => s.event.type === 'INIT' && !s.event.ok) + 1;
    inOrder(b, [
      `amt_step(c, ${n});`,
      'c->box[0]->adev.dev.parent = NULL;',
      'ret = auxiliary_device_init(&c->box[0]->adev);',
      `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EINVAL}, "step ${n}: return value");`,
    ]);
    const kz = { ...k, name: 'w0_kzalloc_fails', steps: [{ ...k.steps[0]!, event: { type: 'KZALLOC' as const, dev: 0, fail: true }, returns: 0, devices: [] }] };
    const kb = body(emitKunitC({ ...faults, cases: [kz] }), kz.name);
    expect(kb).toContain('c->box[0] = NULL;');
    expect(kb).not.toContain('amt_alloc(');
    // No call returns into ret, so none is declared (an unused variable warns, and W=1 is part of --run).
    expect(kb).not.toContain('\tint ret;');
  });

  it('refuses a case expecting an injected -ENOMEM from ida_alloc_range, auxiliary_device_add or auxiliary_driver_register: a case calls them normally, so it could never agree', () => {
    // Id 63 is the first an IDA keeps in a bitmap it allocates (§4), so an injected failure bites (model.md §4.7).
    const faults = kunitSuite([{ devices: 1, faults: true, drivers: [{ probe: 'ok' }], idaRange: { min: 63, max: 63 } }], 'auxbus_model', [], undefined, NO_EXTRA_SEARCH);
    const injected = (t: string, s: KunitStep) => s.event.type === t && s.returns === NEG.ENOMEM;
    for (const t of ['IDA_ALLOC', 'ADD', 'DRV_REGISTER']) {
      const i = faults.cases.findIndex((k) => k.steps.some((s) => injected(t, s)));
      expect(i, t).toBeGreaterThanOrEqual(0);
      const k = faults.cases[i]!;
      const j = k.steps.findIndex((s) => injected(t, s));
      const e = refused(() => emitKunitC({ ...faults, cases: [k] }), `cases[0].steps[${j}].event`);
      expect(e.message).toContain(k.name);
      expect(e.message).toContain(k.steps[j]!.text);
    }
  });

  it('§1.8: refuses a case whose add has the driver core\'s bind failing (add returns 0 but nothing binds): a case\'s add would bind', () => {
    const w = createWorld({ devices: 1, faults: true, drivers: [{ probe: 'ok' }] });
    const steps = predictSteps(w, [
      { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true },
      { type: 'ADD', dev: 0, fault: 'bind-nomem' }, { type: 'DELETE', dev: 0 }, { type: 'UNINIT', dev: 0 }, { type: 'DRV_UNREGISTER', drv: 0 }, { type: 'END' },
    ], 4)!;
    // The model: add succeeds, no probe is called, the device stays registered and unbound.
    expect(steps[3]!.returns).toBe(0);
    expect(steps[3]!.calls).toEqual([]);
    const k: KunitCase = { name: 'w0_bind_fails', world: 0, covers: [], steps };
    refused(() => emitKunitC({ ...suite, worlds: [w.params], cases: [k], sweeps: [], violations: [], examples: NONE }), 'cases[0].steps[3].event');
  });

  it('model.md §4.7: an injected ida_alloc failure that allocates nothing (id 0, kept in the IDA\'s value entry) succeeds, and such a case is written', () => {
    const w = createWorld({ devices: 1, faults: true });
    const steps = predictSteps(w, [{ type: 'IDA_ALLOC', dev: 0, fail: true }, { type: 'IDA_FREE', dev: 0, via: 'saved' }, { type: 'END' }], 1)!;
    expect(steps[0]!.returns).toBe(0);
    const k: KunitCase = { name: 'w0_ida_alloc_no_memory', world: 0, covers: [], steps };
    const b = body(emitKunitC({ ...suite, worlds: [w.params], cases: [k], sweeps: [], violations: [], examples: NONE }), k.name);
    inOrder(b, ['ret = ida_alloc_range(&c->ida, 0, 0, GFP_KERNEL);', 'KUNIT_EXPECT_EQ_MSG(test, ret, 0, "step 1: return value");']);
  });

  it('the extra calls as C: a NULL name or parent only for that init (given back after), a NULL modname to __auxiliary_device_add, ida_free(-1), an empty range, ida_destroy, the incomplete and renamed driver helpers', () => {
    const w = createWorld({ devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }, { probe: 'ok' }] });
    const steps = predictSteps(w, [
      { type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: false }, { type: 'INIT_NULL_NAME', dev: 0 }, { type: 'INIT', dev: 0, ok: true },
      { type: 'ADD_NULL_MODNAME', dev: 0 }, { type: 'WRITE_ID', dev: 0 }, { type: 'IDA_FREE_NEGATIVE' }, { type: 'IDA_ALLOC_EMPTY_RANGE', dev: 0 },
      { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'DRV_REGISTER_AS', drv: 1, as: 0 }, { type: 'IDA_DESTROY' },
      { type: 'UNINIT', dev: 0 }, { type: 'DRV_UNREGISTER', drv: 0 }, { type: 'END' },
    ], 11)!;
    expect(steps).not.toBeNull();
    const k: KunitCase = { name: 'w0_extra', world: 0, covers: [], steps };
    const b = body(emitKunitC({ ...suite, worlds: [w.params], cases: [k], sweeps: [], violations: [], examples: NONE }), k.name);
    inOrder(b, [
      'c->box[0]->adev.dev.parent = NULL;', 'ret = auxiliary_device_init(&c->box[0]->adev);', 'c->box[0]->adev.dev.parent = c->parent;',
      `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EINVAL}, "step 2: return value");`,
      'c->box[0]->adev.name = NULL;', 'ret = auxiliary_device_init(&c->box[0]->adev);', 'c->box[0]->adev.name = "dev";',
      `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EINVAL}, "step 3: return value");`,
      'ret = auxiliary_device_init(&c->box[0]->adev);', 'KUNIT_EXPECT_EQ_MSG(test, ret, 0, "step 4: return value");',
      'ret = __auxiliary_device_add(&c->box[0]->adev, NULL);', `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EINVAL}, "step 5: return value");`,
      'WRITE_ONCE(c->box[0]->adev.id, 0);',
      'ida_free(&c->ida, -1);',
      'ret = ida_alloc_range(&c->ida, 1, 0, GFP_KERNEL);', `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.ENOSPC}, "step 8: return value");`,
      'ret = amt_driver_register_as(c, 1, 0);', `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EBUSY}, "step 10: return value");`,
      'ida_destroy(&c->ida);',
    ]);
    const v = predictSteps(w, [{ type: 'DRV_REGISTER_INCOMPLETE', drv: 0, missing: 'id_table' }], 1, true)!;
    const vb = body(emitKunitC({ ...suite, worlds: [w.params], cases: [], sweeps: [], violations: [{ name: 'v_x', code: 'driver-incomplete', world: 0, steps: v, covers: [] }], examples: NONE }), 'v_x');
    inOrder(vb, ['ret = amt_driver_register_without(c, 0, AMT_NO_ID_TABLE);', `KUNIT_EXPECT_EQ_MSG(test, ret, ${NEG.EINVAL}, "step 1: return value");`]);
  });

  it('a violation case checks every step up to and including the misuse as a case does (returns, callbacks, krefs of valid devices), but never reads a freed container', () => {
    const v = suite.violations.find((x) => x.code === 'double-free' && !suite.worlds[x.world]!.deferredRelease)!;
    const b = body(c, v.name);
    const kfrees = v.steps.flatMap((s, i) => (s.event.type === 'KFREE' ? [i] : []));
    expect(kfrees.length).toBeGreaterThan(0);
    for (const [i, s] of v.steps.entries()) {
      expect(b, `step ${i + 1}`).toContain(`amt_step(c, ${i + 1});`);
      for (const d of s.devices) expect(b.includes(`amt_expect_dev(c, ${d.slot},`) || !d.valid).toBe(true);
    }
    // After the container was freed the model has no kref to expect of it: no amt_expect_dev after the first kfree.
    const firstFree = b.indexOf(`/* ${kfrees[0]! + 1}. `);
    expect(b.slice(firstFree)).not.toContain(`amt_expect_dev(c, ${(v.steps[kfrees[0]!]!.event as { dev: number }).dev},`);
  });
});
