import { ParameterError, requireBool, requireInt, requireObject } from '../common/errors.js';
import { requireArray, requireMethods, requireOneOf, requireOutArray } from '../common/checks.js';
import { deviceMachine } from '../device/device.machine.js';
import { driverMachine } from '../driver/driver.machine.js';
import { requireIdaModelState } from '../ida/ida.checked.js';
import {
  sharedEvents as sharedEventsUnchecked, slotEvents as slotEventsUnchecked, worldEvents as worldEventsUnchecked,
} from './world.events.js';
import { serializeWorld as serializeWorldUnchecked, worldEventAlphabet as worldEventAlphabetUnchecked, XSTATE_COMPONENTS } from './world.logic.js';
import { resolveWorldParams, WORLD_LIMITS } from './world.params.js';
import {
  deviceOwner as deviceOwnerUnchecked, idField as idFieldUnchecked, initialWorldState as initialWorldStateUnchecked, stepWorld as stepWorldUnchecked,
  type WorldCall, type WorldComponents, type WorldState, type WorldStepResult,
} from './world.step.js';
import type { WorldEvent, WorldParams, WorldSnapshot } from './world.types.js';

/**
 * The world's step and event helpers as the package exports them: each checks its arguments,
 * then calls the one in `world.step.ts` / `world.events.ts` / `world.logic.ts`. Those stay
 * unchecked because the explorers call them millions of times with states they built; only
 * `src/index.ts` imports this module (test/index.test.ts checks that no other module does).
 *
 * A world state is checked for its structure: the arrays and their lengths against the params,
 * ids, flags and driver numbers in range. The component states in it are the interpreter's
 * own (the fast explorer's are numbers): they are checked only for XState's interpreter
 * (`XSTATE_COMPONENTS`), as snapshots of the right machine.
 */

const INT_MAX = 2 ** 31 - 1;
const PARAMS = 'resolved world params (createWorld(...).params or resolveWorldParams(...))';

/** The parts of `WorldComponents` and the functions each must have. */
const PARTS = {
  device: ['initial', 'step', 'hasTag', 'flagged', 'refs'],
  ida: ['initial', 'step', 'set'],
  driver: ['initial', 'step', 'registered'],
} as const;
type Part = keyof typeof PARTS;

/** Checks the parts of a `WorldComponents` a function uses. */
function requireComponents(parameter: string, k: unknown, parts: readonly Part[]): void {
  const o = requireObject(parameter, k, 'world components { device, ida, driver } (e.g. XSTATE_COMPONENTS)') as Record<string, unknown>;
  for (const p of parts) requireMethods(`${parameter}.${p}`, o[p], PARTS[p], `the ${p} interpreter of world components`);
}

/**
 * Checks complete world params: every field present (the step reads each one; a missing one is
 * not given its default here, unlike `resolveWorldParams`'s input), each in its domain.
 */
function requireParams(parameter: string, params: unknown): WorldParams {
  const p = requireObject(parameter, params, PARAMS) as Record<string, unknown>;
  // null too: resolveWorldParams takes it as "the default" (??), the step would read it.
  for (const key of ['devices', 'idaRange', 'drivers', 'refBound', 'release', 'faults', 'deferredRelease']) {
    if (p[key] == null) throw new ParameterError(`${parameter}.${key}`, p[key], `a value: ${PARAMS} have every field`);
  }
  const range = requireObject(`${parameter}.idaRange`, p.idaRange, 'an object { min, max }') as Record<string, unknown>;
  for (const key of ['min', 'max']) if (range[key] == null) throw new ParameterError(`${parameter}.idaRange.${key}`, range[key], 'an integer');
  const release = requireObject(`${parameter}.release`, p.release, 'an object { present, freesContainer, freesId }') as Record<string, unknown>;
  for (const key of ['present', 'freesContainer', 'freesId']) if (release[key] == null) throw new ParameterError(`${parameter}.release.${key}`, release[key], 'true or false');
  // The domains: the same rules as createWorld's, in one place.
  resolveWorldParams(params as WorldParams);
  return params as WorldParams;
}

/** Checks the device snapshot in a slot: null, or a snapshot of the device machine. */
function requireDeviceSnapshot(parameter: string, d: unknown): void {
  const expected = 'null (no container) or a snapshot of the device machine';
  if (d === null) return;
  if ((requireObject(parameter, d, expected) as { machine?: unknown }).machine !== deviceMachine) throw new ParameterError(parameter, d, expected);
}

/**
 * Checks a world state's structure against `params` (or, without them, its arrays against each
 * other); for XState's components, every component state as a snapshot of its machine.
 */
