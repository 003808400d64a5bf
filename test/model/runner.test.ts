/**
 * The generated step (`generateRunner`) must be the compiled table's step written out: from every
 * leaf the machine's paths reach, on every event they send, the same transition (leaf, taken or
 * not) and the same effects with the same params, the `first` group carried out ahead of the
 * rest, each group in the machine's order. And what the runtime relies on: the leaf is set before
 * any effect runs, params are computed before any effect runs, bad handlers are refused.
 */
import { describe, expect, it } from 'vitest';
import { createTestModel } from 'xstate/graph';
import {
  deviceMachine, driverMachine, idaMachine, memoryMachine, ParameterError,
  type IdaContext, type IdaEvent,
} from '../../machines/index.js';
import { compileMachine, type CompiledMachine } from '../../src/model/compile.js';
import { generateRunner, type EffectHandler, type RunnerHost } from '../../src/model/runner.js';
import { driverTraversal, idaMachinePath, idaTestModel, memoryTraversal } from '../../src/paths/traversal.js';

/** Transition-keyed paths (one per transition, not per state), as the compiled table's own test uses. */
const keyed = (_s: unknown, event: unknown, prev: { value?: unknown; context?: unknown } | undefined) =>
  event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : '';

/** A host that records every effect carried out, with its params. */
interface Recorder extends RunnerHost { done: Array<{ type: string; params: unknown }> }

function recordingHandlers(types: Iterable<string>): Record<string, EffectHandler<Recorder, { type: string }>> {
  return Object.fromEntries([...types].map((type) => [type, (host: Recorder, params: unknown) => { host.done.push({ type, params }); }]));
}

/** Every effect type a compiled machine names. */
function effectTypes(table: CompiledMachine<object, { type: string }>): Set<string> {
  const types = new Set<string>();
  table.leaves.forEach((_, leaf) => {
    for (const list of table.transitionsOf(leaf).values()) for (const t of list) for (const e of t.effects) types.add(e.type);
  });
  return types;
}

/**
 * Replays `paths` through the table and, from the same state before each step, through the
 * generated step (`run` and `run.on[type]`): same leaf, taken when the table selects a
 * transition, same effects in the order `first` asks for.
 */
function agreesWithTable(
  table: CompiledMachine<object, { type: string }>,
  paths: ReadonlyArray<{ steps: ReadonlyArray<{ event: unknown }> }>,
  first: readonly string[],
  input?: unknown,
): number {
  const run = generateRunner<object, { type: string }, Recorder>(table, { handlers: recordingHandlers(effectTypes(table)), first });
  let steps = 0;
  for (const path of paths) {
    let state = table.initial(input);
    for (const { event } of path.steps.slice(1)) {
      const e = event as { type: string };
      const selected = table.selected(state, e) !== undefined;
      const next = table.advance(state, e);
      const effects = table.effects.map((x) => ({ type: x.type, params: x.params }));
      const expected = [...effects.filter((x) => first.includes(x.type)), ...effects.filter((x) => !first.includes(x.type))];
      for (const step of [run, run.on[e.type as never] as typeof run | undefined]) {
        const host: Recorder = { leaf: state.leaf, done: [] };
        const taken = step === undefined ? false : step(host, state.context, e);
        expect(taken, `${table.leaves[state.leaf]!.id} ${JSON.stringify(e)}`).toBe(selected);
        expect(host.leaf).toBe(next.leaf);
        expect(host.done).toEqual(expected);
      }
      state = next;
      steps++;
    }
  }
  return steps;
}

