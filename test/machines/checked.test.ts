/**
 * The checked helpers the package exports (machines/checked.ts) against the unchecked ones the
 * runtime and the explorers call: the same answers on every valid input a world walk meets, and
 * on wrong input anywhere inside an argument a ParameterError before anything happens. The
 * coverage and checker helpers, checked where they are defined, are given the same treatment.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import * as api from '../../src/index.js';
import * as model from '../../machines/index.js';
import type { WorldCall, WorldComponents, WorldEvent, WorldParams, WorldParamsInput, WorldSnapshot } from '../../machines/index.js';
import { rng } from '../check/rng.js';

const HOSTILE: ReadonlyArray<[string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['a Symbol', () => Symbol('hostile')],
  ['a revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
  ['NaN', () => Number.NaN],
  ['-1', () => -1],
  ['2**53', () => 2 ** 53],
  ['a 1 MiB string', () => 'x'.repeat(2 ** 20)],
  ['a wrong-typed object', () => ({ wrong: true })],
];

/** The calls no explored world offers but `stepWorld` runs (WorldExtraCall), for a world's slots and drivers. */
function extraCalls(p: WorldParams): WorldEvent[] {
  const out: WorldEvent[] = [{ type: 'IDA_FREE_NEGATIVE' }, { type: 'IDA_DESTROY' }];
  for (let dev = 0; dev < p.devices; dev++) {
    out.push(
      { type: 'INIT_NULL_NAME', dev }, { type: 'ADD_NULL_MODNAME', dev }, { type: 'WRITE_ID', dev }, { type: 'SET_RELEASE', dev, present: false },
      { type: 'SET_RELEASE', dev, present: true }, { type: 'IDA_ALLOC_EMPTY_RANGE', dev }, { type: 'KZALLOC_DEVM', dev }, { type: 'DEVRES_FREE', dev },
    );
  }
  p.drivers.forEach((_, drv) => {
    out.push({ type: 'DRV_REGISTER_INCOMPLETE', drv, missing: 'probe' }, { type: 'DRV_REGISTER_INCOMPLETE', drv, missing: 'id_table' });
    p.drivers.forEach((__, as) => out.push({ type: 'DRV_REGISTER_AS', drv, as }));
  });
  return out;
}

const WORLDS: WorldParamsInput[] = [
  {},
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], faults: true, refBound: 2 },
  { devices: 3, idaRange: { min: 2, max: 4 }, drivers: [{ probe: 'ok' }], deferredRelease: true, release: { present: true, freesContainer: true, freesId: false } },
  { devices: 2, drivers: [{ probe: 'ok' }], release: { present: true, freesContainer: false, freesId: true, calls: 'put_device' } },
];

/** The argument as data: to compare results, and to tell whether a refused call changed an argument. */
const data = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'function' ? 'a function' : x));