function requireState(parameter: string, state: unknown, params: WorldParams | undefined, xstate: boolean): void {
  const s = requireObject(parameter, state, 'a world state { devices, ids, onBus, boundTo, driverOrder, ida, drivers, ended }') as Record<string, unknown>;
  const devices = requireArray(`${parameter}.devices`, s.devices, 'an array: the state of each device slot, null when empty');
  const n = params?.devices ?? devices.length;
  const drivers = requireArray(`${parameter}.drivers`, s.drivers, 'an array: the state of each driver');
  const m = params?.drivers.length ?? drivers.length;
  const perSlot = (key: string): unknown[] => {
    const a = requireArray(`${parameter}.${key}`, s[key], `an array of ${n} (one per device slot)`);
    if (a.length !== n) throw new ParameterError(`${parameter}.${key}`, a, `an array of ${n} (one per device slot${params ? ': params.devices' : ''})`);
    return a;
  };
  perSlot('devices');
  if (drivers.length !== m) throw new ParameterError(`${parameter}.drivers`, drivers, `an array of ${m} (one per driver of params.drivers)`);
  const maxId = params ? params.idaRange.max : INT_MAX;
  perSlot('ids').forEach((id, i) => requireInt(`${parameter}.ids[${i}]`, id, -1, maxId, 'the id the slot holds, -1 for none'));
  perSlot('onBus').forEach((on, i) => requireBool(`${parameter}.onBus[${i}]`, on));
  perSlot('boundTo').forEach((d, i) => requireInt(`${parameter}.boundTo[${i}]`, d, -1, m - 1, 'the driver bound, -1 for none'));
  const order = requireArray(`${parameter}.driverOrder`, s.driverOrder, 'an array of registered drivers');
  if (order.length > m) throw new ParameterError(`${parameter}.driverOrder`, order, `at most ${m} drivers`);
  order.forEach((d, i) => requireInt(`${parameter}.driverOrder[${i}]`, d, 0, m - 1, 'a driver'));
  requireBool(`${parameter}.ended`, s.ended);
  if (xstate) {
    devices.forEach((d, i) => requireDeviceSnapshot(`${parameter}.devices[${i}]`, d));
    drivers.forEach((d, i) => {
      const expected = 'a snapshot of the driver machine';
      if ((requireObject(`${parameter}.drivers[${i}]`, d, expected) as { machine?: unknown }).machine !== driverMachine) throw new ParameterError(`${parameter}.drivers[${i}]`, d, expected);
    });
    requireIdaModelState(`${parameter}.ida`, s.ida);
  } else {
    devices.forEach((d, i) => {
      if (d === undefined) throw new ParameterError(`${parameter}.devices[${i}]`, d, "null (no container) or the slot's device state");
    });
  }
}

/** Each world event type's fields: a device slot, a driver, a boolean, or one of some strings. */
type Domain = 'dev' | 'drv' | 'bool' | readonly string[];
const WORLD_EVENTS = {
  KZALLOC: { dev: 'dev', fail: 'bool' },
  IDA_ALLOC: { dev: 'dev', fail: 'bool' },
  IDA_FREE: { dev: 'dev', via: ['saved', 'field'] },
  INIT: { dev: 'dev', ok: 'bool' },
  ADD: { dev: 'dev', fault: ['none', 'name-nomem', 'device-add-nomem', 'bind-nomem'] },
  DELETE: { dev: 'dev' },
  UNINIT: { dev: 'dev' },
  GET: { dev: 'dev' },
  PUT: { dev: 'dev' },
  KFREE: { dev: 'dev' },
  READ_ID: { dev: 'dev' },
  RELEASE: { dev: 'dev' },
  DRV_REGISTER: { drv: 'drv', fault: ['none', 'register-nomem', 'bind-nomem', 'name-nomem'] },
  DRV_UNREGISTER: { drv: 'drv' },
  END: {},
  INIT_NULL_NAME: { dev: 'dev' },
  ADD_NULL_MODNAME: { dev: 'dev' },
  WRITE_ID: { dev: 'dev' },
  SET_RELEASE: { dev: 'dev', present: 'bool' },
  IDA_FREE_NEGATIVE: {},
  IDA_ALLOC_EMPTY_RANGE: { dev: 'dev' },
  IDA_DESTROY: {},
  KZALLOC_DEVM: { dev: 'dev' },
  DEVRES_FREE: { dev: 'dev' },
  DRV_REGISTER_INCOMPLETE: { drv: 'drv', missing: ['probe', 'id_table'] },
  DRV_REGISTER_AS: { drv: 'drv', as: 'drv' },
} as const satisfies Record<WorldEvent['type'], Record<string, Domain>>;
const WORLD_EVENT_TYPES = Object.keys(WORLD_EVENTS);

