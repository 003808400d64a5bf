import { describe, expect, it } from 'vitest';
import { findExample } from '../../../examples/index.js';
import {
  AuxbusError, checkScenario, createSucceeded, explore, formatExploration, NEG, ParameterError, runScenario,
  type AnyScenario, type AuxDevice, type Ida, type Kernel, type ParentDevice, type Scenario,
} from '../../../src/index.js';

/**
 * The routine explorer's mechanics (src/explore/routine/): the fail-nth loop (model.md §2: "the
 * n-th fallible call fails"), combinations of failing calls, the run bound, exceptions out of the
 * scenario's code, deduplication, JSON, and bad input.
 */

interface Env {
  parent: ParentDevice;
  ida: Ida;
}

function env(k: Kernel): Env {
  const drv = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'my_mod.foo' }], probe: () => 0, remove: () => {} });
  if (drv.register('my_drv') !== 0) throw new Error('register');
  return { parent: k.parentDevice('0000:03:00.0'), ida: k.idaInit('ida') };
}

/** The correct three-step register of one device (§2.2); `onAddFailure` replaces the unwind. */
function register(k: Kernel, { parent, ida }: Env, onAddFailure?: (adev: AuxDevice) => void): AuxDevice | number {
  const adev = k.kzallocDevice('dev');
  if (!adev) return NEG.ENOMEM;
  const id = ida.alloc();
  if (id < 0) {
    k.kfree(adev);
    return id;
  }
  adev.name = 'foo';
  adev.id = id;
  adev.parent = parent;
  adev.release = (d) => {
    ida.free(d.id);
    k.kfree(d);
  };
  adev.init();
  const ret = adev.add('my_mod');
  if (ret !== 0) {
    if (onAddFailure) onAddFailure(adev);
    else adev.uninit();
    return ret;
  }
  return adev;
}

/**
 * Two devices; when the second fails, the first is unwound with uninit only (no delete): B6
 * uninit-without-delete on every path where the second device's creation fails.
 */
const twoDevices: Scenario<Env, AuxDevice[] | number> = {
  name: 'two-devices',
  setup: env,
  create(k, e) {
    const a = register(k, e);
    if (typeof a === 'number') return a;
    const b = register(k, e);
    if (typeof b === 'number') {
      a.uninit(); // BUG: a is added; it needs delete first (B6)
      return b;
    }
    return [a, b];
  },
  teardown(_k, _e, devs) {
    for (const d of devs as AuxDevice[]) {
      d.delete();
      d.uninit();
    }
  },
};

