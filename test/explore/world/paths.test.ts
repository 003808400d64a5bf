/**
 * Test-path generation from an exploration: each path replays on the XState world, and the
 * device-machine transitions a path claims to cover are taken by its last step, as XState itself
 * says when it replays the step.
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  createWorld, deviceMachine, driverMachine, idaEvent, idaMachine, resolveWorldParams, stepWorld, XSTATE_COMPONENTS,
  type WorldEvent, type WorldParamsInput, type WorldSnapshot,
} from '../../../machines/index.js';
import { allTransitions, transitionId } from '../../../src/paths/coverage.js';
import { exploreWorld, worldTestPaths } from '../../../src/explore/world/index.js';

// Deferred release: the timing of each release is explored too (model.md §4.6), so more of the device machine is reached.
const PARAMS: WorldParamsInput = { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }], deferredRelease: true };

/**
 * The transitions every component machine takes during one world step: the world's own wiring
 * run over XState's components, with each component step's transitions recorded as XState
 * selects them.
 */
function transitionsOfStep(params: WorldParamsInput, s: WorldSnapshot, e: WorldEvent): Set<string> {
  const taken = new Set<string>();
  const record = <M extends AnyStateMachine>(m: M, snap: unknown, ev: unknown) => {
    for (const t of m.getTransitionData(snap as never, ev as never)) taken.add(transitionId(t));
  };
  const k: typeof XSTATE_COMPONENTS = {
    device: { ...XSTATE_COMPONENTS.device, step: (d, ev) => (record(deviceMachine, d, ev), XSTATE_COMPONENTS.device.step(d, ev)) },
    // The IDA component takes calls: record the machine event each call becomes (its facts read from the set).
    ida: { ...XSTATE_COMPONENTS.ida, step: (d, call) => (record(idaMachine, d.machine, idaEvent(d.set, call)), XSTATE_COMPONENTS.ida.step(d, call)) },
    driver: { ...XSTATE_COMPONENTS.driver, step: (d, ev) => (record(driverMachine, d, ev), XSTATE_COMPONENTS.driver.step(d, ev)) },
  };
  stepWorld(k, resolveWorldParams(params), s.context, e);
  return taken;
}

describe('worldTestPaths', () => {
  const x = exploreWorld(PARAMS);
  const generated = worldTestPaths(x);

  it('coverage counts add up: taken + missing = every transition of each machine', () => {
    const totals = { device: allTransitions(deviceMachine).length };
    const device = generated.coverage.find((c) => c.machine === 'device')!;
    expect(device.total).toBe(totals.device);
    for (const c of generated.coverage) expect(c.taken + c.missing.length).toBe(c.total);
    // The world makes no WRITE or SET_RELEASE calls, so those transitions stay uncovered.
    expect(device.missing).toContain('device.live:WRITE#0');
    expect(device.taken).toBeGreaterThan(device.total / 2);
  });

  it('every path replays on the XState world; every transition is claimed by exactly one path', () => {
    const world = createWorld(PARAMS);
    const claimed = generated.paths.flatMap((p) => p.covers);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(generated.coverage.reduce((n, c) => n + c.taken, 0));
    for (const p of generated.paths) {
      let s = world.getInitialSnapshot(undefined as never, undefined);
      for (const e of p.events) s = world.transition(s, e, undefined as never);
      expect(p.events.length).toBeGreaterThan(0);
    }
  });

  it('a path\'s last step takes every transition the path claims to cover, as XState selects them', () => {
    const world = createWorld(PARAMS);
    for (const p of generated.paths) {
      let s = world.getInitialSnapshot(undefined as never, undefined);
      for (const e of p.events.slice(0, -1)) s = world.transition(s, e, undefined as never);
      const taken = transitionsOfStep(PARAMS, s, p.events[p.events.length - 1]!);
      for (const id of p.covers) expect(taken).toContain(id);
    }
  });
});

describe('world exploration helpers: bad input', () => {
  it('worldTestPaths and formatWorldExploration need the exploration itself, not a JSON copy; deviceEventsOf checks its slot and path; describeWorldEvent its event', async () => {
    const { formatWorldExploration, deviceEventsOf, describeWorldEvent } = await import('../../../src/explore/world/index.js');
    const x = exploreWorld({ devices: 1 });
    const copy = JSON.parse(JSON.stringify({ ...x, internals: undefined })) as typeof x;
    expect(() => worldTestPaths(copy)).toThrow(/exploreWorld/);
    expect(() => formatWorldExploration(copy)).toThrow(/exploreWorld/);
    expect(() => deviceEventsOf({ devices: 2 }, [], 2)).toThrow(/dev/);
    expect(() => deviceEventsOf({ devices: 2 }, 'INIT' as never, 0)).toThrow(/path/);
    expect(() => describeWorldEvent({ type: 'REBOOT' } as never)).toThrow(/event.type/);
    expect(formatWorldExploration(x)).toContain('explore world: 1 device(s)');
  });
});
