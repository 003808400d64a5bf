import { describe, expect, it } from 'vitest';
import { createTestModel, getShortestPaths } from 'xstate/graph';
import {
  deviceMachine, refcount, VIOLATIONS, VIOLATION_CODES, type DeviceEvent, type ViolationCode,
} from '../../machines/index.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, transitionsTaken, violationsAlong } from '../../src/paths/coverage.js';
import { deviceTraversal } from '../../src/paths/traversal.js';
import { drive } from '../support/drive.js';

const INIT: DeviceEvent = { type: 'INIT', parent: true, name: true };
const ADD: DeviceEvent = { type: 'ADD', modname: true, nameTaken: false, fault: 'none' };
const DELETE: DeviceEvent = { type: 'DELETE' };
const UNINIT: DeviceEvent = { type: 'UNINIT' };
const GET: DeviceEvent = { type: 'GET' };
const PUT: DeviceEvent = { type: 'PUT' };
const KFREE: DeviceEvent = { type: 'KFREE' };
const END: DeviceEvent = { type: 'END' };
const READ: DeviceEvent = { type: 'READ', field: 'id' };
const RELEASED: DeviceEvent = { type: 'RELEASED' };
/** The kernel's cleanup runs the release (at the last put, or later: model.md §4.6). */
const RUN: DeviceEvent = { type: 'RUN_RELEASE' };
const DEVRES_FREE: DeviceEvent = { type: 'DEVRES_FREE' };
const run = (events: DeviceEvent[], hasRelease = true) => drive(deviceMachine, events, { hasRelease });