describe('the fail-nth loop (model.md §2)', () => {
  it('§2 one run with no fault, then one per fallible call with that call failing: paths = fallible calls + 1, one more run ends the loop', () => {
    const r = explore(twoDevices);
    // Per device: kzalloc, ida_alloc, dev_set_name, device_add, probe (§1.3, §1.8).
    expect(r.summary.fallibleCalls).toBe(10);
    expect(r.summary.paths).toBe(11);
    expect(r.summary.runs).toBe(12);
    expect(r.summary.complete).toBe(true);
    expect(r.paths.map((p) => p.faults.map((f) => f.nth))).toEqual([[], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]);
    expect(r.paths[7]!.faults[0]!.site).toBe('ida_alloc');
    // Each path's fallible calls: up to and including the failed one, plus whatever the unwind makes (none here).
    expect(r.paths.map((p) => p.fallibleCalls)).toEqual([10, 1, 2, 3, 4, 10, 6, 7, 8, 9, 10]);
  });

  it('§2 the same n fails the same call on every run (determinism): exploring twice gives the same result', () => {
    expect(JSON.stringify(explore(twoDevices))).toBe(JSON.stringify(explore(twoDevices)));
  });

  it('§3.4, §5 B6 dedup: uninit without delete on 4 paths (the second device\'s kzalloc, ida_alloc, dev_set_name, device_add failing) is one problem', () => {
    const r = explore(twoDevices);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'uninit-without-delete', bugClass: 'B6', phase: 'create', operation: 'uninit()', paths: [6, 7, 8, 9], shortest: 6 });
    expect(r.summary.codes).toEqual({ 'uninit-without-delete': 4 });
    expect(r.paths.filter((p) => p.problems.includes(1)).map((p) => p.id)).toEqual([6, 7, 8, 9]);
    // The device is left on the bus, so the end check finds nothing more on those paths (model.md §4.3).
    expect(r.paths[6]!.leaks).toEqual([]);
  });

  it('§5 B4 dedup keeps apart the same code at different operations: a double free in the unwind and one in teardown are two problems', () => {
    const s: Scenario<Env, AuxDevice | number> = {
      name: 'two-double-frees',
      setup: env,
      create: (k, e) => register(k, e, (adev) => { adev.uninit(); k.kfree(adev); }),
      teardown(k, _e, adev) {
        const d = adev as AuxDevice;
        d.delete();
        d.uninit();
        k.kfree(d);
      },
    };
    const r = explore(s);
    expect(r.problems.map((p) => [p.code, p.phase, p.operation, p.paths])).toEqual([
      ['double-free', 'teardown', 'kfree()', [0, 5]],
      ['double-free', 'create', 'kfree()', [3, 4]],
    ]);
    expect(r.summary.codes).toEqual({ 'double-free': 4 });
  });

  it('§2 maxFaults 2: every pair of failing calls along each path (the first probe failing lets the second device make 5 more calls)', () => {
    const r = explore(twoDevices, { maxFaults: 2 });
    const pairs = r.paths.filter((p) => p.faults.length === 2).map((p) => p.faults.map((f) => `${f.nth}:${f.site}`));
    expect(pairs).toEqual([
      ['5:probe', '6:kzalloc'], ['5:probe', '7:ida_alloc'], ['5:probe', '8:dev_set_name'], ['5:probe', '9:device_add'], ['5:probe', '10:probe'],
    ]);
    expect(r.summary.paths).toBe(16);
    // The single-fault paths come first, in the same order as with maxFaults 1.
    expect(r.paths.slice(0, 11).map((p) => p.faults.map((f) => f.nth))).toEqual(explore(twoDevices).paths.map((p) => p.faults.map((f) => f.nth)));
    expect(r.problems[0]!.paths).toEqual([6, 7, 8, 9, 11, 12, 13, 14]);
    expect(r.problems[0]!.shortest).toBe(6); // one failing call beats two
    expect(formatExploration(r)).toContain('fail-nth 5+6 (probe, kzalloc)');
  });

  it('§2 maxRuns bounds the runs and the result says so; a bound the confirming run alone would pass is complete', () => {
    const correct = findExample('correct-ida')!;
    const cut = explore(correct, { maxRuns: 3 });
    expect(cut.summary).toMatchObject({ runs: 3, paths: 3, complete: false });
    expect(cut.summary.stopped).toContain('maxRuns');
    expect(formatExploration(cut)).toContain('INCOMPLETE: stopped at the bound of 3 runs');
    // 6 paths; the 7th run would only confirm that there is no 6th fallible call.
    expect(explore(correct, { maxRuns: 6 }).summary).toMatchObject({ runs: 6, paths: 6, complete: true, stopped: null });
    expect(explore(correct).summary).toMatchObject({ runs: 7, paths: 6, complete: true });
  });

  it('§2 onRun is called after every run of the fail-nth loop with the counts so far', () => {
    const seen: Array<[number, number]> = [];
    explore(findExample('correct-ida')!, { onRun: ({ runs, paths }) => seen.push([runs, paths]) });
    expect(seen).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 6]]);
  });

  it('§1.9, model.md §2 setup runs before faults are armed: its fallible calls (driver register: driver_name, driver_register) never fail and are not counted', () => {
    const r = explore({ name: 'setup-only', setup: env, create: () => 0 });
    expect(r.summary).toMatchObject({ paths: 1, fallibleCalls: 0, clean: 1, runs: 2 });
    expect(r.paths[0]!.steps.map((s) => s.phase)).toEqual(r.paths[0]!.steps.map(() => 'setup'));
  });
});

