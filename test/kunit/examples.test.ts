/**
 * The bundled examples' explored paths as KUnit cases (src/kunit/examples.ts, issue 13 item 1):
 * each path of `explore(example)` is translated into a path of a world with the example's
 * parameters, and the translation is checked by replay: the world must find what the routine
 * explorer found on that path (kernel-auxbus.md §5 for the bugs, model.md §4.7 for the paths a
 * kernel cannot take).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, ParameterError, resolveWorldParams, type WorldEvent } from '../../machines/index.js';
import { EXAMPLES, findExample } from '../../examples/index.js';
import { explore, type RoutineExploration } from '../../src/explore/routine/index.js';
import { exploreWorld } from '../../src/explore/world/explore.js';
import {
  exampleCaseName, kunitExamples, routineVerdict, translateExamplePath, worldVerdict, type ExampleTranslation, type KunitExamples,
} from '../../src/kunit/examples.js';
import { emitKunitC, kunitSuite, NO_EXTRA_SEARCH, type KunitSuite } from '../../src/kunit/index.js';

const INT_MAX = 2 ** 31 - 1;

/** The body of `static void name(struct kunit *test)`, between its braces at column 0. */
function body(c: string, name: string): string {
  const start = c.indexOf(`static void ${name}(struct kunit *test)\n{\n`);
  expect(start, name).toBeGreaterThanOrEqual(0);
  return c.slice(start, c.indexOf('\n}\n', start));
}

/** Asserts the needles occur in `text` in this order; returns where each was found. */
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

const explored = (name: string): RoutineExploration => explore(findExample(name)!);
const translated = (name: string, path: number): ExampleTranslation => {
  const x = explored(name);
  const t = translateExamplePath(x, x.paths[path]!);
  if (typeof t === 'string') throw new Error(t);
  return t;
};

