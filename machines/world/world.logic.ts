import { initialTransition, transition, type ActorLogic, type ActorSystem, type EventObject } from 'xstate';
import { deviceMachine } from '../device/device.machine.js';
import { driverMachine } from '../driver/driver.machine.js';
import { initialIdaComponent, xstateIda, type IdaModelState } from '../ida/ida.model.js';
import { stepIda } from '../ida/ida.facts.js';
import { worldEvents } from './world.events.js';
import { resolveWorldParams } from './world.params.js';
import { initialWorldState, stepWorld, type WorldAction, type WorldComponents } from './world.step.js';
import type {
  DeviceSnapshot, DriverSnapshot, WorldEvent, WorldParams, WorldParamsInput, WorldSnapshot,
} from './world.types.js';

/** The composed world as XState actor logic: usable by `xstate/graph` path generation. */
export type WorldLogic = ActorLogic<WorldSnapshot, WorldEvent, WorldParamsInput | undefined, ActorSystem<any>, EventObject> & {
  /** The resolved parameters this world was made with. */
  readonly params: WorldParams;
};

/** The component machines run by XState itself: the reference every faster interpreter is checked against. */
export const XSTATE_COMPONENTS: WorldComponents<DeviceSnapshot, IdaModelState, DriverSnapshot> = {
  device: {
    initial: (hasRelease, devm = false) => initialTransition(deviceMachine, { hasRelease, devm })[0],
    step: (s, e) => transition(deviceMachine, s, e) as [DeviceSnapshot, WorldAction[]],
    hasTag: (s, tag) => s.hasTag(tag),
    flagged: (s) => s.context.flagged,
    refs: (s) => s.context.refs,
    devm: (s) => s.context.devm,
  },
  ida: {
    initial: (capacity) => initialIdaComponent(capacity),
    step: (s, call) => {
      const r = stepIda(xstateIda, s, call);
      return [r.state, r.effects];
    },
    set: (s) => s.set,
  },
  driver: {
    initial: () => initialTransition(driverMachine)[0],
    step: (s, e) => transition(driverMachine, s, e) as [DriverSnapshot, WorldAction[]],
    registered: (s) => s.hasTag('registered'),
  },
};

/**
 * The events a parent driver can make from a world state (see `worldEvents`), for the XState world.
 * @example worldEventAlphabet(world.params, world.getInitialSnapshot(undefined as never))
 */
export function worldEventAlphabet(params: WorldParams, snapshot: WorldSnapshot): WorldEvent[] {
  return worldEvents(XSTATE_COMPONENTS, params, snapshot.context);
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
    context: initialWorldState(XSTATE_COMPONENTS, params),
  });
  return {
    params,
    config: params,
    transition: (snapshot, event) => {
      if (snapshot.context.ended) return snapshot;
      const r = stepWorld(XSTATE_COMPONENTS, params, snapshot.context, event);
      return { status: r.state.ended ? 'done' : 'active', output: undefined, error: undefined, context: r.state, findings: r.findings, returned: r.returned };
    },
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
    c.ended, c.devices.map(deviceKey), c.ids, c.onBus, c.boundTo, c.driverOrder, c.ida.set.ids, c.ida.set.owners,
    c.drivers.map((d) => d.value),
  ]);
}