describe('create success and teardown (§2.2: teardown undoes only a create that succeeded)', () => {
  it('§2.2 createSucceeded reads returns as C callers do: >= 0 and objects succeed; negative errnos, null, undefined, false and Errors fail', () => {
    expect([0, 3, {}, [], 'x', true].map(createSucceeded)).toEqual([true, true, true, true, true, true]);
    expect([NEG.ENOMEM, -1, null, undefined, false, new Error('x'), Number.NaN].map(createSucceeded)).toEqual([false, false, false, false, false, false, false]);
  });

  it('§2.2, §5 B12 teardown runs only when create succeeded, and the ok hook decides when given; the end check runs after teardown', () => {
    const torn: unknown[] = [];
    const s: Scenario<undefined, { err: number }> = {
      name: 'ok-hook',
      create: (k) => ({ err: k.kzalloc('x') ? 0 : NEG.ENOMEM }),
      ok: (res) => res.err === 0,
      teardown: (_k, _c, res) => torn.push(res.err),
    };
    const r = explore(s);
    expect(r.paths.map((p) => [p.created?.ok, p.tornDown])).toEqual([[true, true], [false, false]]);
    // Path #0, and the run that ends the fail-nth loop (n = 2 is never reached: it repeats path #0).
    expect(torn).toEqual([0, 0]);
    expect(r.paths[0]!.created?.value).toEqual({ err: 0 });
    // The allocation is never freed on path #0: a plain memory-leak (B12) from the end check, after teardown.
    expect(r.problems.map((p) => [p.code, p.phase, p.paths])).toEqual([['memory-leak', 'end', [0]]]);
  });
});

describe('exceptions out of the scenario are reported per path, never thrown', () => {
  it('§1.5 a bug in the routine (a TypeError on the kzalloc failure path) is an exception problem on that path only; the end check is not run there', () => {
    const s: Scenario<Env, AuxDevice | number> = {
      name: 'no-null-check',
      setup: env,
      create(k, e) {
        const adev = k.kzallocDevice('dev') as AuxDevice; // BUG: no NULL check
        adev.name = 'foo';
        adev.parent = e.parent;
        adev.release = (d) => k.kfree(d);
        adev.init();
        const ret = adev.add('my_mod');
        if (ret) adev.uninit();
        return ret || adev;
      },
      teardown: (_k, _e, adev) => { (adev as AuxDevice).delete(); (adev as AuxDevice).uninit(); },
    };
    const r = explore(s);
    expect(r.summary).toMatchObject({ paths: 5, threw: 1, clean: 4, problems: 1 });
    const p = r.paths[1]!;
    expect(p.threw).toMatchObject({ phase: 'create', name: 'TypeError', violation: null });
    expect(p.created).toBeNull();
    expect(p.leaks).toEqual([]);
    expect(r.problems[0]).toMatchObject({ kind: 'exception', code: 'exception', bugClass: null, phase: 'create', paths: [1] });
    expect(formatExploration(r)).toContain('exception out of the scenario');
  });

  it('§5 B4 strict mode: the ViolationError ends the path and is reported as its violation, not as a separate exception', () => {
    const r = explore(findExample('double-free-add-failure')!, { mode: 'strict' });
    expect(r.options.mode).toBe('strict');
    expect(r.paths.map((p) => p.threw?.violation ?? null)).toEqual([null, null, null, 'double-free', 'double-free', null]);
    expect(r.paths[3]!.threw).toMatchObject({ name: 'ViolationError', phase: 'create' });
    expect(r.problems.map((p) => [p.kind, p.code, p.paths])).toEqual([['violation', 'double-free', [3, 4]]]);
  });

  it('model.md §2 a throw in setup is reported (one path, nothing armed); a non-Error throw and an ok hook returning a non-boolean too', () => {
    const bad = explore({ name: 'bad-setup', setup: () => { throw new RangeError('no parent'); }, create: () => 0 });
    expect(bad.summary).toMatchObject({ paths: 1, threw: 1 });
    expect(bad.problems[0]).toMatchObject({ kind: 'exception', phase: 'setup', operation: 'RangeError: no parent' });
    const str = explore({ name: 'throw-string', create: () => { throw 'oops'; } });
    expect(str.paths[0]!.threw).toMatchObject({ name: 'thrown string', message: 'oops' });
    const ok = explore({ name: 'ok-not-bool', create: () => 0, ok: () => 1 as unknown as boolean });
    expect(ok.paths[0]!.threw).toMatchObject({ name: 'ParameterError', phase: 'create' });
    expect(ok.paths[0]!.threw!.message).toContain('scenario.ok(result)');
  });
});

