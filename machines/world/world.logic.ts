import { initialTransition, transition, type ActorLogic, type ActorSystem, type EventObject } from 'xstate';
import { NEG } from '../errno.js';
import { deviceMachine } from '../device/device.machine.js';
import type { DeviceEvent } from '../device/device.types.js';
import { driverMachine } from '../driver/driver.machine.js';
import type { DriverEvent } from '../driver/driver.types.js';
import { idaMachine } from '../ida/ida.machine.js';
import { CODE_OWNER, type IdaEvent } from '../ida/ida.types.js';
import type { ViolationParams } from '../shared/effects.js';
import { resolveWorldParams } from './world.params.js';
import type {
  DeviceSnapshot, WorldFinding, WorldContext, WorldEvent, WorldParams, WorldParamsInput, WorldSnapshot,
} from './world.types.js';

/** The composed world as XState actor logic: usable by `xstate/graph` path generation. */
export type WorldLogic = ActorLogic<WorldSnapshot, WorldEvent, WorldParamsInput | undefined, ActorSystem<any>, EventObject> & {
  /** The resolved parameters this world was made with. */
  readonly params: WorldParams;
};

type Job =
  | { to: 'dev'; i: number; event: DeviceEvent }
  | { to: 'ida'; slot: number | undefined; event: IdaEvent }
  | { to: 'drv'; i: number; event: DriverEvent };

interface Action { type: string; params?: unknown }

/**
 * The IDA owner token of slot i's device (model.md §4.4); CODE_OWNER (0) is the code that
 * allocated an id not yet set on a device.
 */
const deviceOwner = (i: number) => i + 1;

/** The id field of a slot: the id the code allocated, or 0 as kzalloc left it. */
const idField = (c: WorldContext, i: number) => Math.max(c.ids[i]!, 0);

/**
 * Runs one world event to completion: the component machine steps, then the effects they name,
 * synchronously and in order, as the kernel calls release, probe and remove inside the call.
 */