describe('the bundled examples\' paths, translated into the world', () => {
  let ex: KunitExamples;
  beforeAll(() => {
    ex = kunitExamples(EXAMPLES);
  });

  it('every explored path of every example is a case, a violation case, or left out with its reason; names are example_<name>_nth<n> (or _nofault)', () => {
    const names = [...ex.cases, ...ex.violations].map((k) => k.name);
    const all: string[] = [];
    for (const s of EXAMPLES) {
      const x = explore(s);
      expect(x.summary.complete).toBe(true);
      for (const p of x.paths) all.push(exampleCaseName(s.name, p));
    }
    expect(new Set([...names, ...ex.omitted.map((o) => o.name)])).toEqual(new Set(all));
    expect(names.length + ex.omitted.length).toBe(all.length);
    expect(names).toContain('example_double_free_add_failure_nth3');
    expect(names).toContain('example_correct_ida_nofault');
    for (const n of names) expect(n).toMatch(/^example_[a-z0-9_]+_(nth\d+|nofault)$/);
    // 6 examples x 6 paths: 18 clean paths, 12 that end in a misuse, 6 left out.
    expect([ex.cases.length, ex.violations.length, ex.omitted.length]).toEqual([18, 12, 6]);
  });

  it('model.md §4.7: left out are exactly the paths where the routine explorer fails the first ida_alloc of an empty IDA, which allocates nothing on the kernel', () => {
    expect(ex.omitted.map((o) => o.name).sort()).toEqual(EXAMPLES.map((s) => exampleCaseName(s.name, { faults: [{ nth: 2 }] } as never)).sort());
    for (const o of ex.omitted) {
      expect(o.path).toBe(2);
      expect(o.reason).toContain('ida_alloc()');
      expect(o.reason).toContain('model.md §4.7');
      // On the explorer's side that path does fail there.
      expect(explored(o.scenario).paths[2]!.faults.map((f) => f.site)).toEqual(['ida_alloc']);
    }
  });

  it('the world of each example: one slot, ida_alloc()\'s whole id space, its driver, the release callback it sets, faults on', () => {
    const byName = (n: string) => translated(n, 0).params;
    for (const s of EXAMPLES) {
      const p = byName(s.name);
      expect(p).toMatchObject({ devices: 1, idaRange: { min: 0, max: INT_MAX }, drivers: [{ probe: 'ok' }], refBound: 1, faults: true, deferredRelease: false });
      expect(p.release.present).toBe(true);
    }
    // correct-ida: ida_free(d.id) + kfree(d); use-after-uninit: kfree only; empty-release: ida_free only.
    expect(byName('correct-ida').release).toMatchObject({ freesId: true, freesContainer: true });
    expect(byName('use-after-uninit').release).toMatchObject({ freesId: false, freesContainer: true });
    expect(byName('empty-release').release).toMatchObject({ freesId: true, freesContainer: false });
  });

  it('the translation check: on every translated path the world finds what the explorer found (violations and leaks at the same calls, callbacks, failing calls, create\'s errno)', () => {
    let checked = 0;
    for (const s of EXAMPLES) {
      const x = explore(s);
      for (const p of x.paths) {
        const t = translateExamplePath(x, p);
        if (typeof t === 'string') continue;
        const want = routineVerdict(p, t.eventOf);
        expect(worldVerdict(t), t.name).toEqual(want);
        checked++;
        // The explorer's findings are all there: a clean path has none, a bad one has its code.
        expect(want.findings.length, t.name).toBe(p.violations.length + p.leaks.length);
      }
    }
    expect(checked).toBe(30);
  });

  it('the check has teeth: the double-free path replayed with a release that keeps the container finds no double-free, and is told apart', () => {
    const t = translated('double-free-add-failure', 3);
    const p = explored('double-free-add-failure').paths[3]!;
    expect(routineVerdict(p, t.eventOf).findings).toEqual(['double-free@c6']);
    const wrong = { ...t, params: resolveWorldParams({ ...t.params, release: { ...t.params.release, freesContainer: false } }) };
    expect(worldVerdict(wrong).findings).not.toEqual(['double-free@c6']);
    // And an add that fails in device_add instead of dev_set_name fails the same call, with the same verdict.
    const events: WorldEvent[] = t.events.map((e) => (e.type === 'ADD' ? { ...e, fault: 'device-add-nomem' } : e));
    expect(worldVerdict({ ...t, events })).toEqual(worldVerdict(t));
  });

  it('§5 B4: double-free-add-failure nth3 is the routine\'s calls in order, add failing in dev_set_name (fail-nth 3 of the routine), uninit, then the kfree: a double-free violation case ending at the kfree', () => {
    const t = translated('double-free-add-failure', 3);
    expect(t.events).toEqual([
      { type: 'DRV_REGISTER', drv: 0, fault: 'none' },
      { type: 'KZALLOC', dev: 0, fail: false },
      { type: 'IDA_ALLOC', dev: 0, fail: false },
      { type: 'INIT', dev: 0, ok: true },
      { type: 'ADD', dev: 0, fault: 'name-nomem' },
      { type: 'UNINIT', dev: 0 },
      { type: 'KFREE', dev: 0 },
      { type: 'END' },
    ]);
    expect(t.injected).toEqual([{ event: 4, site: 'dev_set_name' }]);
    expect(t.origin.faults).toEqual([{ nth: 3, site: 'dev_set_name', call: expect.stringContaining('add("my_mod")') }]);
    const v = ex.violations.find((k) => k.name === 'example_double_free_add_failure_nth3')!;
    expect(v.code).toBe('double-free');
    expect(v.steps.map((s) => s.event.type)).toEqual(['DRV_REGISTER', 'KZALLOC', 'IDA_ALLOC', 'INIT', 'ADD', 'UNINIT', 'KFREE']);
    expect(v.steps.map((s) => s.inject ?? null)).toEqual([null, null, null, null, 'dev_set_name', null, null]);
    // The model's predictions along it: add returns -ENOMEM and leaves kref 1, unregistered; uninit runs the release.
    expect(v.steps[4]).toMatchObject({ returns: -12, calls: [], devices: [{ slot: 0, valid: true, kref: 1, registered: false, released: 0 }] });
    expect(v.steps[5]).toMatchObject({ calls: [{ call: 'release', dev: 0 }], devices: [{ slot: 0, valid: false, released: 1 }], ida: { lowest: 0, empty: true } });
    expect(v.example).toMatchObject({ scenario: 'double-free-add-failure', path: 3 });
  });

  it('§1.8: a bind the core fails (the explorer\'s probe fault) is an add that returns 0 and leaves the device unbound: no probe, no remove at delete', () => {
    const k = ex.cases.find((c) => c.name === 'example_correct_ida_nth5')!;
    const add = k.steps.find((s) => s.event.type === 'ADD')!;
    expect(add.event).toEqual({ type: 'ADD', dev: 0, fault: 'bind-nomem' });
    expect(add).toMatchObject({ inject: 'probe', returns: 0, calls: [], devices: [{ slot: 0, valid: true, kref: 3, registered: true, released: 0 }] });
    expect(k.steps.find((s) => s.event.type === 'DELETE')!.calls).toEqual([]);
    // The routine's driver stays registered: the case ends with the shortest correct teardown.
    expect(k.steps.filter((s) => s.teardown).map((s) => s.event.type)).toEqual(['DRV_UNREGISTER', 'END']);
  });

  it('§5 B11: use-after-uninit reads adev->id after the last uninit to free it: one world call (the read, then ida_free), a use-after-release of freed memory', () => {
    const v = ex.violations.find((k) => k.name === 'example_use_after_uninit_nofault')!;
    expect(v.code).toBe('use-after-release');
    expect(v.steps.at(-1)!.event).toEqual({ type: 'IDA_FREE', dev: 0, via: 'field' });
    // KASAN sees it: the device is dead at the read (not a call made while its memory is still valid).
    expect(v.covers.some((t) => t.startsWith('device.dead'))).toBe(true);
  });

  it('§1.3, §5 B3: missing-uninit\'s add failure leaks the initialized device: the case runs to the end check (leak-initialized, silent on the kernel)', () => {
    const v = ex.violations.find((k) => k.name === 'example_missing_uninit_nth3')!;
    expect(v.code).toBe('leak-initialized');
    expect(v.steps.at(-1)!.event).toEqual({ type: 'END' });
  });
});