describe('the checked world helpers give what the unchecked ones give', () => {
  for (const [w, input] of WORLDS.entries()) {
    it(`on random walks of world ${w} (${data(input)}): stepWorld, worldEvents, slotEvents, sharedEvents, worldEventAlphabet, serializeWorld, initialWorldState`, () => {
      const world = api.createWorld(input);
      const p = world.params;
      const k = api.XSTATE_COMPONENTS;
      const r = rng(7 + w);
      expect(data(api.initialWorldState(k, p))).toBe(data(model.initialWorldState(k, p)));
      for (let walk = 0; walk < 25; walk++) {
        let s: WorldSnapshot = world.getInitialSnapshot(undefined as never, undefined);
        for (let step = 0; step < 30 && !s.context.ended; step++) {
          const events = api.worldEvents(k, p, s.context);
          expect(data(events)).toBe(data(model.worldEvents(k, p, s.context)));
          expect(data(api.worldEventAlphabet(p, s))).toBe(data(events));
          const slots: WorldEvent[] = [];
          s.context.devices.forEach((d, dev) => api.slotEvents(k, p, d, s.context.ids[dev]!, dev, slots));
          expect(data(api.sharedEvents(k, p, s.context, slots))).toBe(data(events));
          expect(api.serializeWorld(s)).toBe(model.serializeWorld(s));
          // Now and then a call no world offers, so that every event type goes through the check.
          const pool = r() < 0.2 ? extraCalls(p) : events;
          const e = pool[Math.floor(r() * pool.length)]!;
          const calls: WorldCall[] = [];
          const mine: WorldCall[] = [];
          const checked = api.stepWorld(k, p, s.context, e, calls);
          const unchecked = model.stepWorld(k, p, s.context, e, mine);
          expect(data(checked)).toBe(data(unchecked));
          expect(calls).toEqual(mine);
          s = { ...s, context: checked.state, findings: checked.findings, returned: checked.returned };
        }
      }
    });
  }

  it('with components of its own (states that are not XState snapshots), the world state is checked for its structure only', () => {
    // Each component state boxed: what the step gets is the interpreter's, not a snapshot.
    const x = api.XSTATE_COMPONENTS;
    type Box<T> = { box: T };
    const boxed = <T, E, A>(step: (s: T, e: E) => readonly [T, A]) => (s: Box<T>, e: E) => {
      const [next, actions] = step(s.box, e);
      return [{ box: next }, actions] as const;
    };
    const k: WorldComponents<Box<model.DeviceSnapshot>, Box<model.IdaModelState>, Box<model.DriverSnapshot>> = {
      device: { initial: (r, devm) => ({ box: x.device.initial(r, devm) }), step: boxed(x.device.step), hasTag: (s, t) => x.device.hasTag(s.box, t), flagged: (s) => x.device.flagged(s.box), refs: (s) => x.device.refs(s.box), devm: (s) => x.device.devm(s.box) },
      ida: { initial: (c) => ({ box: x.ida.initial(c) }), step: boxed(x.ida.step), set: (s) => x.ida.set(s.box) },
      driver: { initial: () => ({ box: x.driver.initial() }), step: boxed(x.driver.step), registered: (s) => x.driver.registered(s.box) },
    };
    const p = api.resolveWorldParams({ devices: 2, drivers: [{ probe: 'ok' }] });
    let s = api.initialWorldState(k, p);
    for (const e of [{ type: 'KZALLOC', dev: 0, fail: false }, { type: 'IDA_ALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true }, { type: 'ADD', dev: 0, fault: 'none' }] as WorldEvent[]) {
      s = api.stepWorld(k, p, s, e).state;
    }
    expect(s.onBus).toEqual([true, false]);
    expect(api.worldEvents(k, p, s).length).toBe(model.worldEvents(k, p, s).length);
    // A slot state must still be there: undefined is not null.
    expect(() => api.stepWorld(k, p, { ...s, devices: [s.devices[0]!, undefined as never] }, { type: 'END' })).toThrow(/stepWorld\(prev\)\.devices\[1\]: got undefined/);
  });

  it('deviceOwner, idField and refcount as the unchecked ones', () => {
    for (let i = 0; i < 6; i++) expect(api.deviceOwner(i)).toBe(model.deviceOwner(i));
    expect(api.idField([-1, 3, 0], 0)).toBe(0);
    expect(api.idField([-1, 3, 0], 1)).toBe(3);
    const ctx = { refs: 1, busRefs: 2, put: false, hasRelease: true, flagged: false, devm: false };
    expect(api.refcount(ctx)).toBe(3);
  });
});

describe('the checked IDA helpers give what the unchecked ones give', () => {
  it('stepIda under xstateIda (checked or not), idaEvent and the per-type events with and without buffers, lowestFree, leakedIds, the set effects, allocNeedsMemory, idaIsEmpty, serializeIdaModel, allocReturn, leakReport', () => {
    const r = rng(11);
    const calls = model.idaCallAlphabet(4, 3);
    const buffers = api.idaEventBuffers();
    for (let walk = 0; walk < 40; walk++) {
      let c = api.initialIdaComponent(4);
      for (let step = 0; step < 20; step++) {
        const call = calls[Math.floor(r() * calls.length)]!;
        const set = c.set;
        if (call.type === 'ALLOC') {
          expect(api.idaAllocEvent(set, call)).toEqual(model.idaAllocEvent(set, call));
          expect(api.idaAllocEvent(set, call, buffers.ALLOC)).toEqual(model.idaAllocEvent(set, call));
          const lowest = model.lowestFree(set, call.min, call.max);
          expect(api.allocNeedsMemory(set, lowest)).toBe(model.allocNeedsMemory(set, lowest));
        } else if (call.type === 'FREE') {
          expect(api.idaFreeEvent(set, call, buffers.FREE)).toEqual(model.idaFreeEvent(set, call));
        } else if (call.type === 'CLAIM') {
          expect(api.idaClaimEvent(set, call, buffers.CLAIM)).toEqual(model.idaClaimEvent(set, call));
        }
        const event = model.idaEvent(set, call);
        expect(api.idaEvent(set, call)).toEqual(event);
        expect(api.idaEvent(set, call, buffers)).toEqual(event);
        if (call.type === 'ALLOC') expect(api.lowestFree(set, call.min, call.max)).toBe(model.lowestFree(set, call.min, call.max));
        if (call.type === 'END') expect(api.leakedIds(set, call.excused)).toEqual(model.leakedIds(set, call.excused));
        expect(api.allocReturn({ context: {}, event })).toEqual(model.allocReturn({ context: {}, event }));
        expect(api.leakReport({ context: {}, event })).toEqual(model.leakReport({ context: {}, event }));
        const a = api.stepIda(api.xstateIda, c, call);
        const b = model.stepIda(model.xstateIda, c, call);
        // Effects as type and params: XState's action objects also name the actor that ran them.
        const named = (effects: readonly model.IdaEffect[]) => effects.map((x) => [x.type, x.params]);
        expect(data([a.state.machine.value, a.state.set, a.event, named(a.effects)])).toBe(data([b.state.machine.value, b.state.set, b.event, named(b.effects)]));
        const [m1, e1] = api.xstateIda(c.machine, event);
        const [m2, e2] = model.xstateIda(c.machine, event);
        expect(data([m1.value, named(e1)])).toBe(data([m2.value, named(e2)]));
        for (const effect of b.effects) expect(api.applyIdaEffect(set, effect.type, event)).toEqual(model.applyIdaEffect(set, effect.type, event));
        expect(api.idaIsEmpty(b.state.set)).toBe(model.idaIsEmpty(b.state.set));
        const snapshot = { status: 'active' as const, output: undefined, error: undefined, context: b.state };
        expect(api.serializeIdaModel(snapshot)).toBe(model.serializeIdaModel(snapshot));
        c = b.state;
      }
    }
  });

  it('an interpreter of its own is called with the machine state as it is (only xstateIda needs a snapshot)', () => {
    const seen: unknown[] = [];
    const own: model.IdaInterpreter<number> = (state, event) => {
      seen.push([state, event.type]);
      return [state + 1, []];
    };
    const r = api.stepIda(own, { machine: 0, set: api.SortedIdSet.empty(2) }, { type: 'DESTROY' });
    expect(r.state.machine).toBe(1);
    expect(seen).toEqual([[0, 'DESTROY']]);
    expect(() => api.stepIda(api.xstateIda, { machine: 0 as never, set: api.SortedIdSet.empty(2) }, { type: 'DESTROY' })).toThrow(/stepIda\(from\)\.machine: got 0, expected a snapshot of the IDA machine/);
  });
});

/**
 * Every place inside `value` (own fields of plain objects and arrays, not snapshots or class
 * instances: they are checked whole), with a way to put another value there.
 */
function places(value: unknown, at = ''): Array<{ at: string; put: (root: unknown, v: unknown) => unknown }> {
  if (typeof value !== 'object' || value === null) return [];
  const proto = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== Array.prototype) || 'machine' in value) return [];
  const out: Array<{ at: string; put: (root: unknown, v: unknown) => unknown }> = [];
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    const path = `${at}.${key}`;
    out.push({ at: path, put: (root, v) => setAt(root, path, v) });
    out.push(...places(child, path));
  }
  return out;
}

