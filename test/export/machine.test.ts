import { describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate';
import { machineEntry, MACHINE_NAMES } from '../../src/catalog.js';
import { UsageError } from '../../src/errors.js';
import { machineConfig } from '../../src/export/machine.js';
import { auxbus } from '../cli/run.js';

/**
 * Machines as data: the exported JSON config, given to XState's own createMachine, has the same
 * states and the same transitions (event, guard, targets, in order) as the machine in machines/.
 */

/** A state and every state below it. */
const nodes = (n: AnyStateNode): AnyStateNode[] => [n, ...Object.values(n.states).flatMap(nodes)];
const ids = (m: AnyStateMachine) => nodes(m.root).map((n) => n.id).sort();

/** Every state's transitions as plain data: state id → event → [guard, targets][]. */
function shape(machine: AnyStateMachine): Record<string, Record<string, Array<[string | null, string[]]>>> {
  const out: Record<string, Record<string, Array<[string | null, string[]]>>> = {};
  for (const node of nodes(machine.root)) {
    const id = node.id;
    const on: Record<string, Array<[string | null, string[]]>> = {};
    for (const [event, list] of node.transitions) {
      on[event] = list.map((t) => [typeof t.guard === 'string' ? t.guard : ((t.guard as { type?: string } | undefined)?.type ?? null), (t.target ?? []).map((s) => s.id)]);
    }
    out[id] = on;
  }
  return out;
}

describe('machineConfig', () => {
  for (const name of MACHINE_NAMES) {
    it(`${name}: createMachine(JSON of the config) has the same states and transitions`, () => {
      const config = JSON.parse(JSON.stringify(machineConfig(name))) as Parameters<typeof createMachine>[0];
      const rebuilt = createMachine(config);
      const original = machineEntry(name).machine;
      expect(ids(rebuilt)).toEqual(ids(original));
      expect(shape(rebuilt)).toEqual(shape(original));
      expect(Object.keys(shape(original)).length).toBeGreaterThan(2);
      expect(Object.values(shape(original)).some((on) => Object.keys(on).length > 0)).toBe(true);
    });
  }

  it('the world has no config and says why; an unknown name is refused', () => {
    expect(() => machineConfig('world')).toThrow(UsageError);
    expect(() => machineConfig('world')).toThrow(/function over the device, ida, driver, memory machines/);
    expect(() => machineConfig('bus')).toThrow(/device, ida, driver, memory/);
  });
});

describe('auxbus export', () => {
  it('--machine device --format json prints the config createMachine accepts; --machine world exits 2', () => {
    const r = auxbus(['export', '--machine', 'device', '--format', 'json']);
    expect(r.code).toBe(0);
    const rebuilt = createMachine(JSON.parse(r.stdout) as Parameters<typeof createMachine>[0]);
    expect(shape(rebuilt)).toEqual(shape(machineEntry('device').machine));
    const world = auxbus(['export', '--machine', 'world']);
    expect(world.code).toBe(2);
    expect(world.stderr).toMatch(/no statechart config/);
  });
});