describe('generated step (generateRunner)', () => {
  it('agrees with the compiled table on every transition-keyed path of the IDA machine (computed params: the id an ALLOC returns; set effects first)', () => {
    const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const paths = idaTestModel({ capacity: 3, owners: 2 }).getShortestPaths().map(idaMachinePath);
    expect(agreesWithTable(table as never, paths, ['markAllocated', 'clearId', 'setOwner', 'clearAll'])).toBeGreaterThan(200);
  });

  it('agrees with the compiled table on the driver and memory machines (no context updates), in the machine\'s own order', () => {
    for (const [machine, traversal, least] of [[driverMachine, driverTraversal(), 10], [memoryMachine, memoryTraversal(), 5]] as const) {
      const paths = createTestModel(machine, { ...(traversal as object), serializeTransition: keyed } as never).getShortestPaths();
      const steps = agreesWithTable(compileMachine(machine) as never, paths, [], (traversal as { input?: unknown }).input);
      expect(steps, machine.id).toBeGreaterThan(least);
    }
  });

  it('sets the leaf before any effect runs, and carries out the first group before an effect that throws (§5 B4: a stale free of the last id in strict mode)', () => {
    const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const inUse = table.leafOf('ida.inUse');
    const empty = table.leafOf('ida.empty');
    const seen: string[] = [];
    const run = generateRunner<IdaContext, IdaEvent, RunnerHost>(table, {
      first: ['clearId'],
      handlers: {
        ...recordingHandlers([]),
        markAllocated: () => {},
        setOwner: () => {},
        clearAll: () => {},
        returns: () => {},
        kernelLog: () => {},
        clearId: (host) => { seen.push(`clearId at ${host.leaf}`); },
        violation: (host, params) => {
          seen.push(`violation at ${host.leaf}`);
          throw new Error((params as { code: string }).code);
        },
      },
    });
    const host: RunnerHost = { leaf: inUse };
    // Owner 2 frees the only id, which owner 1 holds now: ida-free-reallocated, and the IDA is empty.
    expect(() => run(host, {}, { type: 'FREE', id: 0, owner: 2, holder: 1, last: true })).toThrow('ida-free-reallocated');
    expect(host.leaf).toBe(empty);
    expect(seen).toEqual([`clearId at ${empty}`, `violation at ${empty}`]);
  });

  it('computes every params of a step before carrying out its first effect: a handler that steps the machine again does not change them', () => {
    const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const returned: number[] = [];
    let nested = false;
    const run = generateRunner<IdaContext, IdaEvent, RunnerHost>(table, {
      first: ['markAllocated'],
      handlers: {
        ...Object.fromEntries(['clearId', 'setOwner', 'clearAll', 'violation', 'kernelLog'].map((t) => [t, () => {}])),
        markAllocated: (host) => {
          if (nested) return;
          nested = true;
          // Re-enters the step with another ALLOC before this step's `returns` is carried out.
          run({ leaf: host.leaf }, {}, { type: 'ALLOC', min: 0, max: 9, owner: 0, fault: false, lowest: 7 });
        },
        returns: (_host, params) => { returned.push((params as { value: number }).value); },
      },
    });
    run({ leaf: table.leafOf('ida.empty') }, {}, { type: 'ALLOC', min: 0, max: 9, owner: 0, fault: false, lowest: 3 });
    expect(returned).toEqual([7, 3]);
  });

  it('an event no transition takes changes nothing and returns false; a leaf the machine does not have is a RangeError', () => {
    const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const run = generateRunner<IdaContext, IdaEvent, Recorder>(table, { handlers: recordingHandlers(effectTypes(table as never)) });
    const host: Recorder = { leaf: table.leafOf('ida.empty'), done: [] };
    expect(run(host, {}, { type: 'CLAIM', id: 0, owner: 1, holder: -1 })).toBe(false);
    expect(run(host, {}, { type: 'BOGUS' } as never)).toBe(false);
    expect(host).toEqual({ leaf: table.leafOf('ida.empty'), done: [] });
    expect(() => run({ leaf: 9, done: [] } as Recorder, {}, { type: 'DESTROY' })).toThrow(RangeError);
    expect(() => run.on.FREE!({ leaf: -1, done: [] } as Recorder, {}, { type: 'FREE', id: 0, owner: 0, holder: -1, last: false })).toThrow(/no leaf -1 in machine ida/);
  });

  it('refuses handlers that miss an effect, and a `first` naming an effect the machine does not have', () => {
    // A machine with context updates is generated too (runner-context.test.ts); its handlers are checked alike.
    expect(() => generateRunner(compileMachine(deviceMachine), { handlers: {} })).toThrow(ParameterError);
    expect(() => generateRunner(compileMachine(deviceMachine), { handlers: {} })).toThrow(/missing: .*scheduleRelease/);
    const ida = compileMachine<IdaContext, IdaEvent>(idaMachine);
    const all = recordingHandlers(effectTypes(ida as never));
    const { violation: _dropped, ...withoutViolation } = all;
    expect(() => generateRunner(ida, { handlers: withoutViolation as never })).toThrow(/missing: violation/);
    expect(() => generateRunner(ida, { handlers: { ...all, returns: 'no' } as never })).toThrow(ParameterError);
    expect(() => generateRunner(ida, { handlers: all as never, first: ['clearID'] })).toThrow(/not: clearID/);
    expect(() => generateRunner(ida, { handlers: all as never, first: 'clearId' as never })).toThrow(ParameterError);
    expect(() => generateRunner(ida, null as never)).toThrow(ParameterError);
    expect(() => generateRunner(ida, { handlers: null } as never)).toThrow(ParameterError);
    expect(() => generateRunner({} as never, { handlers: all as never })).toThrow(/a compiled machine/);
    expect(() => ida.transitionsOf(2)).toThrow(ParameterError);
    expect(() => ida.transitionsOf(-1)).toThrow(/from 0 to 1/);
  });
});
