import type { WorldAddFault } from './world.types.js';
import type { WorldComponents, WorldState } from './world.step.js';
import type { WorldEvent, WorldParams } from './world.types.js';

/**
 * The events a parent driver can make from a world state, over any interpreter's component
 * states: correct calls and every misuse, plus injected failures when `faults` is on. Each slot
 * allocates its container and its id once, so the world stays finite; references are capped at
 * `refBound`.
 * @example worldEvents(components, params, initialWorldState(components, params))
 */
export function worldEvents<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams, c: WorldState<D, I, R>): WorldEvent[] {
  if (c.ended) return [];
  const events: WorldEvent[] = [];
  for (let dev = 0; dev < params.devices; dev++) slotEvents(k, params, c.devices[dev]!, c.ids[dev]!, dev, events);
  sharedEvents(k, params, c, events);
  return events;
}

/**
 * The calls on device slot `dev` (its container, its id, its device): they depend on that slot
 * alone. Pushed onto `events`, in the order `worldEvents` lists them.
 * @example slotEvents(components, params, null, -1, 0, []) // KZALLOC and IDA_ALLOC of slot 0
 */
export function slotEvents<D>(k: Pick<WorldComponents<D, unknown, unknown>, 'device'>, params: WorldParams, d: D | null, id: number, dev: number, events: WorldEvent[]): WorldEvent[] {
  const beforeInit = d === null || (k.device.hasTag(d, 'live') && !k.device.hasTag(d, 'refcounted'));
  if (d === null) {
    events.push({ type: 'KZALLOC', dev, fail: false });
    if (params.faults) events.push({ type: 'KZALLOC', dev, fail: true });
  }
  if (id === -1 && beforeInit) {
    events.push({ type: 'IDA_ALLOC', dev, fail: false });
    if (params.faults) events.push({ type: 'IDA_ALLOC', dev, fail: true });
  }
  if (id >= 0) {
    events.push({ type: 'IDA_FREE', dev, via: 'saved' });
    if (d !== null) events.push({ type: 'IDA_FREE', dev, via: 'field' });
  }
  if (d === null) return events;
  // The kernel's delayed cleanup (model.md §4.6): not the code's call, possible at any step.
  if (params.deferredRelease && k.device.hasTag(d, 'releasePending')) events.push({ type: 'RELEASE', dev });
  events.push({ type: 'INIT', dev, ok: true });
  if (params.faults) events.push({ type: 'INIT', dev, ok: false });
  const addFaults: WorldAddFault[] = !params.faults ? ['none'] : params.drivers.length > 0 ? ['none', 'name-nomem', 'device-add-nomem', 'bind-nomem'] : ['none', 'name-nomem', 'device-add-nomem'];
  for (const fault of addFaults) events.push({ type: 'ADD', dev, fault });
  events.push({ type: 'DELETE', dev }, { type: 'UNINIT', dev });
  if (k.device.refs(d) < params.refBound) events.push({ type: 'GET', dev });
  events.push({ type: 'PUT', dev }, { type: 'KFREE', dev }, { type: 'READ_ID', dev });
  return events;
}

/** The calls that are not on one device slot: driver register / unregister and END, after the slots'. */
export function sharedEvents<D, I, R>(k: WorldComponents<D, I, R>, params: WorldParams, c: WorldState<D, I, R>, events: WorldEvent[]): WorldEvent[] {
  params.drivers.forEach((_, drv) => {
    // Registering a registered driver is a misuse (B19) the world offers like any other.
    events.push({ type: 'DRV_REGISTER', drv, fault: 'none' });
    if (params.faults && !k.driver.registered(c.drivers[drv]!)) {
      events.push({ type: 'DRV_REGISTER', drv, fault: 'register-nomem' }, { type: 'DRV_REGISTER', drv, fault: 'bind-nomem' });
    }
    events.push({ type: 'DRV_UNREGISTER', drv });
  });
  events.push({ type: 'END' });
  return events;
}
