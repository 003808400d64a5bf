import { initialTransition, transition, type ActorLogic, type ActorSystem, type EventObject } from 'xstate';
import { NEG } from '../errno.js';
import { deviceMachine } from '../device/device.machine.js';
import type { DeviceEvent } from '../device/device.types.js';
import { driverMachine } from '../driver/driver.machine.js';
import type { DriverEvent } from '../driver/driver.types.js';
import { idaMachine } from '../ida/ida.machine.js';
import type { IdaEvent } from '../ida/ida.types.js';
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
  | { to: 'ida'; owner: number | undefined; event: IdaEvent }
  | { to: 'drv'; i: number; event: DriverEvent };

interface Action { type: string; params?: unknown }

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
        const where = job.to === 'dev' ? { dev: job.i } : job.to === 'drv' ? { drv: job.i } : job.owner !== undefined ? { dev: job.owner } : {};
        findings.push({ code: p.code, ...where, ...(p.ids ? { ids: p.ids } : {}) });
        return;
      }
      case 'runRelease': {
        if (job.to !== 'dev') return;
        // The release callback reads adev->id while the memory is still valid, then frees.
        if (params.release.freesId && c.ids[job.i]! >= 0) {
          send({ to: 'ida', owner: job.i, event: { type: 'FREE', id: c.ids[job.i]!, owner: job.i } });
        }
        if (params.release.freesContainer) send({ to: 'dev', i: job.i, event: { type: 'KFREE' } });
        send({ to: 'dev', i: job.i, event: { type: 'RELEASED' } });
        return;
      }
      case 'probeDrivers':
        if (job.to === 'dev') probe(job.i, c.driverOrder);
        return;
      case 'driverRemove':
        if (job.to === 'dev') c.boundTo[job.i] = -1;
        return;
      case 'attachDevices':
        if (job.to !== 'drv') return;
        c.driverOrder.push(job.i);
        c.devices.forEach((d, i) => {
          if (d?.hasTag('onBus') && !d.hasTag('bound')) probe(i, [job.i]);
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
  switch (event.type) {
    case 'KZALLOC':
      if (c.devices[event.dev] !== null) break;
      if (event.fail) returned = 0; // kzalloc returns NULL
      else c.devices[event.dev] = initialTransition(deviceMachine, { hasRelease: params.release.present })[0];
      break;
    case 'IDA_ALLOC': {
      const { min, max } = params.idaRange;
      send({ to: 'ida', owner: event.dev, event: { type: 'ALLOC', min, max, owner: event.dev, fault: event.fail } }, true);
      if (returned !== undefined && returned >= 0) c.ids[event.dev] = returned;
      break;
    }
    case 'IDA_FREE':
      // Reading the id back from the device is a field access: use-after-release if it is dead.
      if (event.via === 'field') dev(event.dev, { type: 'READ', field: 'id' });
      send({ to: 'ida', owner: event.dev, event: { type: 'FREE', id: c.ids[event.dev]!, owner: event.dev } }, true);
      break;
    case 'INIT':
      dev(event.dev, { type: 'INIT', parent: event.ok, name: true });
      break;
    case 'ADD': {
      const mine = idField(c, event.dev);
      const nameTaken = c.devices.some((d, j) => j !== event.dev && d?.hasTag('onBus') && idField(c, j) === mine);
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
      const excused = c.devices.flatMap((d, i) => (d?.context.flagged ? [i] : []));
      send({ to: 'ida', owner: undefined, event: { type: 'END', excused } });
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
    c.ended, c.devices.map(deviceKey), c.ids, c.boundTo, c.driverOrder, c.ida.context.ids, c.ida.context.owners,
    c.drivers.map((d) => d.value),
  ]);
}
