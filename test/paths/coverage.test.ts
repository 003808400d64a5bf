import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { deviceMachine, driverMachine, type DeviceEvent } from '../../machines/index.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, transitionsTaken, violationsAlong } from '../../src/paths/coverage.js';

/** Builds a path in xstate/graph's shape (init step first) from events. */
function pathOf(events: DeviceEvent[]) {
  let [state] = initialTransition(deviceMachine, { hasRelease: true });
  const steps = [{ state, event: { type: 'xstate.init' } as { type: string } }];
  for (const event of events) {
    [state] = transition(deviceMachine, state, event);
    steps.push({ state, event });
  }
  return { steps, state };
}

describe('coverage helpers', () => {
  it('name transitions by source, event and alternative, uniquely', () => {
    const ids = allTransitions(deviceMachine).map(transitionId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('device.live.allocated:INIT#0');
    expect(ids).toContain('device.live.allocated:INIT#2');
    expect(ids).not.toContain('device.live.allocated:INIT#3');
  });

  it('list every state node of a nested machine and every transition of a flat one', () => {
    expect(allStateNodes(deviceMachine).map((n) => n.key)).toEqual([
      'live', 'allocated', 'releasing', 'refcounted', 'initialized', 'addFailed', 'added', 'unbound', 'bound', 'deleted',
      'dead', 'pending', 'orphaned', 'lateRelease', 'released', 'freed',
    ]);
    // unregistered: 6 REGISTER alternatives + UNREGISTER; registered: 3 REGISTER alternatives + UNREGISTER.
    expect(allTransitions(driverMachine)).toHaveLength(11);
  });

  it('find the transitions a path takes, the states it visits and the violations of each step', () => {
    const path = pathOf([{ type: 'INIT', parent: false, name: true }, { type: 'INIT', parent: true, name: true }, { type: 'DELETE' }]);
    expect([...transitionsTaken(deviceMachine, [path])].map(transitionId)).toEqual([
      'device.live.allocated:INIT#0', 'device.live.allocated:INIT#2', 'device.live.refcounted.initialized:DELETE#0',
    ]);
    const visited = statesVisited([path]);
    expect(visited.has('device.live.refcounted.initialized')).toBe(true);
    expect(visited.has('device.dead')).toBe(false);
    expect(violationsAlong(deviceMachine, path)).toEqual([[], [], [], ['delete-unadded']]);
  });
});
