import { describe, expect, it } from 'vitest';
import { initialWorldState, ROUTINE_MISUSES, stepWorld, XSTATE_COMPONENTS, type ReleaseCall, type RoutineMisuse, type WorldFinding } from '../../machines/index.js';
import { ANY_CALL, exploreWorld, routineCode, type WorldCode } from '../../src/explore/world/index.js';
import { onPath, runSpin, worldPromela } from '../../src/promela/index.js';

/**
 * The generated Promela, run by Spin exhaustively (no partial-order reduction), agrees with our
 * explorer: the same reachable state count and the same violation codes, and a Spin
 * counterexample replays in our world step to the violation it names.
 */

const tools = ['spin', 'gcc'].filter((t) => !onPath(t));

const worlds: Array<{ devices: number; ids: number; faults: boolean; code: WorldCode; deferredRelease?: boolean; calls?: ReleaseCall; drivers?: Array<'ok' | 'fails'>; hashBits?: number }> = [
  { devices: 1, ids: 1, faults: false, code: ANY_CALL },
  { devices: 1, ids: 2, faults: false, code: ANY_CALL },
  { devices: 1, ids: 1, faults: true, code: ANY_CALL },
  { devices: 1, ids: 2, faults: true, code: ANY_CALL },
  { devices: 2, ids: 1, faults: false, code: ANY_CALL },
  { devices: 2, ids: 2, faults: false, code: ANY_CALL },
  { devices: 2, ids: 1, faults: true, code: ANY_CALL },
  { devices: 2, ids: 2, faults: true, code: ANY_CALL },
  { devices: 1, ids: 1, faults: true, code: routineCode('none') },
  { devices: 2, ids: 2, faults: true, code: routineCode('none') },
  { devices: 2, ids: 2, faults: true, code: routineCode('kfree-after-uninit') },
  { devices: 3, ids: 3, faults: true, code: routineCode('none') },
  { devices: 3, ids: 3, faults: true, code: routineCode('ida-free-after-uninit') },
  // model.md §4.6: the release runs at a later RELEASE call (the kernel's delayed cleanup) or at END.
  { devices: 1, ids: 1, faults: true, code: ANY_CALL, deferredRelease: true },
  { devices: 2, ids: 2, faults: false, code: ANY_CALL, deferredRelease: true },
  { devices: 2, ids: 2, faults: true, code: routineCode('none'), deferredRelease: true },
  { devices: 2, ids: 2, faults: true, code: routineCode('kfree-after-uninit'), deferredRelease: true },
  // A release that makes a call on its own device (model.md §4.1), at the last put and deferred.
  ...(['get_device', 'put_device', 'auxiliary_device_uninit', 'auxiliary_device_delete', 'auxiliary_device_init', 'auxiliary_device_add', 'write_id', 'set_release'] as const)
    .flatMap((calls) => [false, true].map((deferredRelease) => ({ devices: 1, ids: 1, faults: false, code: ANY_CALL, deferredRelease, calls }))),
  { devices: 2, ids: 2, faults: true, code: ANY_CALL, deferredRelease: true, calls: 'auxiliary_device_uninit' },
  // Large enough that the IDA's FREE and CLAIM steps are C table lookups (Spin's d_step limit).
  { devices: 4, ids: 4, faults: true, code: routineCode('ida-free-after-uninit') },
  // Aux drivers (§1.8): probe at add in registration order, attach at register, detach at
  // unregister, an injected bind failure taken by the first bind tried.
  { devices: 1, ids: 1, faults: true, code: ANY_CALL, drivers: ['ok'] },
  { devices: 1, ids: 1, faults: true, code: ANY_CALL, drivers: ['fails'] },
  { devices: 1, ids: 1, faults: true, code: ANY_CALL, drivers: ['ok', 'ok'] },
  { devices: 2, ids: 1, faults: true, code: ANY_CALL, drivers: ['ok', 'fails'] },
  { devices: 2, ids: 2, faults: false, code: ANY_CALL, drivers: ['ok'] },
  { devices: 2, ids: 2, faults: true, code: ANY_CALL, deferredRelease: true, drivers: ['ok'] },
  { devices: 1, ids: 1, faults: true, code: ANY_CALL, calls: 'auxiliary_device_delete', drivers: ['ok'] },
  { devices: 2, ids: 2, faults: true, code: routineCode('kfree-after-uninit'), drivers: ['ok'] },
  { devices: 3, ids: 3, faults: true, code: routineCode('none'), drivers: ['ok', 'fails'] },
  // Any call at K=3 (issue 17: every world up to K=3): 1,826,986 states with faults, on 13M of
  // which an assertion fails (the pipe keeps the first of each, spin.ts).
  { devices: 3, ids: 3, faults: false, code: ANY_CALL, hashBits: 22 },
  { devices: 3, ids: 3, faults: true, code: ANY_CALL, hashBits: 22 },
  // Every named misuse of the routine (issue 17: every world up to K=3).
  ...(Object.keys(ROUTINE_MISUSES) as RoutineMisuse[]).filter((m) => m !== 'kfree-after-uninit')
    .map((m) => ({ devices: 2, ids: 2, faults: true, code: routineCode(m) })),
];

