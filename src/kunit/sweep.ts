import {
  createWorld, refcount, resolveWorldParams,
  type WorldEvent, type WorldParams, type WorldParamsInput, type WorldSnapshot,
} from '../../machines/index.js';
import { describeWorldEvent } from '../explore/world/format.js';
import { cleanTeardown, predictSteps, replayWorld } from './predict.js';
import type { KunitStep } from './types.js';

/**
 * Fail-nth sweeps: one call, made again and again from the same state with its n-th allocation
 * failing (n = 1, 2, ... until the call makes fewer than n), as `/proc/self/fail-nth` does; and
 * once more with every allocation from the n-th on failing (memory running out). The kernel's
 * outcomes must be exactly the model's outcomes of that call under its injected faults.
 */

/** What a sweep compares after the call: the return value and device slot 0. */
export interface SweepObservation {
  /** The call's return value (0 for kzalloc, whose result is `allocated`). */
  ret: number;
  /** The container exists (kzalloc succeeded). */
  allocated: boolean;
  /** kref, when allocated. */
  kref: number;
  registered: boolean;
  /** A driver is bound to the device. */
  bound: boolean;
  /** Release calls so far. */
  released: number;
}

/** One outcome the model allows for the call, with the teardown that ends it cleanly. */
export interface SweepOutcome {
  /** The model's fault variants that give it (e.g. `ADD name-nomem`, `ADD device-add-nomem`). */
  variants: string[];
  /** The same variants as world events. */
  events: WorldEvent[];
  observation: SweepObservation;
  /** The steps after the call, as the model predicts them (calls only are emitted). */
  teardown: KunitStep[];
  /** Release calls of slot 0 once the teardown ran. */
  releasedAfter: number;
}

/** One sweep: a prefix that reaches the state, the call, the outcomes. */
export interface KunitSweep {
  name: string;
  /** Index into the suite's sweep worlds. */
  world: number;
  /** What the sweep is about, for the comment. */
  title: string;
  prefix: KunitStep[];
  /** The call without its fault (the C is the same; the fault is the kernel's fail-nth). */
  call: WorldEvent;
  outcomes: SweepOutcome[];
}

/** The fault variants of a call, as the world names them. */
function variants(e: WorldEvent): Array<{ event: WorldEvent; label: string }> {
  switch (e.type) {
    case 'KZALLOC': return [false, true].map((fail) => ({ event: { ...e, fail }, label: `KZALLOC${fail ? ' fail' : ''}` }));
    case 'IDA_ALLOC': return [false, true].map((fail) => ({ event: { ...e, fail }, label: `IDA_ALLOC${fail ? ' fail' : ''}` }));
    case 'ADD': return (['none', 'name-nomem', 'device-add-nomem', 'bind-nomem'] as const).map((fault) => ({ event: { ...e, fault }, label: `ADD ${fault}` }));
    case 'DRV_REGISTER': return (['none', 'name-nomem', 'register-nomem', 'bind-nomem'] as const).map((fault) => ({ event: { ...e, fault }, label: `DRV_REGISTER ${fault}` }));
    default: return [{ event: e, label: e.type }];
  }
}

function observe(s: WorldSnapshot): SweepObservation {
  const d = s.context.devices[0] ?? null;
  const released = 0;
  if (d === null) return { ret: s.returned ?? 0, allocated: false, kref: 0, registered: false, bound: false, released };
  return {
    ret: s.returned ?? 0,
    allocated: true,
    kref: d.hasTag('freed') ? 0 : refcount(d.context),
    registered: s.context.onBus[0]!,
    bound: s.context.boundTo[0]! >= 0,
    released,
  };
}

const key = (o: SweepObservation) => JSON.stringify(o);

/** A sweep to generate: its prefix and call, in a world. */
export interface SweepSpec {
  name: string;
  title: string;
  world: WorldParamsInput;
  prefix: WorldEvent[];
  call: WorldEvent;
}