describe('device machine: kernel facts', () => {
  it('§3.1 device_initialize: the refcount after init is 1 and the device is not on the bus', () => {
    const r = run([INIT]);
    expect(r.last.returned).toBe(0);
    expect(refcount(r.final.context)).toBe(1);
    expect(r.final.hasTag('refcounted')).toBe(true);
    expect(r.final.hasTag('onBus')).toBe(false);
  });

  it('§1.2 init with a NULL parent returns -EINVAL (22), stays allocated, and the caller may kfree', () => {
    const r = run([{ type: 'INIT', parent: false, name: true }, KFREE, END]);
    expect(r.steps[0]!.returned).toBe(-22);
    expect(r.steps[0]!.state.hasTag('refcounted')).toBe(false);
    expect(r.allViolations).toEqual([]);
    expect(r.final.hasTag('freed')).toBe(true);
  });

  it('§1.2 init checks the parent before the name: a NULL name alone is also -EINVAL', () => {
    const r = run([{ type: 'INIT', parent: true, name: false }]);
    expect(r.last.returned).toBe(-22);
    expect(r.final.matches({ live: 'allocated' })).toBe(true);
  });

  it('model.md §4.3: an init failure whose container is never freed is a memory-leak at the end', () => {
    const r = run([{ type: 'INIT', parent: false, name: true }, END]);
    expect(r.allViolations).toEqual(['memory-leak']);
  });

  it('§3.4 a successful add gives the bus two references (refcount 3) and probes drivers', () => {
    const r = run([INIT, ADD]);
    expect(r.last.returned).toBe(0);
    expect(refcount(r.final.context)).toBe(3);
    expect(r.final.hasTag('onBus')).toBe(true);
    expect(r.last.effects).toContain('probeDrivers');
  });

  const addFailures: Array<[string, DeviceEvent, number]> = [
    ['NULL modname → -EINVAL (§1.3)', { type: 'ADD', modname: false, nameTaken: false, fault: 'none' }, -22],
    ['dev_set_name → -ENOMEM (§3.3)', { type: 'ADD', modname: true, nameTaken: false, fault: 'name-nomem' }, -12],
    ['device_add → -ENOMEM (§3.4)', { type: 'ADD', modname: true, nameTaken: false, fault: 'device-add-nomem' }, -12],
    ['duplicate name → -EEXIST (§2.4, B16)', { type: 'ADD', modname: true, nameTaken: true, fault: 'none' }, -17],
  ];
  it.each(addFailures)('add failure %s keeps the device initialized, off the bus, with no violation', (_, add, errno) => {
    const r = run([INIT, add]);
    expect(r.last.returned).toBe(errno);
    expect(r.last.violations).toEqual([]);
    expect(r.final.matches({ live: { refcounted: 'addFailed' } })).toBe(true);
    expect(refcount(r.final.context)).toBe(1);
  });

  it.each(addFailures)('add failure %s: only uninit is legal, and it releases (§2.2 step 3)', (_, add) => {
    const ok = run([INIT, add, UNINIT, RUN, KFREE, RELEASED, END]);
    expect(ok.allViolations).toEqual([]);
    expect(ok.steps[2]!.effects).toEqual(['scheduleRelease']);
    expect(ok.steps[3]!.effects).toEqual(['runRelease']);
    const del = run([INIT, add, DELETE]);
    expect(del.last.violations).toEqual(['delete-unadded']);
    const again = run([INIT, add, ADD]);
    expect(again.last.violations).toEqual(['double-add']);
  });

  it('B3: add failure with no unwind is leak-initialized alone at the end (model.md §4.3)', () => {
    const r = run([INIT, { type: 'ADD', modname: true, nameTaken: true, fault: 'none' }, END]);
    expect(r.allViolations).toEqual(['leak-initialized']);
  });

  it('§2.2 step 4: delete then uninit releases exactly once and reports nothing', () => {
    const r = run([INIT, ADD, DELETE, UNINIT, RUN, RELEASED]);
    expect(r.allViolations).toEqual([]);
    expect(r.steps.flatMap((s) => s.effects).filter((e) => e === 'runRelease')).toHaveLength(1);
    // §3.2, §3.9: the last put only schedules the cleanup; it runs the release when it runs.
    expect(r.steps[3]!.state.matches({ dead: 'pending' })).toBe(true);
    expect(r.steps[3]!.effects).toEqual(['scheduleRelease']);
    expect(r.steps[4]!.state.matches({ live: 'releasing' })).toBe(true);
    expect(r.final.matches({ dead: 'released' })).toBe(true);
    expect(refcount(r.final.context)).toBe(0);
  });

  it('B6: uninit without delete does not release: the bus still holds 2, the device stays added', () => {
    const r = run([INIT, ADD, UNINIT]);
    expect(r.last.violations).toEqual(['uninit-without-delete']);
    expect(r.last.effects).not.toContain('runRelease');
    expect(r.final.hasTag('onBus')).toBe(true);
    expect(refcount(r.final.context)).toBe(2);
    // §3.5: device_del then drops the bus's references and the release runs.
    const later = run([INIT, ADD, UNINIT, DELETE]);
    expect(later.last.effects).toContain('scheduleRelease');
  });

  it('B6: a put that balances a get on an added device is fine; only dropping the own count to 0 is not', () => {
    const r = run([INIT, ADD, GET, PUT, DELETE, UNINIT]);
    expect(r.allViolations).toEqual([]);
  });

  it('B1 (§3.7): kfree after a successful init is free-after-init and the release never runs', () => {
    const r = run([INIT, KFREE]);
    expect(r.last.violations).toEqual(['free-after-init']);
    expect(r.last.effects).not.toContain('runRelease');
    expect(r.final.hasTag('freed')).toBe(true);
  });

  it('B4: freeing the container in the error path after release freed it is a double-free', () => {
    // The release callback frees the container (a KFREE while released), then the error path frees it again.
    const r = run([INIT, { type: 'ADD', modname: true, nameTaken: false, fault: 'device-add-nomem' }, UNINIT, RUN, KFREE, RELEASED, KFREE]);
    expect(r.steps[4]!.violations).toEqual([]);
    expect(r.last.violations).toEqual(['double-free']);
  });

  it('§2.3, §3.6: the release callback may read the device (e.g. adev->id) and free the container', () => {
    const r = run([INIT, UNINIT, RUN, READ, { type: 'WRITE', field: 'priv' }, KFREE, RELEASED, END]);
    expect(r.allViolations).toEqual([]);
    expect(r.final.hasTag('freed')).toBe(true);
    // A get while the release runs takes a reference on a count of 0 (§3.2 "addition on 0").
    expect(run([INIT, UNINIT, GET]).last.violations).toEqual(['use-after-release']);
  });

  it('B18 (model.md §4.6): freeing the container after a release that did not free it is free-outside-release', () => {
    const r = run([INIT, UNINIT, RUN, RELEASED, KFREE, END]);
    expect(r.steps[4]!.violations).toEqual(['free-outside-release']);
    expect(r.allViolations).toEqual(['free-outside-release']);
    expect(r.final.hasTag('freed')).toBe(true);
  });

  it('B18 (model.md §4.6): a free after the last put but before the release ran is judged when the release runs', () => {
    // An "empty" release: the delayed cleanup reads the freed kobject (KASAN), B18 at its return.
    const empty = run([INIT, ADD, DELETE, UNINIT, KFREE, RUN, READ, RELEASED, END]);
    expect(empty.steps[4]!.violations).toEqual([]);
    expect(empty.steps[4]!.state.hasTag('releasePending')).toBe(true);
    expect(empty.steps[6]!.violations).toEqual([]); // the release's own reads: the same root cause
    expect(empty.allViolations).toEqual(['free-outside-release']);
    // A release that frees the container too: B4, as when the release had run first.
    const twice = run([INIT, UNINIT, KFREE, RUN, KFREE, RELEASED, END]);
    expect(twice.allViolations).toEqual(['double-free']);
  });

  it('B18 (model.md §4.6): while the bus still holds the device after the caller\'s last put (B6), a kfree is B18, not B1', () => {
    const r = run([INIT, ADD, UNINIT, KFREE]);
    expect(r.steps[2]!.violations).toEqual(['uninit-without-delete']);
    expect(r.last.violations).toEqual(['free-outside-release']);
  });

  it('B18 (model.md §4.6): devres freeing a devm container is fine before init, B18 after it, B4 after release freed it', () => {
    expect(run([DEVRES_FREE, END]).allViolations).toEqual([]);
    expect(run([{ type: 'INIT', parent: false, name: true }, DEVRES_FREE]).allViolations).toEqual([]);
    // Still referenced at unbind (never uninit): devres frees it under the device.
    expect(run([INIT, ADD, DEVRES_FREE]).last.violations).toEqual(['free-outside-release']);
    // Torn down correctly, empty release: devres frees it after the release.
    expect(run([INIT, ADD, DELETE, UNINIT, RUN, RELEASED, DEVRES_FREE]).last.violations).toEqual(['free-outside-release']);
  });

  it('§5 B4: a kfree() of a devm container is a double free wherever it comes (KASAN "invalid-free" at the kfree), and frees nothing: devres still frees it', () => {
    const devm = (events: DeviceEvent[], hasRelease = true) => drive(deviceMachine, events, { hasRelease, devm: true });
    const cases: DeviceEvent[][] = [
      [KFREE], [INIT, KFREE], [INIT, ADD, KFREE], [INIT, UNINIT, KFREE], [INIT, UNINIT, RUN, KFREE], [INIT, UNINIT, RUN, RELEASED, KFREE],
    ];
    for (const events of cases) {
      const r = devm(events);
      const before = r.steps[r.steps.length - 2]?.state.value ?? 'no step';
      expect(r.last.violations, events.map((e) => e.type).join(',')).toEqual(['double-free']);
      // Nothing changed: the same state, not flagged (model.md §4.2, §4.3).
      if (r.steps.length >= 2) expect(r.final.value).toEqual(before);
      expect(r.final.hasTag('freed')).toBe(false);
    }
    // devres frees it after: before init that is fine; a device torn down with a release is B18's.
    expect(devm([KFREE, DEVRES_FREE, END]).allViolations).toEqual(['double-free']);
    expect(devm([INIT, UNINIT, RUN, RELEASED, KFREE, DEVRES_FREE]).allViolations).toEqual(['double-free', 'free-outside-release']);
  });

  it('model.md §4.6: a release callback that devm_kfree()s its devm container frees it the right way; devres freeing it before the release ran is B18 when the release runs', () => {
    const devm = (events: DeviceEvent[]) => drive(deviceMachine, events, { hasRelease: true, devm: true });
    const clean = devm([INIT, UNINIT, RUN, DEVRES_FREE, RELEASED, END]);
    expect(clean.allViolations).toEqual([]);
    expect(clean.final.hasTag('freed')).toBe(true);
    // devres freed it at unbind while the release was pending; the release's own devm_kfree then finds nothing.
    const late = devm([INIT, UNINIT, DEVRES_FREE, RUN, DEVRES_FREE]);
    expect(late.steps.map((s) => s.violations)).toEqual([[], [], [], [], ['free-outside-release']]);
  });

  it('model.md §4.6: a devm container is held by devres: never a memory-leak at the end, freed at unbind', () => {
    const devm = (events: DeviceEvent[]) => drive(deviceMachine, events, { hasRelease: true, devm: true });
    expect(devm([END]).allViolations).toEqual([]);
    expect(devm([INIT, UNINIT, RUN, RELEASED, END]).allViolations).toEqual([]);
    expect(run([INIT, UNINIT, RUN, RELEASED, END]).allViolations).toEqual(['memory-leak']);
    // Its device is still checked: init without uninit is leak-initialized (B3) whoever owns the memory.
    expect(devm([INIT, END]).allViolations).toEqual(['leak-initialized']);
  });

  it('model.md §4.3 (revised): a refused call excuses nothing: delete before init, then init and add never torn down, is delete-unadded and leak-initialized', () => {
    const r = run([DELETE, INIT, ADD, END]);
    expect(r.steps[0]!.violations).toEqual(['delete-unadded']);
    expect(r.steps[0]!.state.context.flagged).toBe(false);
    expect(r.allViolations).toEqual(['delete-unadded', 'leak-initialized']);
    // The same for every call that leaves the device as it was: double add, double delete, double init, get before init.
    expect(run([INIT, ADD, ADD, END]).allViolations).toEqual(['double-add', 'leak-initialized']);
    expect(run([INIT, ADD, DELETE, DELETE, END]).allViolations).toEqual(['double-delete', 'leak-initialized']);
    expect(run([INIT, INIT, END]).allViolations).toEqual(['double-init', 'leak-initialized']);
    expect(run([GET, END]).allViolations).toEqual(['get-uninitialized', 'memory-leak']);
    // A call that changed the device is its root cause: the end check leaves it (B6, B1).
    expect(run([INIT, ADD, UNINIT, END]).allViolations).toEqual(['uninit-without-delete']);
    expect(run([INIT, KFREE, END]).allViolations).toEqual(['free-after-init']);
  });

  it('B12 then kfree: with no release callback the free is the only way out, so only missing-release is reported (model.md §4.3)', () => {
    const r = run([INIT, UNINIT, KFREE, END], false);
    expect(r.allViolations).toEqual(['missing-release']);
  });

  it('B7: a second delete is double-delete', () => {
    expect(run([INIT, ADD, DELETE, DELETE]).last.violations).toEqual(['double-delete']);
  });

  it('B8: delete on a never-added device is delete-unadded', () => {
    expect(run([INIT, DELETE]).last.violations).toEqual(['delete-unadded']);
    expect(run([DELETE]).last.violations).toEqual(['delete-unadded']);
  });

  it('B9: add before init returns -EINVAL and is add-uninitialized', () => {
    const r = run([ADD]);
    expect(r.last.returned).toBe(-22);
    expect(r.last.violations).toEqual(['add-uninitialized']);
    expect(r.final.matches({ live: 'allocated' })).toBe(true);
  });

  it('B10: add on an added device returns -EEXIST and is double-add; the device stays added', () => {
    const r = run([INIT, ADD, ADD]);
    expect(r.last.returned).toBe(-17);
    expect(r.last.violations).toEqual(['double-add']);
    expect(refcount(r.final.context)).toBe(3);
  });

  it('B11: a second uninit, or reading adev->id after the final uninit, is use-after-release', () => {
    expect(run([INIT, UNINIT, UNINIT]).last.violations).toEqual(['use-after-release']);
    expect(run([INIT, ADD, DELETE, UNINIT, RUN, RELEASED, READ]).last.violations).toEqual(['use-after-release']);
    // model.md §4.1, §4.6: dead from the last put, before the release ran as well.
    expect(run([INIT, ADD, DELETE, UNINIT, READ]).last.violations).toEqual(['use-after-release']);
    // model.md §4.1: the device is dead even when its container survives the release.
    expect(run([INIT, UNINIT, GET]).last.violations).toEqual(['use-after-release']);
  });

  it('B2: put or uninit on a device whose init failed is put-uninitialized; get is get-uninitialized', () => {
    const failed: DeviceEvent = { type: 'INIT', parent: false, name: true };
    expect(run([failed, UNINIT]).last.violations).toEqual(['put-uninitialized']);
    expect(run([failed, PUT]).last.violations).toEqual(['put-uninitialized']);
    expect(run([GET]).last.violations).toEqual(['get-uninitialized']);
  });

  it('B12 (§3.6): the final put with no release callback is missing-release alone (model.md §4.3)', () => {
    const r = run([INIT, ADD, DELETE, UNINIT, END], false);
    expect(r.steps[3]!.violations).toEqual(['missing-release']);
    expect(r.steps[3]!.effects).not.toContain('runRelease');
    expect(r.allViolations).toEqual(['missing-release']);
  });

  it('§3.6: the kernel reads dev.release at the final put, so setting it after init is fine', () => {
    const r = run([INIT, { type: 'SET_RELEASE', present: true }, UNINIT, RUN], false);
    expect(r.allViolations).toEqual([]);
    expect(r.last.effects).toContain('runRelease');
  });

  it('B15 / model.md §4.3: a get never put after uninit is a reference-leak, not leak-initialized', () => {
    const r = run([INIT, ADD, GET, DELETE, UNINIT, END]);
    expect(r.allViolations).toEqual(['reference-leak']);
    expect(refcount(r.final.context)).toBe(1);
  });

  it('B17 (§3.1): init on an initialized device is double-init and returns 0 as the kernel does', () => {
    const r = run([INIT, INIT]);
    expect(r.last.violations).toEqual(['double-init']);
    expect(r.last.returned).toBe(0);
    // §1.2: the NULL checks come before device_initialize, so a failing re-init is only an error.
    expect(run([INIT, { type: 'INIT', parent: false, name: true }]).last).toMatchObject({ returned: -22, violations: [] });
  });

  it('§1.8: a failed probe leaves the device added and unbound; remove runs on delete only when bound', () => {
    const failed = run([INIT, ADD, { type: 'PROBE', result: -12 }, DELETE]);
    expect(failed.steps[2]!.state.matches({ live: { refcounted: { added: 'unbound' } } })).toBe(true);
    expect(failed.last.effects).not.toContain('driverRemove');
    const bound = run([INIT, ADD, { type: 'PROBE', result: 0 }, DELETE]);
    expect(bound.steps[2]!.state.hasTag('bound')).toBe(true);
    // §3.5: bus_remove_device takes it off the bus, then releases the driver (remove).
    expect(bound.last.effects).toEqual(['busRemove', 'driverRemove']);
  });

  it('§1.9: a driver unregister unbinds with remove; the device stays added', () => {
    const r = run([INIT, ADD, { type: 'PROBE', result: 0 }, { type: 'UNBIND' }]);
    expect(r.last.effects).toEqual(['driverRemove']);
    expect(r.final.matches({ live: { refcounted: { added: 'unbound' } } })).toBe(true);
  });

  it('B6 then delete of a bound device: remove runs before the release; §3.9: device_del goes on using the device, so the delete is use-after-release (B11)', () => {
    const r = run([INIT, ADD, { type: 'PROBE', result: 0 }, UNINIT, DELETE]);
    expect(r.last.effects).toEqual(['busRemove', 'driverRemove', 'scheduleRelease']);
    expect(r.last.violations).toEqual(['use-after-release']);
    // With no release the WARN of B12 comes first, then the same use.
    expect(run([INIT, ADD, UNINIT, DELETE], false).last.violations).toEqual(['missing-release', 'use-after-release']);
  });

  it('§3.9, B6: after the caller\'s own count is 0, each further put drops one of the bus\'s references (3 → 2 → 1), and the last one runs the release with the device still on the bus', () => {
    const r = run([INIT, ADD, UNINIT, UNINIT, PUT]);
    expect(r.steps.map((s) => refcount(s.state.context))).toEqual([1, 3, 2, 1, 0]);
    expect(r.steps.slice(2).map((s) => s.violations)).toEqual([['uninit-without-delete'], ['uninit-without-delete'], ['uninit-without-delete']]);
    expect(r.steps[3]!.state.hasTag('onBus')).toBe(true);
    expect(r.last.effects).toEqual(['scheduleRelease']);
    expect(r.final.hasTag('releasePending')).toBe(true);
  });

  it('§3.9, B2, B9: a get, put or add before init names saturateKref (refcount_t saturates on a count of 0); a delete, which puts nothing, does not', () => {
    for (const e of [GET, PUT, UNINIT, ADD]) expect(run([e]).last.effects, e.type).toEqual(['saturateKref']);
    expect(run([DELETE]).last.effects).toEqual([]);
    // Nothing is kept: after init the count is the init reference.
    expect(refcount(run([GET, INIT]).final.context)).toBe(1);
  });
});