/** A copy of `root` (plain objects and arrays along the path copied) with `v` at `path`. */
function setAt(root: unknown, path: string, v: unknown): unknown {
  const [, key, ...rest] = path.split('.');
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string, unknown>;
  copy[key!] = rest.length === 0 ? v : setAt(copy[key!], `.${rest.join('.')}`, v);
  return copy;
}

/** A path of the device machine as xstate/graph gives it: init, then INIT and DELETE. */
function devicePath() {
  let [state] = initialTransition(api.deviceMachine, { hasRelease: true });
  const steps = [{ state, event: { type: 'xstate.init' } as { type: string } }];
  for (const event of [{ type: 'INIT', parent: true, name: true }, { type: 'DELETE' }] as model.DeviceEvent[]) {
    [state] = transition(api.deviceMachine, state, event);
    steps.push({ state, event });
  }
  return { steps, state };
}

/** A finding as `auxbus check` reports it, every optional part present. */
const finding = () => ({
  code: 'double-free' as const, function: 'foo_probe', at: { file: 'foo.c', line: 9, column: 2, displayColumn: 9 }, message: 'kfree(p) at line 9',
  failing: { file: 'foo.c', line: 4, column: 6, call: 'kzalloc' }, steps: [{ file: 'foo.c', line: 5, column: 1, text: 'step' }], functionLines: { start: 1, end: 12 },
});

