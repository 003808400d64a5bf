import {
  createWorld, deviceMachine, driverMachine, idaEvent, idaMachine, stepWorld, XSTATE_COMPONENTS,
  type WorldComponents, type WorldEvent, type WorldParams, type DeviceSnapshot, type DriverSnapshot, type IdaModelState,
} from '../../machines/index.js';
import { allTransitions, transitionId } from '../paths/coverage.js';
import type { KunitSuite } from './types.js';

/** Transition coverage of one component machine by everything a suite runs on the kernel. */
export interface SuiteCoverage {
  machine: 'device' | 'ida' | 'driver';
  taken: number;
  total: number;
  /** Transitions nothing in the suite takes, by `transitionId`. */
  missing: string[];
}

/** The XState components, recording the transition each component step takes. */
export function recording(taken: Set<string>): WorldComponents<DeviceSnapshot, IdaModelState, DriverSnapshot> {
  const k = XSTATE_COMPONENTS;
  return {
    device: {
      ...k.device,
      step: (s, e) => {
        for (const t of deviceMachine.getTransitionData(s as never, e as never)) taken.add(transitionId(t));
        return k.device.step(s, e);
      },
    },
    ida: {
      ...k.ida,
      step: (s, call) => {
        for (const t of idaMachine.getTransitionData(s.machine as never, idaEvent(s.set, call) as never)) taken.add(transitionId(t));
        return k.ida.step(s, call);
      },
    },
    driver: {
      ...k.driver,
      step: (s, e) => {
        for (const t of driverMachine.getTransitionData(s as never, e as never)) taken.add(transitionId(t));
        return k.driver.step(s, e);
      },
    },
  };
}

function replay(comps: WorldComponents<DeviceSnapshot, IdaModelState, DriverSnapshot>, params: WorldParams, events: readonly WorldEvent[]): void {
  let state = createWorld(params).getInitialSnapshot(undefined as never, undefined as never).context;
  for (const e of events) state = stepWorld(comps, params, state, e).state;
}

/**
 * Which transitions of the device, IDA and driver machines the suite's cases, sweeps (every
 * outcome with its teardown) and violation cases take, found by asking each machine which
 * transition every component step selects.
 * @example suiteCoverage(kunitSuite()).find((c) => c.machine === 'ida')!.missing
 */
export function suiteCoverage(suite: KunitSuite): SuiteCoverage[] {
  const taken = new Set<string>();
  const comps = recording(taken);
  for (const k of [...suite.cases, ...suite.examples.cases]) replay(comps, suite.worlds[k.world]!, k.steps.map((s) => s.event));
  for (const v of [...suite.violations, ...suite.examples.violations]) replay(comps, suite.worlds[v.world]!, v.steps.map((s) => s.event));
  for (const sw of suite.sweeps) {
    for (const o of sw.outcomes) {
      for (const variant of o.events) replay(comps, suite.worlds[sw.world]!, [...sw.prefix.map((s) => s.event), variant, ...o.teardown.map((s) => s.event)]);
    }
  }
  return ([['device', deviceMachine], ['ida', idaMachine], ['driver', driverMachine]] as const).map(([machine, definition]) => {
    const all = allTransitions(definition).map(transitionId);
    const missing = all.filter((t) => !taken.has(t));
    return { machine, taken: all.length - missing.length, total: all.length, missing };
  });
}