describe('a routine that loops on the kernel forever ends at the call budget (maxCalls)', () => {
  it('each run stops at maxCalls with a CallBudgetError reported on its path; the exploration finishes', () => {
    const s: Scenario<undefined, number> = {
      name: 'retry-forever',
      create(k) {
        // A retry loop that never gives up: allocate, free, try again.
        for (;;) k.kfree(k.kzalloc('buf'));
      },
    };
    const r = explore(s, { maxCalls: 500, maxRuns: 50 });
    expect(r.options.maxCalls).toBe(500);
    expect(r.paths.length).toBeGreaterThan(0);
    for (const p of r.paths) {
      expect(p.threw?.name).toBe('CallBudgetError');
      expect(p.threw?.message).toMatch(/500 calls/);
      expect(p.steps.length).toBe(500);
    }
  });

  it('a scenario whose runs all hit the call budget is stopped after ROUTINE_BUDGET_STOP (3) such runs, and says so', () => {
    const s: Scenario<undefined, number> = { name: 'retry-forever', create(k) { for (;;) k.kfree(k.kzalloc('buf')); } };
    const r = explore(s, { maxCalls: 200 });
    expect(r.summary).toMatchObject({ runs: 3, complete: false, stoppedBy: 'maxCalls' });
    expect(r.summary.stopped).toBe('stopped after 3 runs that all hit the call budget of 200 calls (maxCalls): the routine loops on the kernel whatever fails');
    expect(formatExploration(r)).toContain('INCOMPLETE: stopped after 3 runs that all hit the call budget of 200 calls');
    expect(r.paths.every((p) => p.threw?.name === 'CallBudgetError')).toBe(true);
  });

  it('a routine that loops only when one of its calls fails is not stopped: the other runs end', () => {
    // Loops on the kernel only when the second allocation fails (its 2nd fallible call).
    const s: Scenario<undefined, number> = {
      name: 'retry-on-failure',
      create(k) {
        const a = k.kzalloc('a');
        for (;;) {
          const b = k.kzalloc('b');
          if (b !== null) {
            k.kfree(b);
            break;
          }
        }
        k.kfree(a);
        return 0;
      },
    };
    const r = explore(s, { maxCalls: 200 });
    expect(r.summary).toMatchObject({ complete: true, stoppedBy: null, stopped: null });
    expect(r.paths.filter((p) => p.threw?.name === 'CallBudgetError').length).toBe(0);
  });

  it('maxMemory: a scenario whose paths hold more than the bound stops with the paths it ran (stoppedBy maxMemory)', () => {
    // 20,000 allocations and frees per run: each path keeps 40,000 steps, and the fail-nth loop
    // would make 20,001 runs.
    const s: Scenario<undefined, number> = {
      name: 'many-buffers',
      create(k) {
        for (let i = 0; i < 20_000; i++) {
          const b = k.kzalloc('buf');
          if (b !== null) k.kfree(b);
        }
        return 0;
      },
    };
    const r = explore(s, { maxMemory: 16 * 2 ** 20 });
    expect(r.summary).toMatchObject({ complete: false, stoppedBy: 'maxMemory' });
    expect(r.summary.stopped).toMatch(/^stopped at the memory bound of 16 MiB \(maxMemory\) after \d+ runs, before every path was explored$/);
    expect(r.summary.runs).toBeLessThan(20_001);
    expect(r.paths.length).toBe(r.summary.runs);
  });

  it('Kernel({ maxCalls }): the call past the budget throws and changes nothing; a bad budget is a ParameterError', async () => {
    const { Kernel, CallBudgetError } = await import('../../../src/index.js');
    const k = new Kernel({ maxCalls: 2, trace: true });
    const a = k.kzalloc('a');
    k.kfree(a);
    expect(() => k.kzalloc('b')).toThrow(CallBudgetError);
    expect(k.calls.length).toBe(2);
    expect(k.report().clean).toBe(true);
    expect(() => new Kernel({ maxCalls: 0 })).toThrow(ParameterError);
    expect(() => new Kernel({ maxCalls: 1.5 })).toThrow(/maxCalls/);
    expect(() => explore({ name: 'x', create: () => 0 }, { maxCalls: -1 })).toThrow(/options.maxCalls/);
  });
});

