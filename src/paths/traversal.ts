import type { SnapshotFrom } from 'xstate';
import { TestModel } from 'xstate/graph';
import {
  deviceEventAlphabet, deviceMachine, driverEventAlphabet, driverMachine, idaCallAlphabet, idaEvent, idaMachine, idaModel, memoryEventAlphabet, memoryMachine,
  ParameterError, requireBool, requireInt, requireObject, serializeIdaModel, serializeWorld, worldEventAlphabet,
  type DeviceEvent, type IdaCall, type IdaEvent, type IdaModelInput, type IdaModelSnapshot, type IdaSnapshot, type WorldEvent, type WorldLogic,
  type WorldSnapshot,
} from '../../machines/index.js';
import type { GeneratedPath } from './coverage.js';

/** Options for generating paths over the device machine alone. */
export interface DeviceTraversalOptions {
  /** The most references the caller holds at once (init + gets), 1..4; bounds the state space. Default 2. */
  refBound?: number;
  /** Whether `dev.release` is filled in before init. Default true. */
  hasRelease?: boolean;
  /** Whether the container is devm_kzalloc()ed on the parent (devres owns it). Default false. */
  devm?: boolean;
}

/** Options for generating paths over the IDA machine alone. */
export interface IdaTraversalOptions {
  /** Size of the id space, 1..4 (the state space grows as (owners+1)^capacity). Default 2. */
  capacity?: number;
  /** How many owners compete for ids, 1..3. Default 2. */
  owners?: number;
}

/**
 * `xstate/graph` traversal options for the device machine: its whole event alphabet, with gets
 * capped at `refBound` (a filter, because the graph tries every declared event type otherwise).
 * @example getShortestPaths(deviceMachine, deviceTraversal({ refBound: 2 }))
 */
export function deviceTraversal(options: DeviceTraversalOptions = {}) {
  requireObject('deviceTraversal(options)', options, 'an object { refBound?, hasRelease?, devm? }');
  const refBound = requireInt('refBound', options.refBound ?? 2, 1, 4);
  const hasRelease = requireBool('hasRelease', options.hasRelease ?? true);
  const devm = requireBool('devm', options.devm ?? false);
  return {
    input: { hasRelease, devm },
    events: () => deviceEventAlphabet as DeviceEvent[],
    filterEvents: (s: SnapshotFrom<typeof deviceMachine>, e: DeviceEvent) => e.type !== 'GET' || s.context.refs < refBound,
  };
}

/**
 * `xstate/graph` traversal options for the IDA on a small id space, to use with `idaModel` (the
 * IDA machine with its id set: the machine alone has nothing to compute its events' facts from).
 * A path's events are IDA calls; each step's snapshot holds the machine event the call became
 * (see {@link idaMachinePath}).
 * @example getShortestPaths(idaModel, idaTraversal({ capacity: 2, owners: 2 }))
 */
export function idaTraversal(options: IdaTraversalOptions = {}) {
  requireObject('idaTraversal(options)', options, 'an object { capacity?, owners? }');
  const capacity = requireInt('capacity', options.capacity ?? 2, 1, 4, 'the IDA state space grows as (owners+1)^capacity');
  const owners = requireInt('owners', options.owners ?? 2, 1, 3);
  const calls = idaCallAlphabet(capacity, owners);
  return {
    input: { capacity } as IdaModelInput,
    events: (_s: IdaModelSnapshot) => calls,
    serializeState: (s: IdaModelSnapshot) => serializeIdaModel(s),
  };
}

/**
 * A transition-keyed test model of the IDA (the counterpart of `createTestModel` with
 * `serializeTransition` for a machine): its shortest paths take every (state, call) pair,
 * self-loops included, so they give transition coverage of the IDA machine.
 * @example idaTestModel({ capacity: 3 }).getShortestPaths().map(idaMachinePath)
 */
export function idaTestModel(options: IdaTraversalOptions = {}) {
  const traversal = idaTraversal(options);
  return new TestModel(idaModel, {
    ...traversal,
    serializeState: (s: IdaModelSnapshot, call: IdaCall | undefined, prev?: IdaModelSnapshot) =>
      `${serializeIdaModel(s)}${call ? ` via ${JSON.stringify(call)} from ${prev ? serializeIdaModel(prev) : ''}` : ''}`,
  });
}

/**
 * A path over `idaModel` as a path of the IDA machine: each step's machine snapshot and the
 * machine event (facts included) its call became. (The facts are read again from the set of the
 * step before: path generation keeps one snapshot per state key, so a snapshot cannot carry
 * which call reached it.) The coverage helpers (`transitionsTaken`,
 * `statesVisited`, `violationsAlong`) and `replayPath('ida', ...)` take it as they take any
 * machine's path. Throws {@link ParameterError} for something that is not such a path.
 * @example transitionsTaken(idaMachine, paths.map(idaMachinePath))
 */
export function idaMachinePath(path: GeneratedPath<IdaModelSnapshot, IdaCall>): GeneratedPath<IdaSnapshot, IdaEvent | { type: 'xstate.init' }> {
  requireObject('path', path, 'a path of idaModel ({ steps: [{ state, event }], state })');
  if (typeof path !== 'object' || path === null || !Array.isArray(path.steps)) {
    throw new ParameterError('path', path, 'a path of idaModel ({ steps: [{ state, event }], state })');
  }
  return {
    steps: path.steps.map((step, k) => ({
      state: step.state.context.machine,
      // The init step keeps its xstate.init event; every other call becomes the machine event
      // whose facts are read from the set before it, by the function every runner uses.
      event: k === 0 ? (step.event as unknown as { type: 'xstate.init' }) : idaEvent(path.steps[k - 1]!.state.context.set, step.event),
    })),
    state: path.state.context.machine,
  };
}

/**
 * `xstate/graph` traversal options for the driver machine.
 * @example getShortestPaths(driverMachine, driverTraversal())
 */
export function driverTraversal() {
  return { events: () => [...driverEventAlphabet] };
}

/**
 * `xstate/graph` traversal options for the memory machine (a plain allocation).
 * @example getShortestPaths(memoryMachine, memoryTraversal())
 */
export function memoryTraversal() {
  return { events: () => [...memoryEventAlphabet] };
}

/**
 * `xstate/graph` traversal options for a composed world made by `createWorld`.
 * @example getShortestPaths(world, worldTraversal(world))
 */
export function worldTraversal(world: WorldLogic) {
  return {
    events: (s: WorldSnapshot) => worldEventAlphabet(world.params, s) as WorldEvent[],
    serializeState: (s: WorldSnapshot) => serializeWorld(s),
  };
}

export { deviceMachine, idaMachine, idaModel, driverMachine, memoryMachine };
