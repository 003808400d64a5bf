/**
 * Invariant checking over composed worlds: with every device slot running the documented
 * create/teardown routine (kernel-auxbus.md §2.2, §2.3) under injected faults, in every
 * interleaving, no violation is reachable and every run can end clean; each misuse of
 * `ROUTINE_MISUSES` makes its violation reachable, with a shortest counterexample that replays
 * on the XState world.
 */
import { describe, expect, it } from 'vitest';
import {
  createWorld, ParameterError, ROUTINE_MISUSES, VIOLATIONS,
  type RoutineMisuse, type WorldEvent, type WorldParamsInput, type WorldSnapshot,
} from '../../../machines/index.js';
import { exploreWorld, routineCode } from '../../../src/explore/world/index.js';

function replay(params: WorldParamsInput, events: readonly WorldEvent[]): WorldSnapshot[] {
  const world = createWorld(params);
  let s = world.getInitialSnapshot(undefined as never, undefined);
  return events.map((e) => (s = world.transition(s, e, undefined as never)));
}

const WORLD: WorldParamsInput = { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'fails' }, { probe: 'ok' }] };

describe('the documented routine (§2.2, §2.3) is clean on every path of a composed world', () => {
  it('§2.2: two devices, two drivers, every fault, every interleaving: no violation reachable, and runs end clean', () => {
    const r = exploreWorld(WORLD, {}, routineCode());
    expect(r.complete).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.cleanEnds).toBeGreaterThan(0);
  });

  it('§2.4: with one id for three devices the routine still never breaks the contract (-ENOSPC is an error return, unwound)', () => {
    const r = exploreWorld({ devices: 3, idaRange: { min: 0, max: 0 }, faults: true }, {}, routineCode());
    expect(r.violations).toEqual([]);
    expect(r.cleanEnds).toBeGreaterThan(0);
  });

  it('model.md §4.6: under every timing of release (each one waits and runs at any later step) the routine stays clean', () => {
    const now = exploreWorld(WORLD, {}, routineCode());
    const r = exploreWorld({ ...WORLD, deferredRelease: true }, {}, routineCode());
    expect(r.complete).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.cleanEnds).toBeGreaterThan(0);
    // The waiting releases are real states: the timing was explored, not assumed.
    expect(r.states).toBeGreaterThan(now.states);
  });

  it('the routine offers only its own calls: fewer states than any call in the same world', () => {
    const any = exploreWorld({ devices: 1, idaRange: { min: 0, max: 0 }, faults: true });
    const doc = exploreWorld({ devices: 1, idaRange: { min: 0, max: 0 }, faults: true }, {}, routineCode());
    expect(doc.states).toBeLessThan(any.states);
    expect(any.violations.length).toBeGreaterThan(0);
  });
});

describe.each(Object.entries(ROUTINE_MISUSES) as Array<[Exclude<RoutineMisuse, 'none'>, (typeof ROUTINE_MISUSES)[keyof typeof ROUTINE_MISUSES]]>)(
  'misuse %s',
  (misuse, info) => {
    it(`${info.bugClass}: ${info.summary}: reaches ${info.expect} with a shortest counterexample that replays on the XState world`, () => {
      const params: WorldParamsInput = { ...WORLD, release: { freesId: info.releaseFreesId, freesContainer: info.releaseFreesContainer } };
      const r = exploreWorld(params, {}, routineCode(misuse));
      const v = r.violations.find((x) => x.code === info.expect);
      expect(v).toBeDefined();
      expect(VIOLATIONS[v!.code].bugClass).toBe(info.bugClass);
      const steps = replay(params, v!.path);
      expect(steps[steps.length - 1]!.findings.map((f) => f.code)).toContain(info.expect);
      // Nothing before the last step found anything: the path shows this bug, not another.
      expect(steps.slice(0, -1).flatMap((s) => s.findings)).toEqual([]);
      // One device suffices for every misuse, so the shortest path never touches the other slot.
      expect(new Set(v!.path.flatMap((e) => ('dev' in e ? [e.dev] : []))).size).toBe(1);
    });

    it(`${info.bugClass}: with deferred release (model.md §4.6) the same misuse reaches ${info.expect}, and only what it reaches with immediate release`, () => {
      const params: WorldParamsInput = { ...WORLD, release: { freesId: info.releaseFreesId, freesContainer: info.releaseFreesContainer } };
      const codes = (p: WorldParamsInput) => exploreWorld(p, {}, routineCode(misuse)).violations.map((x) => x.code).sort();
      const deferred = codes({ ...params, deferredRelease: true });
      expect(deferred).toContain(info.expect);
      expect(deferred).toEqual(codes(params));
    });
  },
);

describe('counterexamples go through the failure that selects them (§1.3, §3.3, §3.4)', () => {
  it('B4 kfree-after-uninit: the shortest path is init, a failing add, uninit, kfree', () => {
    const r = exploreWorld(WORLD, {}, routineCode('kfree-after-uninit'));
    const v = r.violations.find((x) => x.code === 'double-free')!;
    const types = v.path.map((e) => e.type);
    expect(types.slice(-4)).toEqual(['INIT', 'ADD', 'UNINIT', 'KFREE']);
    const add = v.path[v.path.length - 3] as Extract<WorldEvent, { type: 'ADD' }>;
    expect(add.fault).not.toBe('none');
  });

  it('B6 uninit-without-delete needs a successful add: its path has no injected fault', () => {
    const r = exploreWorld(WORLD, {}, routineCode('uninit-without-delete'));
    const v = r.violations.find((x) => x.code === 'uninit-without-delete')!;
    for (const e of v.path) {
      if ('fail' in e) expect(e.fail).toBe(false);
      if (e.type === 'ADD') expect(e.fault).toBe('none');
      if (e.type === 'INIT') expect(e.ok).toBe(true);
    }
  });
});

describe('routineCode input', () => {
  it('an unknown misuse is a ParameterError listing the known ones', () => {
    expect(() => routineCode('free-twice' as never)).toThrow(ParameterError);
    expect(() => routineCode('free-twice' as never)).toThrow(/double-delete/);
  });
});