describe('Spin\'s multicore search on the generated world (issue 17 item 2)', () => {
  it('a model made for it (no hidden variables, its scratch 0 between steps) has the same states and violations on two cores', () => {
    expect(tools, 'apt-get install -y spin').toEqual([]);
    const input = { devices: 2, idaRange: { min: 0, max: 1 }, faults: true };
    const model = worldPromela(input, ANY_CALL, { multicore: true });
    expect(model.text).not.toMatch(/^hidden /m);
    expect(() => runSpin(worldPromela(input), { cores: 2 })).toThrow(/multicore: true/);
    const spin = runSpin(model, { optimize: '-O0', hashBits: 20, depth: 100_000, cores: 2 });
    const ours = exploreWorld(input, { symmetry: false });
    expect(spin.states).toBe(ours.states);
    expect(spin.codes).toEqual([...new Set(ours.violations.map((v) => v.code))].sort());
    expect(spin.trail?.events.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('Spin on the generated world', () => {
  it('has spin and gcc on PATH', () => {
    expect(tools, `not on PATH: ${tools.join(', ')}; install them with \`apt-get install -y spin gcc\``).toEqual([]);
  });

  for (const w of worlds) {
    it(`K=${w.devices} M=${w.ids} faults ${w.faults ? 'on' : 'off'}, ${w.code.name}${w.deferredRelease ? ', release deferred' : ''}${w.calls ? `, release calls ${w.calls}` : ''}${w.drivers ? `, drivers ${w.drivers.join(',')}` : ''}: same states and violations as exploreWorld`, () => {
      expect(tools, 'apt-get install -y spin').toEqual([]);
      const input = {
        devices: w.devices, idaRange: { min: 0, max: w.ids - 1 }, faults: w.faults, deferredRelease: w.deferredRelease ?? false,
        ...(w.calls ? { release: { calls: w.calls } } : {}), drivers: (w.drivers ?? []).map((probe) => ({ probe })),
      };
      const model = worldPromela(input, w.code);
      if (w.devices === 4) expect(model.text).toMatch(/IDA_FREE_NEXT_0/);
      const spin = runSpin(model, { optimize: '-O0', hashBits: w.hashBits ?? 20, depth: 100_000 });
      const ours = exploreWorld(input, { symmetry: false }, w.code);
      expect(spin.states).toBe(ours.states);
      expect(model.exploredStates).toBe(ours.states);
      expect(spin.codes).toEqual([...new Set(ours.violations.map((v) => v.code))].sort());
      expect(spin.codes).not.toContain('untabled-step');
      if (ours.violations.length === 0) {
        expect(spin.trail).toBeUndefined();
        return;
      }
      // Spin's first counterexample, replayed in our world step, ends in the violation it names.
      expect(spin.trail).toBeDefined();
      const { code, events } = spin.trail!;
      let state = initialWorldState(XSTATE_COMPONENTS, model.params);
      let findings: WorldFinding[] = [];
      for (const e of events) ({ state, findings } = stepWorld(XSTATE_COMPONENTS, model.params, state, e));
      expect(events.length).toBeGreaterThan(0);
      expect(findings.map((f) => f.code)).toContain(code);
    }, 120_000);
  }
});
