import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { CODE_OWNER, deviceMachine, driverMachine, idaMachine, ParameterError, type DeviceEvent, type IdaEvent } from '../../machines/index.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, type GeneratedPath } from '../../src/paths/coverage.js';
import { deviceTraversal, driverTraversal, idaMachinePath, idaTestModel } from '../../src/paths/traversal.js';
import { Kernel, type AuxDevice, type ParentDevice } from '../../src/index.js';

/**
 * Asserts and reports the coverage of what was replayed on the runtime: every state and every
 * transition of the machine (100% each).
 */
function assertFullCoverage(name: string, machine: AnyStateMachine, paths: ReadonlyArray<GeneratedPath<unknown, unknown>>, taken: ReadonlySet<string>): void {
  const states = allStateNodes(machine).map((n) => n.id);
  const visited = statesVisited(paths as never);
  const transitions = allTransitions(machine).map(transitionId);
  const covered = { states: states.filter((id) => visited.has(id)).length, transitions: transitions.filter((t) => taken.has(t)).length };
  console.info(`conformance ${name}: ${paths.length} paths replayed; states ${covered.states}/${states.length}, transitions ${covered.transitions}/${transitions.length}`);
  expect(states.filter((id) => !visited.has(id))).toEqual([]);
  expect(transitions.filter((t) => !taken.has(t))).toEqual([]);
}

type Snap = ReturnType<typeof initialTransition<typeof deviceMachine>>[0];

/**
 * Model-based conformance: every transition-keyed path the device machine generates is replayed
 * on the runtime through its public API (the bus-side events PROBE, UNBIND come from the bus in
 * real use and are delivered directly), and after every step what the runtime shows — the value
 * returned, the violations reported, the refcount, bus membership, release calls — must be what
 * XState's own `transition()` says.
 */
class Replay {
  // Deferred timing: the path's RUN_RELEASE is the kernel's delayed cleanup (model.md §4.6).
  readonly k = new Kernel({ mode: 'audit', release: 'deferred' });
  readonly parent: ParentDevice;
  readonly adev: AuxDevice;
  model: Snap;
  releases = 0;
  /**
   * Bus membership as the model's effects state it (busAdd / busRemove). After a kfree of an added
   * device (B1) the bus keeps its dangling entry, as sysfs and the klists do in the kernel (§3.7).
   */
  onBus = false;
  private reported = 0;
  private endCodes: string[] = [];
  private queue: DeviceEvent[] = [];
  /** Violations of a RELEASED the release callback's return made, for the step that ran it. */
  private releasedCodes: string[] = [];
  private hook = (_d: AuxDevice) => this.duringRelease();

  constructor(hasRelease: boolean, devm = false) {
    this.parent = this.k.parentDevice('pci0');
    // A device already on the bus as taken.foo.0: an ADD with nameTaken uses modname 'taken'.
    const blocker = this.k.auxiliaryDeviceCreate(this.parent, 'taken', 'foo', undefined, 0);
    if (!blocker) throw new Error('setup');
    this.adev = (devm ? this.k.devmKzallocDevice(this.parent, 'replayed') : this.k.kzallocDevice('replayed'))!;
    this.adev.fill({ name: 'foo', parent: this.parent });
    if (hasRelease) this.adev.release = this.hook;
    [this.model] = initialTransition(deviceMachine, { hasRelease, devm });
  }

  run(events: DeviceEvent[]): number {
    this.queue = [...events];
    let checked = 0;
    while (this.queue.length > 0) checked += this.next();
    return checked;
  }

