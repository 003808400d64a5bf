import { NEG } from '../errno.js';
import type { DeviceEvent, DeviceTag } from '../device/device.types.js';
import type { DriverEvent } from '../driver/driver.types.js';
import { CODE_OWNER, type IdaCall } from '../ida/ida.types.js';
import { allocNeedsMemory, lowestFree } from '../ida/ida.facts.js';
import type { IdSetView } from '../ida/ida.set.js';
import type { ViolationParams } from '../common/effects.js';
import type { ReleaseCall, WorldEvent, WorldFinding, WorldParams } from './world.types.js';

/**
 * How the world wires its component machines together, written once for every interpreter:
 * XState's own `transition` (the world `xstate/graph` explores) and the compiled, interned tables
 * of the fast explorer both run this same step. Component states are opaque (`D`, `I`, `R`); the
 * interpreter says how to step them and how to read the few facts the wiring needs.
 */

/** An effect a component step names: its type and resolved params. */
export interface WorldAction { readonly type: string; readonly params?: unknown }

/** One interpreter of the component machines. */
export interface WorldComponents<D, I, R> {
  device: {
    /** A new container; `devm`: devm_kzalloc()ed on the parent (devres frees it). */
    initial(hasRelease: boolean, devm?: boolean): D;
    step(state: D, event: DeviceEvent): readonly [D, readonly WorldAction[]];
    hasTag(state: D, tag: DeviceTag): boolean;
    /** `context.flagged`: a violation was reported against the device (model.md §4.3). */
    flagged(state: D): boolean;
    /** `context.refs`: the caller's own references (bounds the explored gets). */
    refs(state: D): number;
    /** `context.devm`: the container is on the parent's devres list until devres frees it. */
    devm(state: D): boolean;
  };
  /**
   * The IDA component: the machine's state with the id set it decides about, as one opaque state.
   * `step` takes a call and does what `stepIda` does: reads the facts from the set, steps the
   * machine, carries out its set effects.
   */
  ida: {
    initial(capacity: number): I;
    step(state: I, call: IdaCall): readonly [I, readonly WorldAction[]];
    /** The id set the state decides from (read for the facts the world injects faults by). */
    set(state: I): IdSetView;
  };
  driver: {
    initial(): R;
    step(state: R, event: DriverEvent): readonly [R, readonly WorldAction[]];
    registered(state: R): boolean;
  };
}

/** The composed state, over any interpreter's component states. */
export interface WorldState<D, I, R> {
  /** Device slots: null until kzalloc succeeds. */
  devices: Array<D | null>;
  /** The id the code holds for each slot (written to `adev->id`), -1 when none was allocated. */
  ids: number[];
  /**
   * Whether each device is in the bus's lists, as the device's busAdd / busRemove effects say: a
   * device freed while added (B1) stays there, dangling, as in sysfs and the klists (§3.7).
   */
  onBus: boolean[];
  /** The driver bound to each device, -1 when none. */
  boundTo: number[];
  /** Registered drivers in registration order: the order the bus tries them (§1.8). */
  driverOrder: number[];
  ida: I;
  drivers: R[];
  /** END was sent: the scenario is over. */
  ended: boolean;
}

/** What one world step gives: the next state, its findings, and what the call returned. */
export interface WorldStepResult<D, I, R> {
  state: WorldState<D, I, R>;
  findings: WorldFinding[];
  returned: number | undefined;
}

/**
 * A callback the kernel makes into the code during a world step, in the order it makes them:
 * what a test on a real kernel observes of probe, remove and release (kernel-auxbus.md §1.8, §2.3).
 */
export type WorldCall =
  | { call: 'probe'; dev: number; drv: number; result: number }
  | { call: 'remove'; dev: number; drv: number }
  | { call: 'release'; dev: number }
  /** Not a callback: the device's refcount_t saturated (a get or put before init, §3.9). */
  | { call: 'kref-saturated'; dev: number };

const RUN_RELEASE: DeviceEvent = Object.freeze({ type: 'RUN_RELEASE' });
const READ_ID: DeviceEvent = Object.freeze({ type: 'READ', field: 'id' });

/** The device event of each call a release may make on its own device. */
const RELEASE_CALL_EVENTS: Readonly<Record<ReleaseCall, DeviceEvent>> = Object.freeze({
  get_device: { type: 'GET' },
  put_device: { type: 'PUT' },
  auxiliary_device_uninit: { type: 'UNINIT' },
  auxiliary_device_delete: { type: 'DELETE' },
  auxiliary_device_init: { type: 'INIT', parent: true, name: true },
  auxiliary_device_add: { type: 'ADD', modname: true, nameTaken: false, fault: 'none' },
  write_id: { type: 'WRITE', field: 'id' },
  set_release: { type: 'SET_RELEASE', present: true },
  devm_kfree: { type: 'DEVRES_FREE' },
});