describe('the result is plain data (model.md §3 codes and B-classes survive JSON)', () => {
  it('§5 B4, B3, B6 JSON.stringify round-trips it (toStrictEqual) and formatExploration reads the parsed copy the same', () => {
    for (const s of [findExample('double-free-add-failure')!, findExample('missing-uninit')!, twoDevices as AnyScenario]) {
      const r = explore(s, { maxFaults: 2 });
      const copy = JSON.parse(JSON.stringify(r)) as typeof r;
      expect(copy).toStrictEqual(r);
      expect(formatExploration(copy)).toBe(formatExploration(r));
    }
  });

  it('model.md §2 runScenario runs one path: the given fail-nth set fires at the routine\'s nth fallible calls', () => {
    const one = runScenario(twoDevices, [5, 9]);
    expect(one.fired).toBe(true);
    expect(one.path.faults.map((f) => [f.nth, f.site])).toEqual([[5, 'probe'], [9, 'device_add']]);
    expect(runScenario(twoDevices, [11]).fired).toBe(false);

    // Bad input is the caller's, not the scenario's: it throws instead of being reported on the path.
    expect(() => runScenario(twoDevices, [0])).toThrow(ParameterError);
    expect(() => runScenario({ name: 'x' } as unknown as AnyScenario, [])).toThrow(ParameterError);
  });
});

describe('bad input is a ParameterError naming the parameter (README: Exploring a driver\'s routines)', () => {
  const ok: AnyScenario = { name: 'x', create: () => 0 };
  const cases: Array<[string, () => unknown, string]> = [
    ['not an object', () => explore(null as unknown as AnyScenario), 'scenario'],
    ['an array', () => explore([] as unknown as AnyScenario), 'scenario'],
    ['no create', () => explore({ name: 'x' } as unknown as AnyScenario), 'scenario.create'],
    ['create not a function', () => explore({ name: 'x', create: 1 } as unknown as AnyScenario), 'scenario.create'],
    ['empty name', () => explore({ name: ' ', create: () => 0 }), 'scenario.name'],
    ['teardown not a function', () => explore({ name: 'x', create: () => 0, teardown: 'no' } as unknown as AnyScenario), 'scenario.teardown'],
    ['a misspelt field', () => explore({ name: 'x', create: () => 0, teardwon: () => {} } as unknown as AnyScenario), 'scenario.teardwon'],
    ['options not an object', () => explore(ok, 3 as never), 'options'],
    ['maxFaults 0', () => explore(ok, { maxFaults: 0 }), 'options.maxFaults'],
    ['maxFaults 1.5', () => explore(ok, { maxFaults: 1.5 }), 'options.maxFaults'],
    ['maxFaults 9', () => explore(ok, { maxFaults: 9 }), 'options.maxFaults'],
    ['maxRuns 0', () => explore(ok, { maxRuns: 0 }), 'options.maxRuns'],
    ['maxRuns "10"', () => explore(ok, { maxRuns: '10' as never }), 'options.maxRuns'],
    ['mode', () => explore(ok, { mode: 'lax' as never }), 'options.mode'],
    ['onRun', () => explore(ok, { onRun: 1 as never }), 'options.onRun'],
    ['maxMemory below 16 MiB', () => explore(ok, { maxMemory: 2 ** 20 }), 'options.maxMemory'],
    ['maxMemory "4G"', () => explore(ok, { maxMemory: '4G' as never }), 'options.maxMemory'],
    ['unknown option', () => explore(ok, { maxFault: 2 } as never), 'options.maxFault'],
  ];
  for (const [what, fn, parameter] of cases) {
    it(`${what} → ParameterError(${parameter})`, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ParameterError);
      expect(err).toBeInstanceOf(AuxbusError);
      expect((err as ParameterError).parameter).toBe(parameter);
      expect((err as ParameterError).message).toMatch(/expected /);
    });
  }

  it('§2.2 checkScenario accepts a minimal scenario and one with every field', () => {
    expect(() => checkScenario(ok)).not.toThrow();
    expect(() => checkScenario({ name: 'y', description: 'd', setup: () => 1, create: () => 0, ok: () => true, teardown: () => {} })).not.toThrow();
  });
});