  /** Applies one event on both sides and compares; returns 1. */
  private next(): number {
    const event = this.queue.shift()!;
    const [next, actions] = transition(deviceMachine, this.model, event);
    // END is the end check, which the runtime computes without changing the device (`report()` may
    // be asked again): the model's END only reports, so its state is kept as it was.
    if (event.type !== 'END') this.model = next;
    const acts = actions as Array<{ type: string; params?: { value?: number; code?: string } }>;
    const expected = {
      returned: acts.find((a) => a.type === 'returns')?.params?.value,
      violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code),
    };
    if (acts.some((a) => a.type === 'runRelease')) this.releases++;
    if (acts.some((a) => a.type === 'busAdd')) this.onBus = true;
    if (acts.some((a) => a.type === 'busRemove')) this.onBus = false;
    const returned = this.apply(event);
    // The runtime's release callback returning is the model's RELEASED.
    if (acts.some((a) => a.type === 'runRelease') && this.inRelease()) this.released();
    expected.violations.push(...this.releasedCodes.splice(0));
    const found = this.k.violations.slice(this.reported).map((f) => f.code);
    this.reported += found.length;
    const label = `${JSON.stringify(event)} in ${JSON.stringify(this.model.value)}`;
    // END is the end check: the runtime's report computes it without changing the device.
    expect(event.type === 'END' ? this.endCodes : found, label).toEqual(expected.violations);
    // Where the model names no return (a call on released memory), init and add return 0.
    const valued = event.type === 'INIT' || event.type === 'ADD';
    expect(returned, label).toBe(expected.returned ?? (valued ? 0 : undefined));
    this.compareState(label);
    return 1;
  }

  private compareState(label: string) {
    const c = this.model.context;
    expect(this.adev.refcount, label).toBe(c.refs + c.busRefs);
    expect(this.k.bus.hasDevice('mymod.foo.0'), label).toBe(this.onBus);
    expect(this.adev.releaseCalls, label).toBe(this.releases);
    expect(this.adev.hasTag('dead'), label).toBe(this.model.hasTag('dead'));
    expect(this.adev.hasTag('bound'), label).toBe(this.model.hasTag('bound'));
  }

  /** Whether the model says a release callback is running (on live or on already freed memory). */
  private inRelease(): boolean {
    return this.model.matches({ live: 'releasing' }) || this.model.matches({ dead: 'lateRelease' });
  }

  /** The model's RELEASED: its findings belong to the step whose call ran the release. */
  private released() {
    const [next, actions] = transition(deviceMachine, this.model, { type: 'RELEASED' });
    this.model = next;
    this.releasedCodes.push(...expectedOf(actions).violations.map(String));
  }

  /** Runs the path's events that happen while the release callback runs, inside it. */
  private duringRelease() {
    while (this.queue.length > 0 && this.inRelease() && this.queue[0]!.type !== 'RELEASED') this.next();
    if (this.queue[0]?.type === 'RELEASED') {
      this.queue.shift();
      this.released();
    }
  }

  private apply(e: DeviceEvent): number | undefined {
    const { adev, k } = this;
    switch (e.type) {
      case 'INIT': {
        adev.fill({ parent: e.parent ? this.parent : null, name: e.name ? 'foo' : null });
        const r = adev.init();
        adev.fill({ parent: this.parent, name: 'foo' });
        return r;
      }
      case 'ADD': {
        const site = e.fault === 'name-nomem' ? 'dev_set_name' : e.fault === 'device-add-nomem' ? 'device_add' : undefined;
        if (site) k.faults.failSite(site);
        const r = adev.add(e.modname ? (e.nameTaken ? 'taken' : 'mymod') : null);
        if (site) k.faults.failSite(site, 0);
        return r;
      }
      case 'DELETE': return void adev.delete();
      case 'UNINIT': return void adev.uninit();
      case 'GET': return void adev.get();
      case 'PUT': return void adev.put();
      case 'KFREE': return void k.kfree(adev);
      case 'DEVRES_FREE': return void adev.devresFree();
      case 'RUN_RELEASE': return void k.runPendingReleases();
      case 'READ': return void adev.id;
      case 'WRITE': return void adev.setField('priv', 1);
      case 'SET_RELEASE': return void (adev.release = e.present ? this.hook : null);
      case 'END':
        this.endCodes = adev.endFindings({ type: 'END' }).map((v) => v.code);
        return undefined;
      default:
        return adev.send(e);
    }
  }
}

describe('runtime conforms to the device machine (model-based, createTestModel paths)', () => {
  for (const hasRelease of [true, false]) {
    const what = `release callback ${hasRelease ? 'set' : 'missing'}`;
    it(`every transition-keyed path replays with identical observations (${what}; kzalloc()ed and devm_kzalloc()ed containers)`, () => {
      let steps = 0;
      const taken = new Set<string>();
      const all: Array<Parameters<typeof assertFullCoverage>[2][number]> = [];
      // A devm container (devres owns its memory) is an input no event changes: its own paths.
      for (const devm of [false, true]) {
        const traversal = deviceTraversal({ refBound: 2, hasRelease, devm });
        const paths = createTestModel(deviceMachine, {
          ...traversal,
          serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : ''),
        }).getShortestPaths();
        for (const path of paths) {
          const events = path.steps.slice(1).map((s) => s.event);
          steps += new Replay(hasRelease, devm).run(events);
          let snap = initialTransition(deviceMachine, { hasRelease, devm })[0];
          for (const e of events) {
            for (const t of deviceMachine.getTransitionData(snap, e)) taken.add(transitionId(t));
            snap = transition(deviceMachine, snap, e)[0];
          }
        }
        all.push(...paths);
      }
      expect(steps).toBeGreaterThan(1000);
      // Coverage of what was replayed: every state and every transition of the machine (100%).
      assertFullCoverage(`device (${what})`, deviceMachine, all, taken);
    });
  }
});

const keyed = (_s: unknown, event: unknown, prev: { value?: unknown; context?: unknown } | undefined) =>
  (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : '');

/** The violation codes and return value XState's transition names for one step. */
function expectedOf(actions: unknown[]) {
  const acts = actions as Array<{ type: string; params?: { value?: number; code?: string } }>;
  return {
    returned: acts.find((a) => a.type === 'returns')?.params?.value,
    violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code),
  };
}