type Job =
  | { to: 'dev'; i: number; event: DeviceEvent }
  | { to: 'ida'; slot: number | undefined; event: IdaCall }
  | { to: 'drv'; i: number; event: DriverEvent };

/**
 * The IDA owner token of slot i's device (model.md §4.4); CODE_OWNER (0) is the code that
 * allocated an id not yet set on a device.
 */
export const deviceOwner = (i: number) => i + 1;

/** The id field of a slot: the id the code allocated, or 0 as kzalloc left it. */
export const idField = (ids: readonly number[], i: number) => Math.max(ids[i]!, 0);

/**
 * The initial world: no device allocated, no id, no driver registered.
 * @example initialWorldState(components, resolveWorldParams({ devices: 2 })).devices // [null, null]
 */
export function initialWorldState<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams): WorldState<D, I, R> {
  return {
    devices: Array.from({ length: params.devices }, () => null),
    ids: Array.from({ length: params.devices }, () => -1),
    onBus: Array.from({ length: params.devices }, () => false),
    boundTo: Array.from({ length: params.devices }, () => -1),
    driverOrder: [],
    ida: k.ida.initial(params.idaRange.max + 1),
    drivers: params.drivers.map(() => k.driver.initial()),
    ended: false,
  };
}

/**
 * Runs one world event to completion: the component machines step, then the effects they name,
 * synchronously and in order, as the kernel calls release, probe and remove inside the call.
 * `calls`, when given, receives the callbacks the kernel makes, in order.
 * @example stepWorld(components, params, initialWorldState(components, params), { type: 'KZALLOC', dev: 0, fail: false })
 */