/** Valid arguments of each checked helper whose arguments have structure inside. */
function validArgs(): Record<string, unknown[]> {
  const p = api.resolveWorldParams({ devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }] });
  const k = api.XSTATE_COMPONENTS;
  const world = api.createWorld(p);
  let s = world.getInitialSnapshot(undefined as never, undefined);
  for (const e of [{ type: 'KZALLOC', dev: 0, fail: false }, { type: 'IDA_ALLOC', dev: 0, fail: false }] as WorldEvent[]) s = world.transition(s, e, undefined as never);
  const ida = api.initialIdaComponent(4);
  return {
    stepWorld: [k, p, s.context, { type: 'INIT', dev: 0, ok: true }, []],
    worldEvents: [k, p, s.context],
    sharedEvents: [k, p, s.context, []],
    slotEvents: [k, p, s.context.devices[0], s.context.ids[0], 0, []],
    initialWorldState: [k, p],
    worldEventAlphabet: [p, s],
    serializeWorld: [s],
    stepIda: [api.xstateIda, ida, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }],
    idaAllocEvent: [ida.set, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }, api.idaEventBuffers().ALLOC],
    idaFreeEvent: [ida.set, { type: 'FREE', id: 0, owner: 0 }, api.idaEventBuffers().FREE],
    idaClaimEvent: [ida.set, { type: 'CLAIM', id: 0, owner: 0 }, api.idaEventBuffers().CLAIM],
    idaEvent: [ida.set, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }, api.idaEventBuffers()],
    leakedIds: [ida.set, [1, 2]],
    applyIdaEffect: [ida.set, 'markAllocated', { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 }],
    xstateIda: [ida.machine, { type: 'FREE', id: 0, owner: 0, holder: -1, last: false }],
    allocReturn: [{ context: {}, event: { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 2 } }],
    leakReport: [{ context: {}, event: { type: 'END', leaked: [3] } }],
    refcount: [{ refs: 1, busRefs: 2, put: false, hasRelease: true, flagged: false, devm: false }],
    idField: [[-1, 1], 1],
    serializeIdaModel: [{ status: 'active', output: undefined, error: undefined, context: ida }],
    transitionsTaken: [api.deviceMachine, [devicePath()]],
    statesVisited: [[devicePath()]],
    violationsAlong: [api.deviceMachine, devicePath()],
    fingerprint: [finding()],
    toBaseline: [[finding()]],
    applyBaseline: [[finding()], api.toBaseline([finding()])],
    touches: [finding(), new Set([3])],
  };
}

