/**
 * Failures the world injects where the kernel swallows them (kernel-auxbus.md §1.8,
 * drivers/base/dd.c really_probe and __device_attach_driver), measured with fail-nth on 6.12.118.
 */
import { describe, expect, it } from 'vitest';
import {
  createWorld, stepWorld, worldEventAlphabet, XSTATE_COMPONENTS,
  type WorldCall, type WorldEvent, type WorldParamsInput, type WorldSnapshot,
} from '../../machines/index.js';

function run(params: WorldParamsInput, events: WorldEvent[]): { s: WorldSnapshot; calls: WorldCall[] } {
  const world = createWorld(params);
  let s: WorldSnapshot = world.getInitialSnapshot(undefined as never, undefined as never);
  let calls: WorldCall[] = [];
  for (const e of events) {
    calls = [];
    const r = stepWorld(XSTATE_COMPONENTS, world.params, s.context, e, calls);
    s = { ...s, context: r.state, findings: r.findings, returned: r.returned };
  }
  return { s, calls };
}

const added: WorldEvent[] = [{ type: 'KZALLOC', dev: 0, fail: false }, { type: 'INIT', dev: 0, ok: true }];

describe('a bind the driver core fails (bind-nomem, §1.8)', () => {
  it('§1.8 add: returns 0 and the device is on the bus, unbound; no driver\'s probe runs and the second driver is not tried', () => {
    const params = { faults: true, drivers: [{ probe: 'ok' as const }, { probe: 'ok' as const }] };
    const { s, calls } = run(params, [
      { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'DRV_REGISTER', drv: 1, fault: 'none' },
      ...added, { type: 'ADD', dev: 0, fault: 'bind-nomem' },
    ]);
    expect(s.returned).toBe(0);
    expect(s.findings).toEqual([]);
    expect(s.context.onBus[0]).toBe(true);
    expect(s.context.boundTo[0]).toBe(-1);
    expect(calls).toEqual([]);
  });

  it('§1.8 add without the fault: the first registered driver binds (so the fault above is what kept it unbound)', () => {
    const params = { faults: true, drivers: [{ probe: 'ok' as const }, { probe: 'ok' as const }] };
    const { s, calls } = run(params, [
      { type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'DRV_REGISTER', drv: 1, fault: 'none' },
      ...added, { type: 'ADD', dev: 0, fault: 'none' },
    ]);
    expect(s.context.boundTo[0]).toBe(0);
    expect(calls).toEqual([{ call: 'probe', dev: 0, drv: 0, result: 0 }]);
  });

  it('§1.8 driver register: returns 0, the first waiting device stays unbound, the next one binds (driver_attach ignores each device\'s error)', () => {
    const params = { faults: true, devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' as const }] };
    const { s, calls } = run(params, [
      { type: 'IDA_ALLOC', dev: 0, fail: false }, ...added, { type: 'ADD', dev: 0, fault: 'none' },
      { type: 'IDA_ALLOC', dev: 1, fail: false }, { type: 'KZALLOC', dev: 1, fail: false }, { type: 'INIT', dev: 1, ok: true }, { type: 'ADD', dev: 1, fault: 'none' },
      { type: 'DRV_REGISTER', drv: 0, fault: 'bind-nomem' },
    ]);
    expect(s.returned).toBe(0);
    expect(s.context.boundTo).toEqual([-1, 0]);
    expect(calls).toEqual([{ call: 'probe', dev: 1, drv: 0, result: 0 }]);
  });

  it('the fault is offered only in worlds with faults and a driver to bind', () => {
    const addFaults = (p: WorldParamsInput) => {
      const w = createWorld(p);
      let s: WorldSnapshot = w.getInitialSnapshot(undefined as never, undefined as never);
      for (const e of added) s = w.transition(s, e, undefined as never);
      return worldEventAlphabet(w.params, s).flatMap((e) => (e.type === 'ADD' ? [e.fault] : []));
    };
    expect(addFaults({ faults: true, drivers: [{ probe: 'ok' }] })).toEqual(['none', 'name-nomem', 'device-add-nomem', 'bind-nomem']);
    expect(addFaults({ faults: true })).toEqual(['none', 'name-nomem', 'device-add-nomem']);
    expect(addFaults({ faults: false, drivers: [{ probe: 'ok' }] })).toEqual(['none']);
  });
});