export function stepWorld<D, I, R>(
  k: WorldComponents<D, I, R>,
  params: WorldParams,
  prev: WorldState<D, I, R>,
  event: WorldEvent,
  calls?: WorldCall[],
): WorldStepResult<D, I, R> {
  if (prev.ended) return { state: prev, findings: [], returned: undefined };
  const c: WorldState<D, I, R> = {
    devices: prev.devices.slice(),
    ids: prev.ids.slice(),
    onBus: prev.onBus.slice(),
    boundTo: prev.boundTo.slice(),
    driverOrder: prev.driverOrder.slice(),
    ida: prev.ida,
    drivers: prev.drivers.slice(),
    ended: false,
  };
  const findings: WorldFinding[] = [];
  let returned: number | undefined;
  // An injected bind failure waits for the first bind the call attempts (§1.8).
  let bindFault = (event.type === 'ADD' || event.type === 'DRV_REGISTER') && event.fault === 'bind-nomem';

  const send = (job: Job, primary = false): void => {
    let actions: readonly WorldAction[];
    if (job.to === 'dev') {
      const cur = c.devices[job.i];
      if (cur === null || cur === undefined) return;
      const [next, acts] = k.device.step(cur, job.event);
      c.devices[job.i] = next;
      actions = acts;
    } else if (job.to === 'ida') {
      const [next, acts] = k.ida.step(c.ida, job.event);
      c.ida = next;
      actions = acts;
    } else {
      const [next, acts] = k.driver.step(c.drivers[job.i]!, job.event);
      c.drivers[job.i] = next;
      actions = acts;
    }
    for (let n = 0; n < actions.length; n++) effect(job, actions[n]!, primary);
  };

  const effect = (job: Job, a: WorldAction, primary: boolean): void => {
    switch (a.type) {
      case 'returns':
        if (primary && returned === undefined) returned = (a.params as { value: number }).value;
        return;
      case 'violation': {
        const p = a.params as ViolationParams;
        const where = job.to === 'dev' ? { dev: job.i } : job.to === 'drv' ? { drv: job.i } : job.slot !== undefined ? { dev: job.slot } : {};
        // One finding per id, as a leak report names each leaked object.
        if (p.ids) for (const id of p.ids) findings.push({ code: p.code, ...where, ids: [id] });
        else findings.push({ code: p.code, ...where });
        return;
      }
      case 'scheduleRelease':
        // Immediate timing: the cleanup runs inside this put. Deferred: the device waits in its
        // releasePending state for a RELEASE step (or END).
        if (job.to === 'dev' && !params.deferredRelease) send({ to: 'dev', i: job.i, event: RUN_RELEASE });
        return;
      case 'runRelease': {
        if (job.to !== 'dev') return;
        calls?.push({ call: 'release', dev: job.i });
        // The release callback reads adev->id (on freed memory if the container went before it ran,
        // a part of that root cause: model.md §4.3), then frees.
        if (params.release.freesId && c.ids[job.i]! >= 0) {
          send({ to: 'dev', i: job.i, event: READ_ID });
          send({ to: 'ida', slot: job.i, event: { type: 'FREE', id: c.ids[job.i]!, owner: deviceOwner(job.i) } });
        }
        // devm_kfree() frees only what devres holds: of a kzalloc()ed container it WARNs and frees
        // nothing (drivers/base/devres.c), which the world's release never does.
        if (params.release.calls !== undefined && (params.release.calls !== 'devm_kfree' || k.device.devm(c.devices[job.i]!))) {
          send({ to: 'dev', i: job.i, event: RELEASE_CALL_EVENTS[params.release.calls] });
        }
        if (params.release.freesContainer) send({ to: 'dev', i: job.i, event: { type: 'KFREE' } });
        send({ to: 'dev', i: job.i, event: { type: 'RELEASED' } });
        return;
      }
      case 'writeField':
        // `adev->id = id` on live memory: the id becomes the device's (model.md §4.4); a write the
        // device machine refuses (dead memory) names no effect, so it moves nothing.
        if (job.to === 'dev' && c.ids[job.i]! >= 0) claim(job.i);
        return;
      case 'saturateKref':
        if (job.to === 'dev') calls?.push({ call: 'kref-saturated', dev: job.i });
        return;
      case 'busAdd':
        if (job.to === 'dev') c.onBus[job.i] = true;
        return;
      case 'busRemove':
        if (job.to === 'dev') c.onBus[job.i] = false;
        return;
      case 'probeDrivers':
        if (job.to === 'dev') probe(job.i, c.driverOrder);
        return;
      case 'driverRemove':
        if (job.to !== 'dev') return;
        if (c.boundTo[job.i]! >= 0) calls?.push({ call: 'remove', dev: job.i, drv: c.boundTo[job.i]! });
        c.boundTo[job.i] = -1;
        return;
      case 'attachDevices':
        if (job.to !== 'drv') return;
        c.driverOrder.push(job.i);
        // driver_attach walks the bus's list: a dangling entry (B1) is walked too.
        c.devices.forEach((d, i) => {
          if (c.onBus[i] && !(d !== null && k.device.hasTag(d, 'bound'))) probe(i, [job.i]);
        });
        return;
      case 'detachDevices':
        if (job.to !== 'drv') return;
        c.driverOrder = c.driverOrder.filter((d) => d !== job.i);
        c.boundTo.forEach((d, i) => {
          if (d === job.i) send({ to: 'dev', i, event: { type: 'UNBIND' } });
        });
        return;
      default:
        return; // kernelLog and anything informational
    }
  };

  /**
   * §1.8: drivers are tried in bus order until one binds; a failed probe lets the next try. A
   * bind that fails in the driver core before the driver's probe is an error, not a probe result:
   * the device stays unbound and no other driver is tried.
   */
  const probe = (i: number, order: readonly number[]): void => {
    for (const d of order) {
      if (bindFault) {
        bindFault = false;
        send({ to: 'dev', i, event: { type: 'PROBE', result: NEG.ENOMEM } });
        return;
      }
      const result = params.drivers[d]!.probe === 'ok' ? 0 : NEG.ENOMEM;
      calls?.push({ call: 'probe', dev: i, drv: d, result });
      send({ to: 'dev', i, event: { type: 'PROBE', result } });
      const now = c.devices[i];
      if (now !== null && now !== undefined && k.device.hasTag(now, 'bound')) {
        c.boundTo[i] = d;
        return;
      }
    }
  };

  const dev = (i: number, e: DeviceEvent) => send({ to: 'dev', i, event: e }, true);
  const claim = (i: number) => send({ to: 'ida', slot: i, event: { type: 'CLAIM', id: c.ids[i]!, owner: deviceOwner(i) } });
  /** A new container in slot i; adev->id = id for an id allocated first: the id becomes the device's (model.md §4.4). */
  const allocate = (i: number, devm: boolean) => {
    c.devices[i] = k.device.initial(params.release.present, devm);
    if (c.ids[i]! >= 0) claim(i);
  };
  /** §2.4: another device on the bus has slot i's name (`modname.name.id`). */
  const nameTaken = (i: number) => c.onBus.some((on, j) => on && j !== i && idField(c.ids, j) === idField(c.ids, i));
  switch (event.type) {
    case 'KZALLOC':
      if (c.devices[event.dev] !== null) break;
      if (event.fail) returned = 0; // kzalloc returns NULL
      else allocate(event.dev, false);
      break;
    case 'IDA_ALLOC': {
      const { min, max } = params.idaRange;
      // The world knows its IDA exactly: an injected failure only fails a call that allocates,
      // as fail-nth on a real kernel (model.md §4.7); elsewhere it hits nothing and the call succeeds.
      const set = event.fail ? k.ida.set(c.ida) : undefined;
      const fault = set !== undefined && allocNeedsMemory(set, lowestFree(set, min, max));
      send({ to: 'ida', slot: event.dev, event: { type: 'ALLOC', min, max, owner: CODE_OWNER, fault } }, true);
      if (returned !== undefined && returned >= 0) {
        c.ids[event.dev] = returned;
        if (c.devices[event.dev] !== null) claim(event.dev);
      }
      break;
    }
    case 'IDA_FREE':
      // Reading the id back from the device is a field access: use-after-release if it is dead.
      if (event.via === 'field') dev(event.dev, { type: 'READ', field: 'id' });
      send({ to: 'ida', slot: event.dev, event: { type: 'FREE', id: c.ids[event.dev]!, owner: c.devices[event.dev] !== null ? deviceOwner(event.dev) : CODE_OWNER } }, true);
      break;
    case 'INIT':
      dev(event.dev, { type: 'INIT', parent: event.ok, name: true });
      break;
    case 'ADD':
      dev(event.dev, { type: 'ADD', modname: true, nameTaken: nameTaken(event.dev), fault: event.fault === 'bind-nomem' ? 'none' : event.fault });
      break;
    case 'READ_ID':
      dev(event.dev, { type: 'READ', field: 'id' });
      break;
    case 'RELEASE':
      dev(event.dev, RUN_RELEASE);
      break;
    case 'DELETE':
    case 'UNINIT':
    case 'GET':
    case 'PUT':
    case 'KFREE':
      dev(event.dev, { type: event.type });
      break;
    case 'DRV_REGISTER':
      send({ to: 'drv', i: event.drv, event: { type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: event.fault === 'register-nomem' || event.fault === 'name-nomem' ? event.fault : 'none' } }, true);
      break;
    case 'DRV_UNREGISTER':
      send({ to: 'drv', i: event.drv, event: { type: 'UNREGISTER' } }, true);
      break;
    case 'KZALLOC_DEVM':
      if (c.devices[event.dev] === null) allocate(event.dev, true);
      break;
    case 'DEVRES_FREE':
      dev(event.dev, { type: 'DEVRES_FREE' });
      break;
    case 'INIT_NULL_NAME':
      dev(event.dev, { type: 'INIT', parent: true, name: false });
      break;
    case 'ADD_NULL_MODNAME':
      dev(event.dev, { type: 'ADD', modname: false, nameTaken: nameTaken(event.dev), fault: 'none' });
      break;
    case 'WRITE_ID':
      dev(event.dev, { type: 'WRITE', field: 'id' });
      break;
    case 'SET_RELEASE':
      dev(event.dev, { type: 'SET_RELEASE', present: event.present });
      break;
    case 'IDA_FREE_NEGATIVE':
      send({ to: 'ida', slot: undefined, event: { type: 'FREE', id: -1, owner: CODE_OWNER } }, true);
      break;
    case 'IDA_ALLOC_EMPTY_RANGE': {
      const { max } = params.idaRange;
      send({ to: 'ida', slot: event.dev, event: { type: 'ALLOC', min: max + 1, max, owner: CODE_OWNER, fault: false } }, true);
      break;
    }
    case 'IDA_DESTROY':
      send({ to: 'ida', slot: undefined, event: { type: 'DESTROY' } }, true);
      break;
    case 'DRV_REGISTER_INCOMPLETE':
      send({ to: 'drv', i: event.drv, event: { type: 'REGISTER', probe: event.missing !== 'probe', idTable: event.missing !== 'id_table', nameTaken: false, fault: 'none' } }, true);
      break;
    case 'DRV_REGISTER_AS':
      send({ to: 'drv', i: event.drv, event: { type: 'REGISTER', probe: true, idTable: true, nameTaken: event.as !== event.drv && k.driver.registered(c.drivers[event.as]!), fault: 'none' } }, true);
      break;
    case 'END': {
      // What is still pending runs before the end check, as the kernel runs it seconds later.
      c.devices.forEach((d, i) => {
        if (d !== null && k.device.hasTag(d, 'releasePending')) send({ to: 'dev', i, event: RUN_RELEASE });
      });
      c.devices.forEach((_, i) => send({ to: 'dev', i, event: { type: 'END' } }));
      // model.md §4.3: an id is not reported again when its device already has a finding.
      const excused = c.devices.flatMap((d, i) => (d !== null && k.device.flagged(d) ? [deviceOwner(i)] : []));
      send({ to: 'ida', slot: undefined, event: { type: 'END', excused } });
      c.ended = true;
      break;
    }
  }
  return { state: c, findings, returned };
}
