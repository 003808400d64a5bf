/**
 * The generated KUnit cases (src/kunit/cases.ts): each is a violation-free path of the model's
 * world followed by the shortest correct teardown, and predicts after every call what the kernel
 * shows (kernel-auxbus.md §3.9 measured those observations on 6.12.118).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createWorld, deviceMachine, driverMachine, idaMachine, NEG,
  type WorldEvent, type WorldLogic, type WorldSnapshot,
} from '../../machines/index.js';
import { allTransitions, transitionId } from '../../src/paths/coverage.js';
import { cleanTeardown, DEFAULT_KUNIT_WORLDS, kunitSuite, predictSteps, type KunitSuite } from '../../src/kunit/index.js';

const KZALLOC = (dev = 0): WorldEvent => ({ type: 'KZALLOC', dev, fail: false });
const IDA_ALLOC = (dev = 0): WorldEvent => ({ type: 'IDA_ALLOC', dev, fail: false });
const INIT = (dev = 0): WorldEvent => ({ type: 'INIT', dev, ok: true });
const ADD = (dev = 0): WorldEvent => ({ type: 'ADD', dev, fault: 'none' });
const DELETE = (dev = 0): WorldEvent => ({ type: 'DELETE', dev });
const UNINIT = (dev = 0): WorldEvent => ({ type: 'UNINIT', dev });
const GET = (dev = 0): WorldEvent => ({ type: 'GET', dev });
const KFREE = (dev = 0): WorldEvent => ({ type: 'KFREE', dev });
const IDA_FREE = (dev = 0): WorldEvent => ({ type: 'IDA_FREE', dev, via: 'saved' });
const REGISTER = (drv: number): WorldEvent => ({ type: 'DRV_REGISTER', drv, fault: 'none' });
const END: WorldEvent = { type: 'END' };

/** Replays events with the world's own XState `transition`; the findings of every step, in order. */
function replay(world: WorldLogic, events: readonly WorldEvent[], from?: WorldSnapshot): { s: WorldSnapshot; findings: string[] } {
  let s = from ?? world.getInitialSnapshot(undefined as never, undefined as never);
  const findings: string[] = [];
  for (const e of events) {
    s = world.transition(s, e, undefined as never);
    findings.push(...s.findings.map((f) => `${e.type}: ${f.code}`));
  }
  return { s, findings };
}

const registeredDrivers = (s: WorldSnapshot) => s.context.drivers.filter((d) => d.hasTag('registered')).length;

