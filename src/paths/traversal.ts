import type { SnapshotFrom } from 'xstate';
import {
  deviceEventAlphabet, deviceMachine, driverEventAlphabet, driverMachine, idaEventAlphabet, idaMachine, memoryEventAlphabet, memoryMachine,
  requireBool, requireInt, serializeWorld, worldEventAlphabet,
  type DeviceEvent, type IdaEvent, type WorldEvent, type WorldLogic, type WorldSnapshot,
} from '../../machines/index.js';

/** Options for generating paths over the device machine alone. */
export interface DeviceTraversalOptions {
  /** The most references the caller holds at once (init + gets), 1..4; bounds the state space. Default 2. */
  refBound?: number;
  /** Whether `dev.release` is filled in before init. Default true. */
  hasRelease?: boolean;
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
  const refBound = requireInt('refBound', options.refBound ?? 2, 1, 4);
  const hasRelease = requireBool('hasRelease', options.hasRelease ?? true);
  return {
    input: { hasRelease },
    events: () => deviceEventAlphabet as DeviceEvent[],
    filterEvents: (s: SnapshotFrom<typeof deviceMachine>, e: DeviceEvent) => e.type !== 'GET' || s.context.refs < refBound,
  };
}

/**
 * `xstate/graph` traversal options for the IDA machine on a small id space.
 * @example getShortestPaths(idaMachine, idaTraversal({ capacity: 2, owners: 2 }))
 */
export function idaTraversal(options: IdaTraversalOptions = {}) {
  const capacity = requireInt('capacity', options.capacity ?? 2, 1, 4, 'the IDA state space grows as (owners+1)^capacity');
  const owners = requireInt('owners', options.owners ?? 2, 1, 3);
  return {
    input: { capacity },
    events: (s: SnapshotFrom<typeof idaMachine>) => idaEventAlphabet(s.context, owners) as IdaEvent[],
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

export { deviceMachine, idaMachine, driverMachine, memoryMachine };
