import { describe, expect, it } from 'vitest';
import { initialTransition, setup, transition, type AnyStateMachine } from 'xstate';
import { createTestModel } from 'xstate/graph';
import { deviceMachine, driverMachine, idaMachine, type IdaContext, type IdaEvent } from '../../machines/index.js';
import { tables } from '../../src/runtime/tables.js';
import { compileMachine, UnsupportedMachineError, type Effect } from '../../src/model/compile.js';
import { deviceTraversal, driverTraversal, idaMachinePath, idaTestModel } from '../../src/paths/traversal.js';

const keyed = (_s: unknown, event: unknown, prev: { value?: unknown; context?: unknown } | undefined) =>
  event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : '';

/**
 * The compiled table must agree with XState itself on every transition of every machine: same
 * state, same context, same effects in the same order. This is what lets the runtime and the
 * explorers use the table while the machines stay the only definition.
 */
function agreesWithXState(
  machine: AnyStateMachine,
  traversal: { input?: unknown; events: never; filterEvents?: never },
  paths: ReadonlyArray<{ steps: ReadonlyArray<{ event: unknown }> }> = createTestModel(machine, { ...(traversal as object), serializeTransition: keyed as never }).getShortestPaths(),
) {
  const compiled = compileMachine<object, { type: string }>(machine);
  let steps = 0;
  for (const path of paths) {
    let [xs] = initialTransition(machine, traversal.input as never);
    let cs = compiled.initial(traversal.input);
    for (const { event } of path.steps.slice(1)) {
      const [next, actions] = transition(machine, xs, event as never);
      const effects: Effect[] = [];
      cs = compiled.step(cs, event as { type: string }, effects);
      xs = next;
      expect(compiled.leaves[cs.leaf]!.value).toEqual(xs.value);
      expect(cs.context).toEqual(xs.context);
      expect(effects).toEqual((actions as Array<{ type: string; params?: unknown }>).map((a) => ({ type: a.type, params: a.params })));
      for (const tag of ['live', 'dead', 'onBus', 'bound', 'refcounted', 'freed', 'registered']) {
        expect(compiled.hasTag(cs, tag)).toBe(xs.hasTag(tag as never));
      }
      steps++;
    }
  }
  return steps;
}

describe('compiled transition table', () => {
  it('agrees with XState on every transition-keyed path of the device machine', () => {
    expect(agreesWithXState(deviceMachine, deviceTraversal({ refBound: 2 }) as never)).toBeGreaterThan(1000);
  });
  it('agrees with XState on the device machine without a release callback', () => {
    expect(agreesWithXState(deviceMachine, deviceTraversal({ refBound: 2, hasRelease: false }) as never)).toBeGreaterThan(1000);
  });
  it('agrees with XState on the IDA machine (dynamic params: the allocated id), on the events the IDA model\'s transition-keyed paths became', () => {
    const paths = idaTestModel({ capacity: 2, owners: 2 }).getShortestPaths().map(idaMachinePath);
    expect(agreesWithXState(idaMachine, { events: [] as never }, paths)).toBeGreaterThan(50);
  });
  it('agrees with XState on the driver machine', () => {
    expect(agreesWithXState(driverMachine, driverTraversal() as never)).toBeGreaterThan(10);
  });

  it('a step with computed params (the id an ALLOC returns) hands out a list of its own, which later steps leave as it was', () => {
    const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const alloc = (lowest: number): IdaEvent => ({ type: 'ALLOC', min: 0, max: 9, owner: 0, fault: false, lowest });
    const s1 = table.advance(table.initial(), alloc(0));
    const first = table.effects;
    const stepped: Effect[] = [];
    table.step(s1, alloc(1), stepped);
    expect(table.effects).not.toBe(first);
    expect(first).toEqual([{ type: 'returns', params: { value: 0 } }, { type: 'markAllocated', params: undefined }]);
    expect(stepped[0]!.params).toEqual({ value: 1 });
  });

  it('the runtime\'s IDA table agrees with XState on every transition-keyed IDA path', () => {
    const paths = idaTestModel({ capacity: 3, owners: 2 }).getShortestPaths().map(idaMachinePath);
    const xs0 = initialTransition(idaMachine)[0];
    let steps = 0;
    for (const path of paths) {
      let xs = xs0;
      let cs = tables.ida.initial();
      for (const { event } of path.steps.slice(1)) {
        const [next, actions] = transition(idaMachine, xs, event as IdaEvent);
        cs = tables.ida.advance(cs, event as IdaEvent);
        expect(tables.ida.leaves[cs.leaf]!.value).toEqual(next.value);
        expect(tables.ida.effects).toEqual((actions as Array<{ type: string; params?: unknown }>).map((a) => ({ type: a.type, params: a.params })));
        xs = next;
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(200);
  });

  it('refuses definitions it cannot interpret faithfully', () => {
    const withEntry = setup({}).createMachine({ initial: 'a', states: { a: { entry: () => {} } } });
    expect(() => compileMachine(withEntry)).toThrow(UnsupportedMachineError);
    const parallel = setup({}).createMachine({ type: 'parallel', states: { a: {}, b: {} } });
    expect(() => compileMachine(parallel)).toThrow(/parallel/);
  });
});