describe('kunitSuite: the default suite', () => {
  let suite: KunitSuite;
  beforeAll(() => {
    suite = kunitSuite();
  });

  it('model.md §3: every case replays on its world with no finding on any step and ends with END, no driver left registered (a module unloads, §1.9)', () => {
    expect(suite.cases.length).toBeGreaterThan(0);
    for (const k of suite.cases) {
      const world = createWorld(suite.worlds[k.world]!);
      const events = k.steps.map((s) => s.event);
      expect(events.at(-1), k.name).toEqual(END);
      // END appears once: nothing runs after the scenario is over.
      expect(events.filter((e) => e.type === 'END'), k.name).toHaveLength(1);
      const before = replay(world, events.slice(0, -1));
      expect(before.findings, k.name).toEqual([]);
      expect(registeredDrivers(before.s), k.name).toBe(0);
      const after = replay(world, [END], before.s);
      expect(after.findings, k.name).toEqual([]);
      expect(after.s.context.ended).toBe(true);
    }
  });

  it('the teardown is a suffix of each case, made only of calls that release (no new kzalloc, init, add, get or register)', () => {
    const releasing = new Set(['IDA_FREE', 'DELETE', 'UNINIT', 'PUT', 'KFREE', 'DRV_UNREGISTER', 'END']);
    for (const k of suite.cases) {
      const first = k.steps.findIndex((s) => s.teardown);
      // END is always part of the teardown the generator appends, so every case has one.
      expect(first, k.name).toBeGreaterThan(0);
      expect(k.steps.slice(first).every((s) => s.teardown), k.name).toBe(true);
      for (const s of k.steps.slice(first)) expect(releasing, `${k.name}: ${s.text}`).toContain(s.event.type);
    }
  });

  it('case names are unique C identifiers, prefixed with their world (w<k>_)', () => {
    const names = suite.cases.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const k of suite.cases) {
      expect(k.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(k.name.startsWith(`w${k.world}_`)).toBe(true);
      expect(suite.worlds[k.world]).toBeDefined();
    }
  });

  it('the cases\' covers are disjoint (among the immediate worlds\' cases, and among the deferred ones\', which cover again with the release to come), each a real transitionId of the device, IDA or driver machine', () => {
    const real = new Set([deviceMachine, idaMachine, driverMachine].flatMap((m) => allTransitions(m).map(transitionId)));
    for (const deferred of [false, true]) {
      const claimed = suite.cases.filter((k) => suite.worlds[k.world]!.deferredRelease === deferred).flatMap((k) => k.covers);
      expect(new Set(claimed).size).toBe(claimed.length);
    }
    for (const k of suite.cases) {
      expect(k.covers.length, k.name).toBeGreaterThan(0);
      for (const t of k.covers) expect(real, `${k.name}: ${t}`).toContain(t);
    }
  });

  it('coverage: taken + missing = total = the machine\'s transitions; every transition a case covers is taken, and so are the violation cases\' misuses; nothing taken is listed missing', () => {
    const machines = { device: deviceMachine, ida: idaMachine, driver: driverMachine } as const;
    const claimed = new Set(suite.cases.flatMap((k) => k.covers));
    expect(suite.coverage.map((c) => c.machine).sort()).toEqual(['device', 'driver', 'ida']);
    for (const c of suite.coverage) {
      const all = allTransitions(machines[c.machine]).map(transitionId);
      expect(c.total).toBe(all.length);
      expect(c.taken + c.missing.length).toBe(c.total);
      expect(c.taken).toBeGreaterThanOrEqual(all.filter((t) => claimed.has(t)).length);
      for (const t of c.missing) expect(claimed.has(t), t).toBe(false);
    }
    // The suite's point: an add from the initialized state (§3.4), a delete of an added device
    // (§3.5) and the release of a device (§3.6) are covered.
    const some = (prefix: string) => [...claimed].some((t) => t.startsWith(prefix));
    expect(some('device.live.refcounted.initialized:ADD#')).toBe(true);
    expect(some('device.live.refcounted.added.bound:DELETE#')).toBe(true);
    expect(some('device.dead.pending:RUN_RELEASE#')).toBe(true);
    // §5 B4: the double-free case's second kfree is a transition of the freed state.
    const missing = new Set(suite.coverage.flatMap((c) => c.missing));
    expect(missing.has('device.dead.freed:KFREE#0')).toBe(false);
  });

  it('every transition of the device, IDA and driver machines is taken by a case', () => {
    const missing = Object.fromEntries(suite.coverage.map((c) => [c.machine, c.missing]));
    expect(missing).toEqual({ device: [], ida: [], driver: [] });
  });

  it('§5 B4: a kfree() of a devm container is a case of its own in every state it can come in, each a double-free the kernel shows', () => {
    const devmKfrees = suite.violations.filter((v) => v.covers.some((t) => /:KFREE#0$/.test(t) && !/dead\.(freed|orphaned|lateRelease)/.test(t)));
    const states = new Set(devmKfrees.flatMap((v) => v.covers.map((t) => t.split(':')[0]!.split('.').pop())));
    expect([...states].sort()).toEqual(['allocated', 'pending', 'refcounted', 'released', 'releasing']);
    for (const v of devmKfrees) {
      expect(v.code).toBe('double-free');
      expect(v.steps[0]!.event.type).toBe('KZALLOC_DEVM');
    }
  });

  it('the extra cases are named after their world and carry their extra call: a NULL name at init (§1.2) expects -EINVAL', () => {
    const k = suite.cases.find((c) => c.steps.some((s) => s.event.type === 'INIT_NULL_NAME'))!;
    expect(k.name).toMatch(/^w\d+_\d{3}_/);
    const step = k.steps.find((s) => s.event.type === 'INIT_NULL_NAME')!;
    expect(step.returns).toBe(-22);
  });

  it('§2.4 B16: two devices that never got an id share the name <mod>.dev.0, so the second add returns -EEXIST and leaves that device unregistered at kref 1', () => {
    const k = suite.cases.find((c) => c.steps.some((s) => s.event.type === 'ADD' && s.returns !== undefined && s.returns < 0));
    expect(k).toBeDefined();
    const i = k!.steps.findIndex((s) => s.event.type === 'ADD' && s.returns! < 0);
    const step = k!.steps[i]!;
    expect(step.returns).toBe(NEG.EEXIST);
    const dev = (step.event as { dev: number }).dev;
    // Neither slot holds an id: both adev->id fields are 0, as kzalloc left them.
    expect(step.ids).toEqual([-1, -1]);
    // The other device was added first, under the same name.
    const other = step.devices.find((d) => d.slot !== dev);
    expect(other).toMatchObject({ valid: true, registered: true, kref: 3 });
    // device_add unwinds what it did and keeps only the caller's reference (§3.4).
    expect(step.devices.find((d) => d.slot === dev)).toEqual({ slot: dev, valid: true, kref: 1, registered: false, released: 0 });
  });

  it('§1.8: the case that registers the failing driver predicts probe(dev0, drv1) = -ENOMEM and the device stays added and unbound (kref 3, no remove at delete)', () => {
    const k = suite.cases.find((c) => c.steps.some((s) => s.calls.some((x) => x.call === 'probe' && x.result < 0)));
    expect(k).toBeDefined();
    const i = k!.steps.findIndex((s) => s.calls.some((x) => x.call === 'probe' && x.result < 0));
    const step = k!.steps[i]!;
    // drv1 is world 0's driver whose probe fails.
    expect(suite.worlds[k!.world]!.drivers[1]).toEqual({ probe: 'fails' });
    expect(step.calls).toEqual([{ call: 'probe', dev: 0, drv: 1, result: NEG.ENOMEM }]);
    expect(NEG.ENOMEM).toBe(-12);
    // Unbound but registered: the bus keeps its two references (§3.4), no driver adds one.
    expect(step.devices.find((d) => d.slot === 0)).toMatchObject({ valid: true, kref: 3, registered: true });
    // Nothing was bound, so the delete that follows calls no remove().
    const del = k!.steps.slice(i).find((s) => s.event.type === 'DELETE');
    expect(del?.calls.filter((x) => x.call === 'remove')).toEqual([]);
  });
});

describe('predictSteps', () => {
  // World 1 of the default suite: the release frees the container but not the id, which the
  // code frees after uninit (as most drivers do).
  const world = createWorld(DEFAULT_KUNIT_WORLDS[1]);
  const events = [KZALLOC(), IDA_ALLOC(), INIT(), ADD(), DELETE(), UNINIT(), IDA_FREE(), END];

  it('§3.1, §3.4, §3.5 (measured in §3.9): kref 0 after kzalloc, 1 after init, 3 after add, 1 after delete; registered only while added', () => {
    const steps = predictSteps(world, events)!;
    expect(steps).not.toBeNull();
    expect(steps.map((s) => s.event)).toEqual(events);
    const dev0 = (i: number) => steps[i]!.devices.find((d) => d.slot === 0);
    // kzalloc zeroes the kref: kref_read gives 0 before kref_init.
    expect(dev0(0)).toEqual({ slot: 0, valid: true, kref: 0, registered: false, released: 0 });
    expect(dev0(2)).toEqual({ slot: 0, valid: true, kref: 1, registered: false, released: 0 });
    // The caller's reference + the bus klist's + the parent's children klist's.
    expect(dev0(3)).toEqual({ slot: 0, valid: true, kref: 3, registered: true, released: 0 });
    // device_del drops both klist references, not the caller's.
    expect(dev0(4)).toEqual({ slot: 0, valid: true, kref: 1, registered: false, released: 0 });
    // Only one device slot was ever allocated.
    for (const s of steps) expect(s.devices.map((d) => d.slot)).toEqual([0]);
  });

  it('§3.6: release runs once, inside the uninit that drops the count to 0, and frees the container (the memory is not read after)', () => {
    const steps = predictSteps(world, events)!;
    const uninit = steps[5]!;
    expect(uninit.calls).toEqual([{ call: 'release', dev: 0 }]);
    expect(uninit.devices).toEqual([{ slot: 0, valid: false, released: 1 }]);
    // No other call made a release; the count stays 1 to the end.
    expect(steps.flatMap((s) => s.calls).filter((c) => c.call === 'release')).toHaveLength(1);
    for (const s of steps.slice(6)) expect(s.devices).toEqual([{ slot: 0, valid: false, released: 1 }]);
  });

  it('§4: ida_alloc_range gives the lowest free id (0); the IDA holds it until the code frees it after uninit (this world\'s release keeps it)', () => {
    const steps = predictSteps(world, events)!;
    expect(steps[1]!.returns).toBe(0);
    expect(steps[1]!.ids[0]).toBe(0);
    expect(steps[0]!.ida).toEqual({ lowest: 0, empty: true });
    // Range [0, 1] with 0 taken: the lowest free is 1.
    for (const i of [1, 2, 3, 4, 5]) expect(steps[i]!.ida, steps[i]!.text).toEqual({ lowest: 1, empty: false });
    expect(steps[6]!.ida).toEqual({ lowest: 0, empty: true });
    expect(steps[2]!.returns).toBe(0);
    expect(steps[3]!.returns).toBe(0);
    // void calls return nothing
    expect(steps[4]!.returns).toBeUndefined();
    expect(steps[5]!.returns).toBeUndefined();
  });

  it('§4: with both ids of [0, 1] taken the lowest free id is -ENOSPC', () => {
    const steps = predictSteps(world, [IDA_ALLOC(0), IDA_ALLOC(1)])!;
    expect(steps.map((s) => s.returns)).toEqual([0, 1]);
    expect(steps[1]!.ida).toEqual({ lowest: NEG.ENOSPC, empty: false });
  });

  it('§3.6: with a get, the first uninit leaves kref 1 and no release; the second put is the last one and runs release', () => {
    const steps = predictSteps(createWorld(DEFAULT_KUNIT_WORLDS[0]), [KZALLOC(), INIT(), GET(), UNINIT(), UNINIT(), END])!;
    expect(steps[2]!.devices[0]).toMatchObject({ kref: 2 });
    expect(steps[3]!.calls).toEqual([]);
    expect(steps[3]!.devices[0]).toEqual({ slot: 0, valid: true, kref: 1, registered: false, released: 0 });
    expect(steps[4]!.calls).toEqual([{ call: 'release', dev: 0 }]);
    expect(steps[4]!.devices[0]).toEqual({ slot: 0, valid: false, released: 1 });
  });

  it('§1.8: registered drivers are tried in registration order; a failed probe lets the next one try, and delete removes the one that bound', () => {
    const steps = predictSteps(createWorld(DEFAULT_KUNIT_WORLDS[0]), [REGISTER(1), REGISTER(0), KZALLOC(), INIT(), ADD(), DELETE()])!;
    expect(steps[4]!.calls).toEqual([
      { call: 'probe', dev: 0, drv: 1, result: NEG.ENOMEM },
      { call: 'probe', dev: 0, drv: 0, result: 0 },
    ]);
    expect(steps[5]!.calls).toEqual([{ call: 'remove', dev: 0, drv: 0 }]);
  });

  it('§3.9: a get before init reads REFCOUNT_SATURATED (0xc0000000) until init sets the count to 1', () => {
    const w = createWorld({ devices: 1 });
    const steps = predictSteps(w, [KZALLOC(), GET(), GET(), INIT()], 4, 'any')!;
    const kref = (i: number) => steps[i]!.devices.find((d) => d.slot === 0)!.kref;
    expect([kref(0), kref(1), kref(2), kref(3)]).toEqual([0, 0xc0000000, 0xc0000000, 1]);
    expect(steps[1]!.calls).toEqual([{ call: 'kref-saturated', dev: 0 }]);
  });

  it('§3.9 (kobject_cleanup): a device released while still on the bus (after B6) is no longer registered; before its release it is', () => {
    const w = createWorld({ devices: 1, release: { freesContainer: false } });
    const steps = predictSteps(w, [KZALLOC(), INIT(), ADD(), UNINIT(), UNINIT(), UNINIT()], 6, 'any')!;
    const dev0 = (i: number) => steps[i]!.devices.find((d) => d.slot === 0)!;
    expect([3, 4, 5].map((i) => [dev0(i).kref, dev0(i).registered, dev0(i).released])).toEqual([[2, true, 0], [1, true, 0], [0, false, 1]]);
  });

  it('teardown marks the steps from `teardownFrom` on, and only those', () => {
    const steps = predictSteps(world, events, 4)!;
    expect(steps.map((s) => s.teardown)).toEqual([false, false, false, false, true, true, true, true]);
    expect(predictSteps(world, events)!.every((s) => !s.teardown)).toBe(true);
  });

  it('model.md §3: a path with a violation predicts nothing (null): a second delete (B7), an ida_free the release already made (B4)', () => {
    expect(predictSteps(world, [KZALLOC(), INIT(), ADD(), DELETE(), DELETE()])).toBeNull();
    // World 0's release frees the id: freeing it again after uninit is a double free.
    expect(predictSteps(createWorld(DEFAULT_KUNIT_WORLDS[0]), [KZALLOC(), IDA_ALLOC(), INIT(), UNINIT(), IDA_FREE()])).toBeNull();
    // The same path without the violating call is predicted.
    expect(predictSteps(world, [KZALLOC(), INIT(), ADD(), DELETE()])).not.toBeNull();
  });
});

describe('cleanTeardown', () => {
  const world0 = createWorld(DEFAULT_KUNIT_WORLDS[0]);

  it('§3.5, §1.9: from an added device bound to drv0, the shortest clean end is 4 calls: delete before uninit, the driver unregistered, then END', () => {
    const { s, findings } = replay(world0, [KZALLOC(), INIT(), ADD(), REGISTER(0)]);
    expect(findings).toEqual([]);
    expect(s.context.boundTo[0]).toBe(0);
    const t = cleanTeardown(world0, s)!;
    expect(t).not.toBeNull();
    // Each is needed: uninit (or a put) while added is B6, no put leaks the device (B3), the
    // driver must go before the module does; none of them can stand in for another.
    expect(t).toHaveLength(4);
    expect(t.at(-1)).toEqual(END);
    const types = t.map((e) => e.type);
    expect(types).toContain('DELETE');
    expect(types).toContain('DRV_UNREGISTER');
    const put = types.findIndex((x) => x === 'UNINIT' || x === 'PUT');
    expect(put).toBeGreaterThan(types.indexOf('DELETE'));
    const after = replay(world0, t, s);
    expect(after.findings).toEqual([]);
    expect(after.s.context.ended).toBe(true);
  });

  it('from the initial state the clean end is END alone', () => {
    expect(cleanTeardown(world0, world0.getInitialSnapshot(undefined as never, undefined as never))).toEqual([END]);
  });

  it('§3.6 B12: no clean end after init when the device has no release callback: any last put is missing-release, kfree is B1, END leaks it (B3)', () => {
    const world = createWorld({ devices: 1, release: { present: false } });
    const { s, findings } = replay(world, [KZALLOC(), INIT()]);
    expect(findings).toEqual([]);
    expect(cleanTeardown(world, s)).toBeNull();
  });

  it('model.md §4.6 B18: no clean end after init when the release callback does not free the container: a kfree after the last put is free-outside-release, no kfree leaks it', () => {
    const world = createWorld({ devices: 1, release: { freesContainer: false } });
    const { s } = replay(world, [KZALLOC(), INIT()]);
    expect(cleanTeardown(world, s)).toBeNull();
  });

  it('after END nothing can be called, so no clean END is reachable', () => {
    const { s } = replay(world0, [END]);
    expect(cleanTeardown(world0, s)).toBeNull();
  });

  it('model.md §4.3: after a kfree of an initialized device (B1, reported at the kfree) the end excuses that device: END alone, with no new finding', () => {
    const { s, findings } = replay(world0, [KZALLOC(), INIT(), KFREE()]);
    expect(findings).toEqual(['KFREE: free-after-init']);
    expect(cleanTeardown(world0, s)).toEqual([END]);
  });

  it('from every state along two long clean paths of the default worlds, the teardown it returns replays with no finding and ends with END', () => {
    const suite = { worlds: DEFAULT_KUNIT_WORLDS.map((w) => createWorld(w)) };
    const prefixes: Array<[WorldLogic, WorldEvent[]]> = [
      [suite.worlds[0]!, [KZALLOC(0), KZALLOC(1), INIT(0), INIT(1), ADD(0), REGISTER(1), REGISTER(0), GET(0)]],
      [suite.worlds[1]!, [IDA_ALLOC(0), KZALLOC(0), INIT(0), ADD(0), REGISTER(0), IDA_ALLOC(1), KZALLOC(1), INIT(1)]],
    ];
    let checked = 0;
    for (const [world, path] of prefixes) {
      for (let n = 0; n <= path.length; n++) {
        const { s, findings } = replay(world, path.slice(0, n));
        expect(findings).toEqual([]);
        const t = cleanTeardown(world, s);
        expect(t, `after ${n} steps`).not.toBeNull();
        const after = replay(world, t!, s);
        expect(after.findings).toEqual([]);
        expect(t!.at(-1)).toEqual(END);
        checked++;
      }
    }
    expect(checked).toBe(18);
  });
});
