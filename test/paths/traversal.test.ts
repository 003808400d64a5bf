/**
 * Traversal options for xstate/graph: bad options are refused like bad world params
 * (ParameterError naming the option), and the bounds they promise hold on the generated paths.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { deviceMachine, idaMachine, idaModel, ParameterError, type IdaEvent } from '../../machines/index.js';
import { deviceTraversal, idaMachinePath, idaTestModel, idaTraversal } from '../../src/paths/traversal.js';

function expectParameterError(fn: () => unknown, parameter: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ParameterError);
  const err = caught as ParameterError;
  expect(err.parameter).toBe(parameter);
  expect(err.message.startsWith(`${parameter}:`)).toBe(true);
  expect(err.message).toContain(`expected ${err.expected}`);
}

const badDevice: Array<[string, Record<string, unknown>, string]> = [
  ['refBound 0', { refBound: 0 }, 'refBound'],
  ['a negative refBound', { refBound: -1 }, 'refBound'],
  ['refBound above 4', { refBound: 5 }, 'refBound'],
  ['a non-integer refBound', { refBound: 2.5 }, 'refBound'],
  ['a NaN refBound', { refBound: Number.NaN }, 'refBound'],
  ['a string refBound', { refBound: '2' }, 'refBound'],
  ['hasRelease not a boolean', { hasRelease: 'yes' }, 'hasRelease'],
  ['hasRelease as 0', { hasRelease: 0 }, 'hasRelease'],
  ['devm not a boolean', { devm: 'yes' }, 'devm'],
];

const badIda: Array<[string, Record<string, unknown>, string]> = [
  ['capacity 0', { capacity: 0 }, 'capacity'],
  ['a negative capacity', { capacity: -2 }, 'capacity'],
  ['capacity above 4', { capacity: 5 }, 'capacity'],
  ['a non-integer capacity', { capacity: 1.5 }, 'capacity'],
  ['a NaN capacity', { capacity: Number.NaN }, 'capacity'],
  ['owners 0', { owners: 0 }, 'owners'],
  ['owners above 3', { owners: 4 }, 'owners'],
  ['a string owner count', { owners: '2' }, 'owners'],
];

describe('traversal options refuse bad input with a ParameterError and leave it unchanged', () => {
  for (const [what, options, parameter] of badDevice) {
    it(`deviceTraversal refuses ${what}`, () => {
      const before = structuredClone(options);
      expectParameterError(() => deviceTraversal(Object.freeze(options) as never), parameter);
      expect(options).toEqual(before);
    });
  }
  for (const [what, options, parameter] of badIda) {
    it(`idaTraversal refuses ${what}`, () => {
      const before = structuredClone(options);
      expectParameterError(() => idaTraversal(Object.freeze(options) as never), parameter);
      expect(options).toEqual(before);
    });
  }
});

describe('traversal bounds hold on generated paths', () => {
  for (const refBound of [1, 2, 3, 4]) {
    it(`§3.2: the device traversal with refBound ${refBound} never holds more than ${refBound} caller references, and reaches ${refBound}`, () => {
      for (const hasRelease of [true, false]) {
        const paths = getShortestPaths(deviceMachine, deviceTraversal({ refBound, hasRelease }));
        let most = 0;
        for (const path of paths) {
          // Every path starts from the input's device: dev.release filled in (or not) before init.
          expect(path.steps[0]!.state.context.hasRelease).toBe(hasRelease);
          for (const step of path.steps) {
            expect(step.state.context.refs).toBeLessThanOrEqual(refBound);
            most = Math.max(most, step.state.context.refs);
          }
        }
        expect(most).toBe(refBound);
      }
    });
  }

  it('the device traversal filters GET only, and only once the caller holds refBound references', () => {
    const opts = deviceTraversal({ refBound: 2 });
    const alphabet = opts.events();
    let [state] = initialTransition(deviceMachine, opts.input);
    const offered = () => alphabet.filter((e) => opts.filterEvents(state, e)).map((e) => JSON.stringify(e));
    const all = alphabet.map((e) => JSON.stringify(e));
    expect(offered()).toEqual(all);
    for (const e of [{ type: 'INIT', parent: true, name: true }, { type: 'GET' }] as const) {
      state = transition(deviceMachine, state, e)[0];
      expect(offered()).toEqual(all.filter((x) => state.context.refs < 2 || x !== JSON.stringify({ type: 'GET' })));
    }
    expect(state.context.refs).toBe(2);
    expect(offered()).not.toContain(JSON.stringify({ type: 'GET' }));
    expect(offered()).toHaveLength(all.length - 1);
  });

  it('idaMachinePath: on shortest and transition-keyed paths, each machine event replays on the IDA machine alone to the step\'s state, and a successful ALLOC\'s lowest is the id the set gains', () => {
    const shortest = getShortestPaths(idaModel, idaTraversal({ capacity: 2, owners: 2 }));
    const keyed = idaTestModel({ capacity: 2, owners: 2 }).getShortestPaths();
    let allocs = 0;
    for (const path of [...shortest, ...keyed]) {
      const machinePath = idaMachinePath(path);
      let [snap] = initialTransition(idaMachine);
      for (let k = 1; k < path.steps.length; k++) {
        const event = machinePath.steps[k]!.event as IdaEvent;
        const [next, actions] = transition(idaMachine, snap, event);
        expect(next.value).toEqual(path.steps[k]!.state.context.machine.value);
        const before = path.steps[k - 1]!.state.context.set;
        const after = path.steps[k]!.state.context.set;
        const returned = (actions.find((a) => a.type === 'returns')?.params as { value: number } | undefined)?.value;
        if (event.type === 'ALLOC' && returned !== undefined && returned >= 0) {
          allocs++;
          expect(returned).toBe(event.lowest);
          expect(after.ids.filter((id) => !before.ids.includes(id))).toEqual([event.lowest]);
        }
        snap = next;
      }
    }
    expect(allocs).toBeGreaterThan(10);
    expect(() => idaMachinePath({} as never)).toThrow(ParameterError);
  });

  it('§4: the IDA traversal with capacity M only hands out ids 0..M-1 and reaches a full IDA', () => {
    for (const capacity of [1, 2, 3]) {
      const paths = getShortestPaths(idaModel, idaTraversal({ capacity, owners: 2 }));
      let fullest = 0;
      for (const path of paths) {
        for (const step of path.steps) {
          expect(step.state.context.set.capacity).toBe(capacity);
          for (const id of step.state.context.set.ids) {
            expect(id).toBeGreaterThanOrEqual(0);
            expect(id).toBeLessThan(capacity);
          }
          fullest = Math.max(fullest, step.state.context.set.size);
          // The machine's state is ida_is_empty() of the set it decided about.
          expect(step.state.context.machine.value).toBe(step.state.context.set.size === 0 ? 'empty' : 'inUse');
        }
      }
      expect(fullest).toBe(capacity);
    }
  });
});