describe('runtime conforms to the IDA machine', () => {
  it('every transition-keyed path of the IDA model replays on the runtime with identical returns, violations, allocated ids and owners', () => {
    // Paths are generated over the IDA machine with its model id set (calls in); XState's own
    // transition says what each call's machine event does. The runtime gets the calls through its
    // public API and computes the facts from its own bitmap: the same facts, or the run fails.
    const paths = idaTestModel({ capacity: 3, owners: 2 }).getShortestPaths();
    const machinePaths = paths.map(idaMachinePath);
    const taken = new Set<string>();
    let steps = 0;
    paths.forEach((path, p) => {
      const k = new Kernel();
      const ida = k.idaInit('replayed');
      // Owner 1 is a device whose id field the id is set on (model.md §4.4); owner 0 is the code.
      const holder = k.kzallocDevice('holder')!;
      const tokenOf = (owner: number) => (owner === 0 ? CODE_OWNER : holder.handle);
      let reported = 0;
      path.steps.slice(1).forEach(({ event: call, state: after }, n) => {
        const before = machinePaths[p]!.steps[n]!.state;
        const event = machinePaths[p]!.steps[n + 1]!.event as IdaEvent;
        for (const t of idaMachine.getTransitionData(before, event)) taken.add(transitionId(t));
        const [next, actions] = transition(idaMachine, before, event);
        expect(next.value).toEqual(after.context.machine.value);
        const expected = expectedOf(actions);
        let returned: number | undefined;
        let endCodes: string[] | undefined;
        switch (call.type) {
          case 'ALLOC': {
            if (call.fault) k.faults.failSite('ida_alloc');
            // The model's capacity is 3: the runtime's id space is the kernel's, so clamp max to 2.
            returned = ida.alloc({ min: call.min, max: Math.min(call.max, 2) });
            k.faults.failSite('ida_alloc', 0);
            if (returned >= 0 && call.owner === 1) holder.id = returned;
            break;
          }
          case 'FREE':
            // A negative id too: the runtime, like the machine and lib/idr.c, returns silently (§4).
            ida.free(call.id, call.owner === 0 ? 'code' : holder);
            break;
          case 'CLAIM':
            if (call.owner === 1) holder.id = call.id;
            break;
          case 'DESTROY':
            ida.destroy();
            break;
          case 'END':
            endCodes = ida.endCheck(call.excused.map(tokenOf)).map((v) => v.code);
            break;
        }
        const found = k.report().violations.slice(reported).map((f) => f.code);
        reported += found.length;
        const model = after.context;
        const label = `${JSON.stringify(call)} → ${JSON.stringify(event)} → ${JSON.stringify(model.set)}`;
        expect(endCodes ?? found, label).toEqual(expected.violations);
        expect(returned, label).toBe(expected.returned);
        expect(ida.allocated, label).toEqual(model.set.ids);
        for (const id of model.set.ids) expect(ida.ownerOf(id), label).toBe(tokenOf(model.set.ownerOf(id)));
        expect(ida.isEmpty(), label).toBe(model.machine.matches('empty'));
        steps++;
      });
    });
    expect(steps).toBeGreaterThan(100);
    assertFullCoverage('ida', idaMachine, machinePaths as never, taken);
  });
});

describe('runtime conforms to the driver machine', () => {
  it('every transition-keyed path replays with identical returns, violations and registration', () => {
    const paths = createTestModel(driverMachine, { ...driverTraversal(), serializeTransition: keyed as never }).getShortestPaths();
    const taken = new Set<string>();
    let steps = 0;
    for (const path of paths) {
      const k = new Kernel();
      // A driver already registered as "taken": a REGISTER with nameTaken uses modname 'taken'.
      expect(k.auxiliaryDriver({ idTable: [{ name: 'x.y' }], probe: () => 0 }).register('taken')).toBe(0);
      const drv = k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
      let [model] = initialTransition(driverMachine);
      let reported = 0;
      let modname = 'mydrv';
      for (const { event } of path.steps.slice(1)) {
        for (const t of driverMachine.getTransitionData(model, event)) taken.add(transitionId(t));
        const [next, actions] = transition(driverMachine, model, event);
        const expected = expectedOf(actions);
        let returned: number | undefined;
        if (event.type === 'REGISTER') {
          drv.fill({ probe: event.probe ? () => 0 : null, idTable: event.idTable ? [{ name: 'mymod.foo' }] : null });
          const site = event.fault === 'name-nomem' ? 'driver_name' : event.fault === 'register-nomem' ? 'driver_register' : undefined;
          if (site) k.faults.failSite(site);
          if (!model.hasTag('registered')) modname = event.nameTaken ? 'taken' : 'mydrv';
          returned = drv.register(modname);
          if (site) k.faults.failSite(site, 0);
        } else {
          drv.unregister();
        }
        model = next;
        const found = k.report().violations.slice(reported).map((f) => f.code);
        reported += found.length;
        const label = `${JSON.stringify(event)} → ${JSON.stringify(model.value)}`;
        expect(found, label).toEqual(expected.violations);
        expect(returned, label).toBe(expected.returned);
        expect(k.bus.driverNames().includes('mydrv'), label).toBe(model.hasTag('registered'));
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(10);
    assertFullCoverage('driver', driverMachine, paths, taken);
  });
});
