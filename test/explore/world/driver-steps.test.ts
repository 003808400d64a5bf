import { describe, expect, it } from 'vitest';
import type { WorldEvent, WorldParamsInput } from '../../../machines/index.js';
import { ANY_CALL, exploreWorld, routineCode, type WorldCode } from '../../../src/explore/world/index.js';
import { ComposedDriverCalls } from '../../../src/explore/world/driver-steps.js';
import { DriverSteps } from '../../../src/explore/world/shared-steps.js';
import { CodeBits } from '../../../src/explore/world/arrays.js';

/**
 * Driver calls composed per device slot (issue 17 item 3) against the world's own step on the
 * whole state: on every reachable state of worlds with drivers (§1.8: probe in registration order
 * at add, attach at register, detach at unregister, a bind failure taken by the first probe),
 * wherever a composition is made it equals the world step's slots, driver order, driver state,
 * returned value, IDA and finding codes, whichever states its parts were learnt on.
 */

type DriverCall = Extract<WorldEvent, { type: 'DRV_REGISTER' | 'DRV_UNREGISTER' }>;

const WORLDS: Array<[string, WorldParamsInput, WorldCode]> = [
  ['two devices, a binding and a failing driver, faults, any call', { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }, { probe: 'fails' }] }, ANY_CALL],
  ['three devices, one driver, faults, the routine', { devices: 3, idaRange: { min: 0, max: 2 }, faults: true, drivers: [{ probe: 'ok' }] }, routineCode('none')],
  ['two devices, two binding drivers, deferred release, any call', { devices: 2, idaRange: { min: 0, max: 0 }, deferredRelease: true, drivers: [{ probe: 'ok' }, { probe: 'ok' }] }, ANY_CALL],
];

describe('driver calls composed per slot equal the world step (issue 17 item 3)', () => {
  for (const [name, input, code] of WORLDS) {
    it(name, () => {
      const r = exploreWorld(input, { symmetry: false }, code);
      const x = r.internals;
      const bits = new CodeBits();
      const composed = new ComposedDriverCalls(x, bits);
      const whole = new DriverSteps(x, bits);
      const raw = x.codec.emptyRaw();
      const next = new Int32Array(x.params.devices);
      const calls: DriverCall[] = x.params.drivers.flatMap((_, drv): DriverCall[] => [
        { type: 'DRV_REGISTER', drv, fault: 'none' }, { type: 'DRV_REGISTER', drv, fault: 'register-nomem' },
        { type: 'DRV_REGISTER', drv, fault: 'bind-nomem' }, { type: 'DRV_UNREGISTER', drv },
      ]);
      let made = 0;
      let withFindings = 0;
      let bound = 0;
      for (let n = 0; n < r.states; n++) {
        x.codec.readRaw(x.store.chunk(n), x.store.offset(n), raw);
        if (raw.ended) continue;
        for (const call of calls) {
          const mask = composed.step(raw, call, next, 0);
          if (mask < 0) continue;
          made++;
          if (mask !== 0) withFindings++;
          if (next.some((v, i) => v !== (raw.slots[i]! & ~((1 << x.code.slotBits) - 1)))) bound++;
          // Throws when the composition differs from the world step on this whole state.
          composed.verify(whole, whole.step(raw, call, 0), raw, next, mask);
        }
      }
      // The composition is what runs (not the fallback), and it moved devices and found misuse.
      expect(made).toBeGreaterThan(r.states);
      expect(bound).toBeGreaterThan(0);
      if (code === ANY_CALL) expect(withFindings).toBeGreaterThan(0);
    }, 120_000);
  }
});