function step(params: WorldParams, snapshot: WorldSnapshot, event: WorldEvent): WorldSnapshot {
  if (snapshot.context.ended) return snapshot;
  const prev = snapshot.context;
  const c: WorldContext = {
    devices: [...prev.devices],
    ids: [...prev.ids],
    onBus: [...prev.onBus],
    boundTo: [...prev.boundTo],
    driverOrder: [...prev.driverOrder],
    ida: prev.ida,
    drivers: [...prev.drivers],
    ended: false,
  };
  const findings: WorldFinding[] = [];
  let returned: number | undefined;

  const send = (job: Job, primary = false): void => {
    let actions: Action[];
    if (job.to === 'dev') {
      const cur = c.devices[job.i];
      if (!cur) return;
      const [next, acts] = transition(deviceMachine, cur, job.event);
      c.devices[job.i] = next;
      actions = acts as Action[];
    } else if (job.to === 'ida') {
      const [next, acts] = transition(idaMachine, c.ida, job.event);
      c.ida = next;
      actions = acts as Action[];
    } else {
      const [next, acts] = transition(driverMachine, c.drivers[job.i]!, job.event);
      c.drivers[job.i] = next;
      actions = acts as Action[];
    }
    for (const a of actions) effect(job, a, primary);
  };

  const effect = (job: Job, a: Action, primary: boolean): void => {
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
      case 'runRelease': {
        if (job.to !== 'dev') return;
        // The release callback reads adev->id while the memory is still valid, then frees.
        if (params.release.freesId && c.ids[job.i]! >= 0) {
          send({ to: 'ida', slot: job.i, event: { type: 'FREE', id: c.ids[job.i]!, owner: deviceOwner(job.i) } });
        }
        if (params.release.freesContainer) send({ to: 'dev', i: job.i, event: { type: 'KFREE' } });
        send({ to: 'dev', i: job.i, event: { type: 'RELEASED' } });
        return;
      }
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
        if (job.to === 'dev') c.boundTo[job.i] = -1;
        return;
      case 'attachDevices':
        if (job.to !== 'drv') return;
        c.driverOrder.push(job.i);
        // driver_attach walks the bus's list: a dangling entry (B1) is walked too.
        c.devices.forEach((d, i) => {
          if (c.onBus[i] && !d?.hasTag('bound')) probe(i, [job.i]);
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

  /** §1.8: drivers are tried in bus order until one binds; a failed probe lets the next try. */
  const probe = (i: number, order: readonly number[]): void => {
    for (const d of order) {
      const result = params.drivers[d]!.probe === 'ok' ? 0 : NEG.ENOMEM;
      send({ to: 'dev', i, event: { type: 'PROBE', result } });
      if (c.devices[i]?.hasTag('bound')) {
        c.boundTo[i] = d;
        return;
      }
    }
  };

  const dev = (i: number, e: DeviceEvent) => send({ to: 'dev', i, event: e }, true);
  const claim = (i: number) => send({ to: 'ida', slot: i, event: { type: 'CLAIM', id: c.ids[i]!, owner: deviceOwner(i) } });
  switch (event.type) {
    case 'KZALLOC':
      if (c.devices[event.dev] !== null) break;
      if (event.fail) returned = 0; // kzalloc returns NULL
      else {
        c.devices[event.dev] = initialTransition(deviceMachine, { hasRelease: params.release.present })[0];
        // adev->id = id for an id allocated first: the id becomes the device's (model.md §4.4).
        if (c.ids[event.dev]! >= 0) claim(event.dev);
      }
      break;
    case 'IDA_ALLOC': {
      const { min, max } = params.idaRange;
      send({ to: 'ida', slot: event.dev, event: { type: 'ALLOC', min, max, owner: CODE_OWNER, fault: event.fail } }, true);
      if (returned !== undefined && returned >= 0) {
        c.ids[event.dev] = returned;
        if (c.devices[event.dev]) claim(event.dev);
      }
      break;
    }
    case 'IDA_FREE':
      // Reading the id back from the device is a field access: use-after-release if it is dead.
      if (event.via === 'field') dev(event.dev, { type: 'READ', field: 'id' });
      send({ to: 'ida', slot: event.dev, event: { type: 'FREE', id: c.ids[event.dev]!, owner: c.devices[event.dev] ? deviceOwner(event.dev) : CODE_OWNER } }, true);
      break;
    case 'INIT':
      dev(event.dev, { type: 'INIT', parent: event.ok, name: true });
      break;
    case 'ADD': {
      const mine = idField(c, event.dev);
      const nameTaken = c.onBus.some((on, j) => on && j !== event.dev && idField(c, j) === mine);
      dev(event.dev, { type: 'ADD', modname: true, nameTaken, fault: event.fault });
      break;
    }
    case 'READ_ID':
      dev(event.dev, { type: 'READ', field: 'id' });
      break;
    case 'DELETE':
    case 'UNINIT':
    case 'GET':
    case 'PUT':
    case 'KFREE':
      dev(event.dev, { type: event.type });
      break;
    case 'DRV_REGISTER':
      send({ to: 'drv', i: event.drv, event: { type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: event.fail ? 'register-nomem' : 'none' } }, true);
      break;
    case 'DRV_UNREGISTER':
      send({ to: 'drv', i: event.drv, event: { type: 'UNREGISTER' } }, true);
      break;
    case 'END': {
      c.devices.forEach((_, i) => send({ to: 'dev', i, event: { type: 'END' } }));
      // model.md §4.3: an id is not reported again when its device already has a finding.
      const excused = c.devices.flatMap((d, i) => (d?.context.flagged ? [deviceOwner(i)] : []));
      send({ to: 'ida', slot: undefined, event: { type: 'END', excused } });
      c.ended = true;
      break;
    }
  }
  return { status: c.ended ? 'done' : 'active', output: undefined, error: undefined, context: c, findings, returned };
}

/**
 * Composes K devices, one IDA and D drivers into a parent driver's world (model.md §1), as XState
 * actor logic whose `transition` is pure: `xstate/graph` generates paths over it.
 * Throws {@link ParameterError} on bad params.
 * @example
 * import { getShortestPaths } from 'xstate/graph';
 * const world = createWorld({ devices: 2, idaRange: { min: 0, max: 1 } });
 * getShortestPaths(world, worldTraversal(world)).length;
 */
export function createWorld(input: WorldParamsInput = {}): WorldLogic {
  const params = resolveWorldParams(input);
  const initial = (): WorldSnapshot => ({
    status: 'active',
    output: undefined,
    error: undefined,
    findings: [],
    returned: undefined,
    context: {
      devices: Array.from({ length: params.devices }, () => null),
      ids: Array.from({ length: params.devices }, () => -1),
      onBus: Array.from({ length: params.devices }, () => false),
      boundTo: Array.from({ length: params.devices }, () => -1),
      driverOrder: [],
      ida: initialTransition(idaMachine, { capacity: params.idaRange.max + 1 })[0],
      drivers: params.drivers.map(() => initialTransition(driverMachine)[0]),
      ended: false,
    },
  });
  return {
    params,
    config: params,
    transition: (snapshot, event) => step(params, snapshot, event),
    getInitialSnapshot: () => initial(),
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/** A device snapshot's identity: its state and context. */
const deviceKey = (d: DeviceSnapshot | null) => (d ? [d.value, d.context] : 0);

/**
 * A world state's identity for path generation: every component's state and context and the
 * relations, but not the last step's findings or return value.
 * @example serializeWorld(createWorld().getInitialSnapshot(undefined as never))
 */
export function serializeWorld(snapshot: WorldSnapshot): string {
  const c = snapshot.context;
  return JSON.stringify([
    c.ended, c.devices.map(deviceKey), c.ids, c.onBus, c.boundTo, c.driverOrder, c.ida.context.ids, c.ida.context.owners,
    c.drivers.map((d) => d.value),
  ]);
}
