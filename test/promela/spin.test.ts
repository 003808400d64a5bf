import { describe, expect, it } from 'vitest';
import { initialWorldState, stepWorld, XSTATE_COMPONENTS, type WorldFinding } from '../../machines/index.js';
import { exploreWorld } from '../../src/explore/world/index.js';
import { onPath, runSpin, worldPromela } from '../../src/promela/index.js';

/**
 * The generated Promela, run by Spin exhaustively (no partial-order reduction), agrees with our
 * explorer: the same reachable state count and the same violation codes, and a Spin
 * counterexample replays in our world step to the violation it names.
 */

const tools = ['spin', 'gcc'].filter((t) => !onPath(t));

const worlds = [
  { devices: 1, ids: 1, faults: false },
  { devices: 1, ids: 2, faults: false },
  { devices: 1, ids: 1, faults: true },
  { devices: 1, ids: 2, faults: true },
  { devices: 2, ids: 1, faults: false },
  { devices: 2, ids: 2, faults: false },
  { devices: 2, ids: 1, faults: true },
  { devices: 2, ids: 2, faults: true },
];

describe('Spin on the generated world', () => {
  it('has spin and gcc on PATH', () => {
    expect(tools, `not on PATH: ${tools.join(', ')}; install them with \`apt-get install -y spin gcc\``).toEqual([]);
  });

  for (const w of worlds) {
    it(`K=${w.devices} M=${w.ids} faults ${w.faults ? 'on' : 'off'}: same states and violations as exploreWorld`, () => {
      expect(tools, 'apt-get install -y spin').toEqual([]);
      const input = { devices: w.devices, idaRange: { min: 0, max: w.ids - 1 }, faults: w.faults };
      const model = worldPromela(input);
      const spin = runSpin(model);
      const ours = exploreWorld(input, { symmetry: false });
      expect(spin.states).toBe(ours.states);
      expect(model.exploredStates).toBe(ours.states);
      expect(spin.codes).toEqual([...new Set(ours.violations.map((v) => v.code))].sort());
      expect(spin.codes).not.toContain('untabled-step');
      // Spin's first counterexample, replayed in our world step, ends in the violation it names.
      expect(spin.trail).toBeDefined();
      const { code, events } = spin.trail!;
      let state = initialWorldState(XSTATE_COMPONENTS, model.params);
      let findings: WorldFinding[] = [];
      for (const e of events) ({ state, findings } = stepWorld(XSTATE_COMPONENTS, model.params, state, e));
      expect(events.length).toBeGreaterThan(0);
      expect(findings.map((f) => f.code)).toContain(code);
    }, 60_000);
  }
});