/** Checks a world event: a known type, its slot and driver numbers within `params`, its flags. */
function requireEvent(parameter: string, event: unknown, params: WorldParams): WorldEvent {
  const e = requireObject(parameter, event, 'a world event such as { type: "ADD", dev: 0, fault: "none" }') as Record<string, unknown>;
  const type = e.type;
  if (typeof type !== 'string' || !Object.hasOwn(WORLD_EVENTS, type)) throw new ParameterError(`${parameter}.type`, type, `a world event type (${WORLD_EVENT_TYPES.join(', ')})`);
  for (const [field, domain] of Object.entries(WORLD_EVENTS[type as WorldEvent['type']] as Record<string, Domain>)) {
    const at = `${parameter}.${field}`;
    if (domain === 'dev') requireInt(at, e[field], 0, params.devices - 1, 'a device slot of the world');
    else if (domain === 'drv') {
      if (params.drivers.length === 0) throw new ParameterError(at, e[field], 'a driver of the world, which has none (params.drivers is empty)');
      requireInt(at, e[field], 0, params.drivers.length - 1, 'a driver of the world');
    } else if (domain === 'bool') requireBool(at, e[field]);
    else requireOneOf(at, e[field], domain);
  }
  return event as WorldEvent;
}

/**
 * The IDA owner token of slot i's device (model.md §4.4); CODE_OWNER (0) is the code that
 * allocated an id not yet set on a device. Throws {@link ParameterError} unless `i` is a device slot.
 * @example deviceOwner(0) // 1
 */
export function deviceOwner(i: number): number {
  return deviceOwnerUnchecked(requireInt('deviceOwner(i)', i, 0, WORLD_LIMITS.devices.max - 1, 'a device slot of the world'));
}

/**
 * The id field of a slot: the id the code allocated, or 0 as kzalloc left it. Throws
 * {@link ParameterError} unless `ids` is a world state's ids (each an id or -1) and `i` one of its slots.
 * @example idField([-1, 3], 1) // 3
 */
export function idField(ids: readonly number[], i: number): number {
  const a = requireArray('idField(ids)', ids, "a world state's ids: one per slot, -1 for none");
  if (a.length === 0) throw new ParameterError('idField(ids)', ids, "a world state's ids: one per slot (at least one), -1 for none");
  requireInt('idField(i)', i, 0, a.length - 1, 'a device slot of ids');
  requireInt(`idField(ids)[${i}]`, a[i], -1, INT_MAX, 'an id, -1 for none');
  return idFieldUnchecked(ids, i);
}

/**
 * The initial world: no device allocated, no id, no driver registered. Throws
 * {@link ParameterError} unless `k` has the IDA and driver interpreters and `params` are complete world params.
 * @example initialWorldState(XSTATE_COMPONENTS, resolveWorldParams({ devices: 2 })).devices // [null, null]
 */
export function initialWorldState<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams): WorldState<D, I, R> {
  requireComponents('initialWorldState(k)', k, ['ida', 'driver']);
  requireParams('initialWorldState(params)', params);
  return initialWorldStateUnchecked(k, params);
}

/**
 * Runs one world event to completion: the component machines step, then the effects they name,
 * synchronously and in order, as the kernel calls release, probe and remove inside the call.
 * `calls`, when given, receives the callbacks the kernel makes, in order. Throws
 * {@link ParameterError} before anything runs unless `k` is world components, `params` complete
 * world params, `prev` a world state of them, `event` a world event within them and `calls` an
 * array or undefined.
 * @example stepWorld(XSTATE_COMPONENTS, params, initialWorldState(XSTATE_COMPONENTS, params), { type: 'KZALLOC', dev: 0, fail: false })
 */
export function stepWorld<D, I, R>(
  k: WorldComponents<D, I, R>,
  params: WorldParams,
  prev: WorldState<D, I, R>,
  event: WorldEvent,
  calls?: WorldCall[],
): WorldStepResult<D, I, R> {
  requireComponents('stepWorld(k)', k, ['device', 'ida', 'driver']);
  const p = requireParams('stepWorld(params)', params);
  requireState('stepWorld(prev)', prev, p, k === (XSTATE_COMPONENTS as unknown));
  requireEvent('stepWorld(event)', event, p);
  if (calls !== undefined) requireOutArray('stepWorld(calls)', calls);
  return stepWorldUnchecked(k, p, prev, event, calls);
}