/** The default sweeps: every call of the world that can fail, from the states a driver makes it in. */
export const DEFAULT_SWEEPS: readonly SweepSpec[] = Object.freeze([
  { name: 'kzalloc', title: 'kzalloc() of the container', world: {}, prefix: [], call: { type: 'KZALLOC', dev: 0, fail: false } },
  { name: 'ida_alloc_empty', title: 'ida_alloc_range() on an empty IDA', world: {}, prefix: [], call: { type: 'IDA_ALLOC', dev: 0, fail: false } },
  {
    name: 'ida_alloc_bitmap', title: 'ida_alloc_range() of id 63, the first that needs the slot\'s bitmap',
    world: { idaRange: { min: 63, max: 63 } }, prefix: [], call: { type: 'IDA_ALLOC', dev: 0, fail: false },
  },
  {
    name: 'ida_alloc_in_use', title: 'ida_alloc_range() of id 63 while id 62 is held (the slot becomes a bitmap)',
    world: { devices: 2, idaRange: { min: 62, max: 63 } }, prefix: [{ type: 'IDA_ALLOC', dev: 0, fail: false }], call: { type: 'IDA_ALLOC', dev: 1, fail: false },
  },
  { name: 'init', title: 'auxiliary_device_init()', world: {}, prefix: [{ type: 'KZALLOC', dev: 0, fail: false }], call: { type: 'INIT', dev: 0, ok: true } },
  {
    name: 'add', title: 'auxiliary_device_add() with no driver', world: {},
    prefix: [{ type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true }],
    call: { type: 'ADD', dev: 0, fault: 'none' },
  },
  {
    name: 'add_probe', title: 'auxiliary_device_add() with a driver that binds', world: { drivers: [{ probe: 'ok' }] },
    prefix: [{ type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true }],
    call: { type: 'ADD', dev: 0, fault: 'none' },
  },
  { name: 'driver_register', title: 'auxiliary_driver_register() with no device', world: { drivers: [{ probe: 'ok' }] }, prefix: [], call: { type: 'DRV_REGISTER', drv: 0, fault: 'none' } },
  {
    name: 'driver_register_probe', title: 'auxiliary_driver_register() with a device waiting', world: { drivers: [{ probe: 'ok' }] },
    prefix: [{ type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true }, { type: 'ADD', dev: 0, fault: 'none' }],
    call: { type: 'DRV_REGISTER', drv: 0, fault: 'none' },
  },
]);

/**
 * The model's side of the sweeps: for each call, its outcomes under every fault variant, merged
 * when the kernel cannot tell them apart, each with its clean teardown.
 * Throws ParameterError on bad world params; Error when a spec's prefix is not clean or an
 * outcome has no clean end (a bug in the spec).
 */
export function kunitSweeps(specs: readonly SweepSpec[] = DEFAULT_SWEEPS): { worlds: WorldParams[]; sweeps: KunitSweep[] } {
  const worlds: WorldParams[] = [];
  const sweeps = specs.map((spec) => {
    const params = resolveWorldParams({ ...spec.world, faults: true });
    let w = worlds.findIndex((p) => JSON.stringify(p) === JSON.stringify(params));
    if (w < 0) w = worlds.push(params) - 1;
    const world = createWorld(params);
    const prefix = predictSteps(world, spec.prefix);
    if (prefix === null) throw new Error(`sweep ${spec.name}: its prefix reports a violation`);
    const outcomes = new Map<string, SweepOutcome>();
    for (const v of variants(spec.call)) {
      const events = [...spec.prefix, v.event];
      const after = replayWorld(world, events);
      if (after.findings.length > 0) throw new Error(`sweep ${spec.name}: ${v.label} reports a violation`);
      const teardown = cleanTeardown(world, after);
      if (teardown === null) throw new Error(`sweep ${spec.name}: no clean end after ${v.label}`);
      const steps = predictSteps(world, [...events, ...teardown], events.length);
      if (steps === null) throw new Error(`sweep ${spec.name}: the teardown after ${v.label} reports a violation`);
      const observation = observe(after);
      const k = key(observation);
      const last = steps[steps.length - 1]!;
      const releasedAfter = last.devices.find((d) => d.slot === 0)?.released ?? 0;
      const known = outcomes.get(k);
      if (known) {
        const same = JSON.stringify(known.teardown.map((s) => s.event)) === JSON.stringify(steps.slice(events.length).map((s) => s.event));
        if (!same) throw new Error(`sweep ${spec.name}: ${known.variants[0]} and ${v.label} look the same to the kernel but end differently`);
        known.variants.push(v.label);
        known.events.push(v.event);
        continue;
      }
      outcomes.set(k, { variants: [v.label], events: [v.event], observation, teardown: steps.slice(events.length), releasedAfter });
    }
    return { name: `sweep_${spec.name}`, world: w, title: `${spec.title}: ${describeWorldEvent(spec.call)}`, prefix, call: spec.call, outcomes: [...outcomes.values()] };
  });
  return { worlds, sweeps };
}
