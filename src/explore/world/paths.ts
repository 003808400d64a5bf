import { deviceMachine, driverMachine, idaMachine, ParameterError, requireObject, type WorldEvent } from '../../../machines/index.js';
import type { AnyStateMachine, AnyTransitionDefinition } from 'xstate';
import { allTransitions, transitionId } from '../../paths/coverage.js';
import { enabled, EVENTS_PER_STATE, type WorldExploration } from './explore.js';
import { concretePath, mapEvent } from './concrete.js';

/** A generated test path over a world: the events, and the component transitions it is the first to take. */
export interface WorldTestPath {
  /** Events from the initial world state; replay them on `createWorld(params)` or the runtime. */
  events: WorldEvent[];
  /** The transitions (`transitionId`, e.g. `device.live.refcounted.initialized:ADD#4`) its last step takes first. */
  covers: string[];
}

/** Transition coverage of one component machine by a world's reachable steps. */
export interface ComponentCoverage {
  machine: 'device' | 'ida' | 'driver';
  taken: number;
  total: number;
  /** Transitions no reachable world step takes (with these parameters), by `transitionId`. */
  missing: string[];
}

/** Test paths and coverage generated from an exploration. */
export interface WorldTestPaths {
  paths: WorldTestPath[];
  coverage: ComponentCoverage[];
}

/**
 * Test paths with transition coverage: for every transition of the device, IDA and driver
 * machines that some reachable world step takes, the shortest world path whose last step takes
 * it first (breadth-first order makes it a shortest one). Paths ending in the same step are one.
 * @example worldTestPaths(exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 } })).coverage
 */
export function worldTestPaths(x: WorldExploration): WorldTestPaths {
  requireExploration(x);
  const { comps } = x.internals;
  const byStep = new Map<number, string[]>();
  const coverage: ComponentCoverage[] = [];
  const components: Array<[ComponentCoverage['machine'], AnyStateMachine, Map<AnyTransitionDefinition, number>]> = [
    ['device', deviceMachine, comps.device.taken],
    ['ida', idaMachine, comps.ida.taken],
    ['driver', driverMachine, comps.driver.taken],
  ];
  for (const [machine, definition, taken] of components) {
    const all = allTransitions(definition);
    for (const [t, step] of taken) {
      const list = byStep.get(step) ?? [];
      list.push(transitionId(t));
      byStep.set(step, list);
    }
    coverage.push({ machine, taken: taken.size, total: all.length, missing: all.filter((t) => !taken.has(t)).map(transitionId) });
  }
  const paths = [...byStep].sort((a, b) => a[0] - b[0]).map(([step, covers]) => {
    const state = Math.floor(step / EVENTS_PER_STATE);
    const to = concretePath(x.internals, state);
    const events = enabled(x.internals, to.state);
    return { events: [...to.events, mapEvent(events[step % EVENTS_PER_STATE]!, to.slots)], covers };
  });
  return { paths, coverage };
}

/**
 * Checks that `x` is what `exploreWorld` returned (its tables are needed, not just its data).
 * @example requireExploration(exploreWorld({}))
 */
export function requireExploration(x: unknown): asserts x is WorldExploration {
  requireObject('exploration', x, 'the result of exploreWorld()');
  if (typeof x !== 'object' || x === null || !('internals' in x) || typeof (x as { internals?: unknown }).internals !== 'object') {
    throw new ParameterError('exploration', x, 'the result of exploreWorld() (a parsed JSON copy has lost the tables it needs)');
  }
}