describe('a hostile value anywhere inside an argument: a ParameterError, and the arguments as they were', () => {
  for (const [name, args] of Object.entries(validArgs())) {
    it(`${name}: every field of every argument`, () => {
      const fn = (api as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
      expect(() => fn(...args)).not.toThrow();
      const untyped: string[] = [];
      let refused = 0;
      args.forEach((arg, i) => {
        for (const place of places(arg)) {
          for (const [label, make] of HOSTILE) {
            const fresh = validArgs()[name]!;
            const before = fresh.map(data);
            fresh[i] = place.put(fresh[i], make());
            try {
              fn(...fresh);
            } catch (e) {
              if (!(e instanceof api.ParameterError)) untyped.push(`argument ${i}${place.at} = ${label}: ${String(e)}`);
              refused++;
              // Nothing the caller passed was written to (buffers, out arrays): all but the changed argument are as they were.
              fresh.forEach((a, j) => j !== i && expect(data(a), `${name}: argument ${j} after refusing argument ${i}${place.at} = ${label}`).toBe(before[j]));
            }
          }
        }
      });
      expect(untyped).toEqual([]);
      if (args.some((a) => places(a).length > 0)) expect(refused).toBeGreaterThan(0);
    });
  }
});

describe('what the checks say', () => {
  const p = api.resolveWorldParams({ devices: 2, drivers: [{ probe: 'ok' }] });
  const k = api.XSTATE_COMPONENTS;
  const s = api.initialWorldState(k, p);

  it('names the argument, the field, what it got and what it expected', () => {
    expect(() => api.stepWorld(k, p, s, { type: 'PUT', dev: 2 })).toThrow('stepWorld(event).dev: got 2, expected an integer from 0 to 1 (a device slot of the world)');
    expect(() => api.stepWorld(k, p, s, { type: 'DRV_REGISTER', drv: 0, fault: 'oom' } as never)).toThrow('stepWorld(event).fault: got "oom", expected one of "none", "register-nomem", "bind-nomem", "name-nomem"');
    expect(() => api.stepWorld(k, p, s, { type: 'FLY' } as never)).toThrow(/stepWorld\(event\)\.type: got "FLY", expected a world event type \(KZALLOC, IDA_ALLOC/);
    expect(() => api.stepWorld(k, { ...p, release: undefined } as never, s, { type: 'END' })).toThrow('stepWorld(params).release: got undefined, expected a value: resolved world params');
    expect(() => api.stepWorld(k, { ...p, devices: 3 }, s, { type: 'END' })).toThrow('stepWorld(prev).devices: got an array of 2, expected an array of 3 (one per device slot: params.devices)');
    expect(() => api.stepWorld(k, p, { ...s, ids: [0, 7] }, { type: 'END' })).toThrow('stepWorld(prev).ids[1]: got 7, expected an integer from -1 to 0 (the id the slot holds, -1 for none)');
    expect(() => api.worldEvents(k, p, { ...s, devices: [s.drivers[0], null] } as never)).toThrow('worldEvents(c).devices[0]: got an object, expected null (no container) or a snapshot of the device machine');
    expect(() => api.stepWorld(k, p, s, { type: 'END' }, Object.freeze([]) as never)).toThrow('stepWorld(calls): got an array of 0, expected an array the results are pushed onto (not frozen or sealed)');
    expect(() => api.stepIda(api.xstateIda, api.initialIdaComponent(4), { type: 'FREE', id: 1.5, owner: 0 })).toThrow('stepIda(call).id: got 1.5, expected an integer');
    expect(() => api.idaAllocEvent(api.SortedIdSet.empty(4), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }, Object.freeze(api.idaEventBuffers().ALLOC))).toThrow(/idaAllocEvent\(into\)\.lowest: got -1, expected undefined or a writable ALLOC event buffer/);
    expect(() => api.transitionsTaken(api.deviceMachine, [{ steps: [{ state: api.initialIdaComponent(2).machine, event: { type: 'x' } }] }] as never)).toThrow('transitionsTaken(paths)[0].steps[0].state: got an object, expected a snapshot of the machine');
    expect(() => api.diagnosticId('double-dlete' as never)).toThrow('diagnosticId(code): got "double-dlete", expected a violation code');
  });

  it('touches walks the smaller side: a function of 2^40 lines against one changed line answers at once', () => {
    const f = { code: 'double-free' as const, function: 'f', at: { file: 'a.c', line: 1, column: 1 }, message: 'm', functionLines: { start: 0, end: 2 ** 40 } };
    expect(api.touches(f, new Set([2 ** 39]))).toBe(true);
    expect(api.touches(f, new Set([2 ** 41]))).toBe(false);
    expect(api.touches({ ...f, functionLines: { start: 10, end: 12 } }, new Set([11, 2 ** 41]))).toBe(true);
  });
});
