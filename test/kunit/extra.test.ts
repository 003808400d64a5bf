/**
 * The search for transitions no explored world takes (src/kunit/extra.ts): extra calls, and
 * paths that carry on after a misuse the kernel survives.
 */
import { describe, expect, it } from 'vitest';
import { createWorld, resolveWorldParams, type WorldSnapshot } from '../../machines/index.js';
import { extraCalls, extraPaths, givenPath } from '../../src/kunit/extra.js';
import { AFTER_MISUSE_WORLDS, EXTRA_WORLDS, GIVEN_PATHS } from '../../src/kunit/cases.js';

const one = resolveWorldParams(EXTRA_WORLDS[0]!);

describe('extraCalls', () => {
  it('only a slot with a container gets device calls; DRV_REGISTER_AS only under a registered driver\'s name by one that is not', () => {
    const world = createWorld(one);
    const s0 = world.getInitialSnapshot(undefined as never, undefined as never);
    const types = (s: WorldSnapshot) => extraCalls(one, s).map((e) => e.type);
    expect(types(s0)).not.toContain('WRITE_ID');
    expect(types(s0)).not.toContain('DRV_REGISTER_AS');
    const s1 = world.transition(world.transition(s0, { type: 'KZALLOC', dev: 0, fail: false }, undefined as never), { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, undefined as never);
    expect(types(s1)).toContain('WRITE_ID');
    expect(extraCalls(one, s1).filter((e) => e.type === 'DRV_REGISTER_AS')).toEqual([{ type: 'DRV_REGISTER_AS', drv: 1, as: 0 }]);
  });
});

describe('extraPaths', () => {
  it('§4: the shortest path to ida_destroy on an IDA in use is an alloc and the destroy, then a clean teardown; the target leaves the set', () => {
    const targets = new Set(['ida.inUse:DESTROY#0']);
    const found = extraPaths(one, targets);
    expect(targets.size).toBe(0);
    expect(found.violations).toEqual([]);
    expect(found.cases).toHaveLength(1);
    const k = found.cases[0]!;
    expect(k.steps.filter((s) => !s.teardown).map((s) => s.event.type)).toEqual(['IDA_ALLOC', 'IDA_DESTROY']);
    expect(k.steps[k.steps.length - 1]!.event.type).toBe('END');
    expect(k.covers).toEqual(['ida.inUse:DESTROY#0']);
  });

  it('§1.9 B13: a driver registered without its probe is a violation case of driver-incomplete, one call long', () => {
    const found = extraPaths(one, new Set(['driver.unregistered:REGISTER#0']));
    expect(found.cases).toEqual([]);
    expect(found.violations.map((v) => [v.code, v.steps.map((s) => s.text)])).toEqual([['driver-incomplete', ['drv0: auxiliary_driver_register() with no probe']]]);
  });

  it('§5 B6, §3.9: what follows a silent uninit-without-delete is reached only with afterMisuse: the delete then drops the bus\'s last references midway and releases, judged as the use-after-release it is', () => {
    const target = 'device.live.refcounted.added.unbound:DELETE#0';
    const params = resolveWorldParams(AFTER_MISUSE_WORLDS[0]!);
    expect(extraPaths(params, new Set([target])).violations).toEqual([]);
    const found = extraPaths(params, new Set([target]), true);
    expect(found.violations).toHaveLength(1);
    const v = found.violations[0]!;
    // The first misuse the kernel shows at its call: B6 is silent, the delete's B11 is not.
    expect(v.code).toBe('use-after-release');
    expect(v.steps.map((s) => s.event.type)).toEqual(['KZALLOC', 'INIT', 'ADD', 'UNINIT', 'DELETE']);
    const del = v.steps[4]!;
    expect(del.calls).toEqual([{ call: 'release', dev: 0 }]);
  });

  it('§3.6 B12: after a WARN (missing-release) the search goes on, and the case is judged by that WARN, not the silent misuse before it', () => {
    const params = resolveWorldParams(AFTER_MISUSE_WORLDS[1]!);
    const found = extraPaths(params, new Set(['device.dead.released:KFREE#2']), true);
    expect(found.violations).toHaveLength(1);
    expect(found.violations[0]!.code).toBe('missing-release');
    expect(found.violations[0]!.steps[found.violations[0]!.steps.length - 1]!.event.type).toBe('KFREE');
  });

  it('a target no call reaches stays in the set and yields nothing', () => {
    const targets = new Set(['device.live.releasing:GET#0']);
    const found = extraPaths(one, targets, true);
    expect([...targets]).toEqual(['device.live.releasing:GET#0']);
    expect(found).toEqual({ cases: [], violations: [] });
  });

  it('givenPath: a path whose last call takes a target first becomes a case (B4: a stale ida_free of an id handed to another device, a third id in use)', () => {
    const params = resolveWorldParams(GIVEN_PATHS[0]!.world);
    const targets = new Set(['ida.inUse:FREE#3']);
    const found = givenPath(params, GIVEN_PATHS[0]!.events, targets);
    expect(targets.size).toBe(0);
    expect(found.violations.map((v) => v.code)).toEqual(['ida-free-reallocated']);
    // A path whose last call takes no target gives nothing.
    expect(givenPath(params, GIVEN_PATHS[0]!.events.slice(0, 2), new Set(['ida.inUse:FREE#3']))).toEqual({ cases: [], violations: [] });
  });
});