describe('the bundled examples\' paths as C', () => {
  let suite: KunitSuite;
  let c: string;
  beforeAll(() => {
    // The examples' paths do not depend on the rest of the suite: a small one carries them.
    suite = kunitSuite([{ devices: 1 }], 'auxbus_model', [], [], NO_EXTRA_SEARCH);
    c = emitKunitC(suite);
  });

  it('the double-free example\'s nth3 path: the routine\'s calls with the add made to fail in dev_set_name by fail-nth, then the uninit, then the kfree, in the violation suite', () => {
    const b = body(c, 'example_double_free_add_failure_nth3');
    const [, , , , arm, add, disarm, landed, uninit, kfree] = inOrder(b, [
      'ret = amt_driver_register(c, 0);',
      'c->box[0] = amt_alloc(c, 0);',
      'ret = ida_alloc(&c->ida, GFP_KERNEL);',
      'ret = auxiliary_device_init(&c->box[0]->adev);',
      'amt_arm(nth, false);',
      'ret = __auxiliary_device_add(&c->box[0]->adev, AMT_MOD);',
      'reached = amt_disarm();',
      'if (reached && amt_failed_in(c, 0, AMT_FAILED_IN_NAME, ret))',
      'auxiliary_device_uninit(&c->box[0]->adev);',
      'kfree(c->box[0]);',
    ]);
    expect(arm! < add! && add! < disarm! && disarm! < landed!).toBe(true);
    // The add's predictions come after the search found the n, then the uninit and its release.
    const afterSearch = b.slice(b.indexOf('fails it in dev_set_name()'), uninit);
    expect(afterSearch).toContain('KUNIT_EXPECT_EQ_MSG(test, ret, -12, "step 5: return value");');
    expect(afterSearch).toContain('amt_expect_dev(c, 0, 1, false);');
    expect(b.slice(uninit, kfree)).toContain('amt_expect_calls(c, "release(dev0); ");');
    // A violation case: nothing is torn down after the misuse, and its log is judged (double-free).
    expect(b).toContain('c->broken = true;');
    expect(b).toContain('kunit_info(test, "double-free committed\\n");');
    expect(b.slice(kfree)).not.toContain('amt_teardown(c);');
    const violations = c.slice(c.indexOf('static struct kunit_case auxbus_model_violations_cases[] = {'));
    expect(violations).toContain('\tKUNIT_CASE(example_double_free_add_failure_nth3),');
    const cases = c.slice(c.indexOf('static struct kunit_case auxbus_model_cases[] = {'), c.indexOf('static struct kunit_suite auxbus_model_suite'));
    expect(cases).not.toContain('example_double_free_add_failure_nth3');
    // Its comment names the example, the path and the routine's failing call.
    expect(c).toContain('Example double-free-add-failure (examples/double-free-add-failure.ts), explored path 3');
  });

  it('id-double-free nth4: the add made to fail in device_add, then uninit (its release frees the id) and ida_free of the id the code kept', () => {
    const b = body(c, 'example_id_double_free_nth4');
    inOrder(b, ['amt_failed_in(c, 0, AMT_FAILED_IN_DEVICE_ADD, ret)', 'auxiliary_device_uninit(&c->box[0]->adev);', 'ida_free(&c->ida, c->id[0]);']);
  });

  it('a clean path runs in the cases\' suite, with the failing kzalloc made by fail-nth (not assumed), and ends torn down', () => {
    const b = body(c, 'example_correct_ida_nth1');
    inOrder(b, ['amt_faults_ready(test);', 'for (nth = 1; ; nth++) {', 'amt_arm(nth, false);', 'c->box[0] = amt_alloc(c, 0);', 'if (reached && !c->box[0])', 'amt_driver_unregister(c, 0);', 'ida_destroy(&c->ida);', 'amt_teardown(c);']);
    expect(b).not.toContain('c->box[0] = NULL;');
    expect(b).not.toContain('c->broken = true;');
    const cases = c.slice(c.indexOf('static struct kunit_case auxbus_model_cases[] = {'), c.indexOf('static struct kunit_suite auxbus_model_suite'));
    expect(cases).toContain('\tKUNIT_CASE(example_correct_ida_nth1),');
    // A path with no failing call has no search.
    expect(body(c, 'example_correct_ida_nofault')).not.toContain('amt_arm(');
  });

  it('the bind failure is searched as the add\'s allocation after which the device is added with no driver and no probe ran', () => {
    const b = body(c, 'example_correct_ida_nth5');
    expect(b).toContain('if (reached && amt_failed_in(c, 0, AMT_FAILED_IN_BIND, ret))');
    expect(c).toContain('return !ret && device_is_registered(dev) && !dev->driver && !strstr(c->calls, "probe(");');
  });

  it('the example\'s world is set up with ida_alloc()\'s range, [0, INT_MAX]', () => {
    expect(c).toMatch(/return amt_setup\(test, AMT_HAS_RELEASE \| AMT_RELEASE_FREES_BOX \| AMT_RELEASE_FREES_ID, 0, INT_MAX, 1, amt_w\d+_probe\);/);
    expect(c).toContain('ids [0, INT_MAX]');
  });
});

describe('a world over ida_alloc()\'s whole id space (the examples\' worlds)', () => {
  it('is replayed (a slot allocates once: it never runs out), but not explored', () => {
    const p = resolveWorldParams({ idaRange: { min: 0, max: INT_MAX } });
    expect(p.idaRange).toEqual({ min: 0, max: INT_MAX });
    const w = createWorld(p);
    let s = w.getInitialSnapshot(undefined as never, undefined as never);
    s = w.transition(s, { type: 'IDA_ALLOC', dev: 0, fail: false }, undefined as never);
    expect(s.returned).toBe(0);
    expect(s.context.ida.set.firstFree(0, INT_MAX)).toBe(1);
    expect(() => exploreWorld({ idaRange: { min: 0, max: INT_MAX } })).toThrow(ParameterError);
    // 17 ids that stop short of INT_MAX are still refused.
    expect(() => resolveWorldParams({ idaRange: { min: 0, max: 16 } })).toThrow(ParameterError);
  });
});