/**
 * The events a parent driver can make from a world state: correct calls and every misuse, plus
 * injected failures when `faults` is on. Throws {@link ParameterError} unless `k` has the device
 * and driver interpreters, `params` are complete world params and `c` a world state of them.
 * @example worldEvents(XSTATE_COMPONENTS, params, initialWorldState(XSTATE_COMPONENTS, params))
 */
export function worldEvents<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams, c: WorldState<D, I, R>): WorldEvent[] {
  requireComponents('worldEvents(k)', k, ['device', 'driver']);
  const p = requireParams('worldEvents(params)', params);
  requireState('worldEvents(c)', c, p, k === (XSTATE_COMPONENTS as unknown));
  return worldEventsUnchecked(k, p, c);
}

/**
 * The calls on device slot `dev` (its container, its id, its device), pushed onto `events` in the
 * order `worldEvents` lists them. Throws {@link ParameterError} before pushing anything unless
 * `k` has the device interpreter, `params` are complete world params, `d` is null or the slot's
 * device state, `id` the slot's id or -1, `dev` a slot and `events` an array.
 * @example slotEvents(XSTATE_COMPONENTS, params, null, -1, 0, []) // KZALLOC and IDA_ALLOC of slot 0
 */
export function slotEvents<D>(k: Pick<WorldComponents<D, unknown, unknown>, 'device'>, params: WorldParams, d: D | null, id: number, dev: number, events: WorldEvent[]): WorldEvent[] {
  requireComponents('slotEvents(k)', k, ['device']);
  const p = requireParams('slotEvents(params)', params);
  if (k === (XSTATE_COMPONENTS as unknown) || (k as { device?: unknown }).device === XSTATE_COMPONENTS.device) requireDeviceSnapshot('slotEvents(d)', d);
  else if (d === undefined) throw new ParameterError('slotEvents(d)', d, "null (no container) or the slot's device state");
  requireInt('slotEvents(id)', id, -1, p.idaRange.max, 'the id the slot holds, -1 for none');
  requireInt('slotEvents(dev)', dev, 0, p.devices - 1, 'a device slot of the world');
  requireOutArray('slotEvents(events)', events);
  return slotEventsUnchecked(k, p, d, id, dev, events);
}

/**
 * The calls that are not on one device slot (driver register / unregister and END), pushed onto
 * `events` after the slots'. Throws {@link ParameterError} before pushing anything unless `k` has
 * the driver interpreter, `params` are complete world params, `c` a world state of them and
 * `events` an array.
 * @example sharedEvents(XSTATE_COMPONENTS, params, initialWorldState(XSTATE_COMPONENTS, params), []).at(-1) // { type: 'END' }
 */
export function sharedEvents<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams, c: WorldState<D, I, R>, events: WorldEvent[]): WorldEvent[] {
  requireComponents('sharedEvents(k)', k, ['driver']);
  const p = requireParams('sharedEvents(params)', params);
  requireState('sharedEvents(c)', c, p, k === (XSTATE_COMPONENTS as unknown));
  requireOutArray('sharedEvents(events)', events);
  return sharedEventsUnchecked(k, p, c, events);
}

/**
 * The events a parent driver can make from a world state (see `worldEvents`), for the XState
 * world. Throws {@link ParameterError} unless `params` are complete world params and `snapshot` a
 * snapshot of the XState world made with them.
 * @example worldEventAlphabet(world.params, world.getInitialSnapshot(undefined as never))
 */
export function worldEventAlphabet(params: WorldParams, snapshot: WorldSnapshot): WorldEvent[] {
  const p = requireParams('worldEventAlphabet(params)', params);
  const s = requireObject('worldEventAlphabet(snapshot)', snapshot, 'a snapshot of the world (createWorld(...).getInitialSnapshot())') as Record<string, unknown>;
  requireState('worldEventAlphabet(snapshot).context', s.context, p, true);
  return worldEventAlphabetUnchecked(p, snapshot);
}

/**
 * A world state's identity for path generation: every component's state and context and the
 * relations, but not the last step's findings or return value. Throws {@link ParameterError}
 * unless `snapshot` is a snapshot of the XState world.
 * @example serializeWorld(createWorld().getInitialSnapshot(undefined as never))
 */
export function serializeWorld(snapshot: WorldSnapshot): string {
  const s = requireObject('serializeWorld(snapshot)', snapshot, 'a snapshot of the world (createWorld(...).getInitialSnapshot())') as Record<string, unknown>;
  requireState('serializeWorld(snapshot).context', s.context, undefined, true);
  return serializeWorldUnchecked(snapshot);
}