describe('device machine: xstate/graph coverage', () => {
  const traversal = deviceTraversal({ refBound: 2 });

  it('shortest paths reach every state node (§6)', () => {
    const paths = getShortestPaths(deviceMachine, traversal);
    const visited = statesVisited(paths);
    const missing = allStateNodes(deviceMachine).map((n) => n.id).filter((id) => !visited.has(id));
    expect(missing).toEqual([]);
  });

  // Transition-keyed: the default key drops self-loops (xstate/graph keys a state by its value and context), and most
  // violations are self-loops, so the key names the event and the previous state too.
  const model = createTestModel(deviceMachine, {
    ...traversal,
    serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : ''),
  });
  const paths = model.getShortestPaths();

  // A devm container (devres owns its memory) is an input no event changes: its own paths.
  const devmPaths = createTestModel(deviceMachine, {
    ...deviceTraversal({ refBound: 2, devm: true }),
    serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : ''),
  }).getShortestPaths();

  it('transition-keyed paths from createTestModel take every transition, of a kzalloc()ed and a devm_kzalloc()ed container', () => {
    const taken = new Set([...transitionsTaken(deviceMachine, paths), ...transitionsTaken(deviceMachine, devmPaths)]);
    const missing = allTransitions(deviceMachine).filter((t) => !taken.has(t)).map(transitionId);
    expect(missing).toEqual([]);
    expect(allTransitions(deviceMachine).length).toBeGreaterThan(60);
  });

  const deviceCodes = VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine === 'device');
  const firstPathRaising = new Map<ViolationCode, DeviceEvent[]>();
  for (const path of paths) {
    violationsAlong(deviceMachine, path).forEach((codes, k) => {
      for (const code of codes) {
        if (!firstPathRaising.has(code)) {
          firstPathRaising.set(code, path.steps.slice(1, k + 1).map((s) => s.event));
        }
      }
    });
  }
  it.each(deviceCodes.map((c) => [`${c} (${VIOLATIONS[c].bugClass})`, c] as const))('a generated path reaches %s', (_, code) => {
    const route = firstPathRaising.get(code);
    expect(route, `no generated path raises ${code}`).toBeDefined();
    // Replaying the route alone must raise the code at its last step: the path is a real witness.
    const replay = drive(deviceMachine, route!, { hasRelease: true });
    expect(replay.last.violations).toContain(code);
  });
});
