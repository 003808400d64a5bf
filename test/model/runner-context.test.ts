/**
 * The generated step of a machine with context updates (the device's, which the runtime's
 * `AuxDevice` steps) must be the compiled table's step written out: from every state the machine
 * reaches (leaf and context, every input, counts up to a bound), on every event it tells apart,
 * the same transition taken or not, the same leaf, the same new context (a new object: the old
 * one never changes; the same object when nothing updates it), the same effects with the same
 * params in the same order, and `entered` exactly when the leaf changes, after the `first` group.
 */
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { deviceEventAlphabet, deviceMachine, ParameterError, type DeviceContext, type DeviceEvent } from '../../machines/index.js';
import { compileMachine, UnsupportedMachineError, type CompiledState } from '../../src/model/compile.js';
import { generateMerge } from '../../src/model/context-merge.js';
import { generateRunner, type ContextHost } from '../../src/model/runner.js';

const table = compileMachine<DeviceContext, DeviceEvent>(deviceMachine);

/** A device host that records every effect carried out and every `entered` call, in order. */
interface Recorder extends ContextHost<DeviceContext> { done: Array<{ type: string; params: unknown }> }

/** Every effect type the device machine names. */
function effectTypes(): string[] {
  const types = new Set<string>();
  table.leaves.forEach((_, leaf) => {
    for (const list of table.transitionsOf(leaf).values()) for (const t of list) for (const e of t.effects) types.add(e.type);
  });
  return [...types];
}

function recordingRunner(first: readonly string[]) {
  const handlers = Object.fromEntries(effectTypes().map((type) => [type, (host: Recorder, params: unknown) => { host.done.push({ type, params }); }]));
  return generateRunner<DeviceContext, DeviceEvent, Recorder>(table, {
    handlers,
    first,
    entered: (host, leaf) => { host.done.push({ type: 'entered', params: leaf }); },
  });
}

/** Counts above this are not stepped further (GET raises them without end). */
const REF_BOUND = 3;

/**
 * Every state the compiled table reaches from each input on the device's event alphabet (a GET
 * only while the caller holds fewer than REF_BOUND references), breadth first.
 */
function reachable(): Array<CompiledState<DeviceContext>> {
  const seen = new Map<string, CompiledState<DeviceContext>>();
  const queue: Array<CompiledState<DeviceContext>> = [];
  for (const hasRelease of [true, false]) {
    for (const devm of [true, false]) {
      const s = table.initial({ hasRelease, devm });
      const key = `${s.leaf}|${JSON.stringify(s.context)}`;
      if (!seen.has(key)) { seen.set(key, s); queue.push(s); }
    }
  }
  while (queue.length > 0) {
    const s = queue.shift()!;
    for (const e of deviceEventAlphabet) {
      if (e.type === 'GET' && s.context.refs >= REF_BOUND) continue;
      const next = table.advance(s, e);
      const key = `${next.leaf}|${JSON.stringify(next.context)}`;
      if (!seen.has(key)) { seen.set(key, next); queue.push(next); }
    }
  }
  return [...seen.values()];
}

const states = reachable();

describe('generated step of a machine with context updates (the device)', () => {
  for (const first of [[], ['violation', 'returns']] as const) {
    it(`agrees with the compiled table on every (reachable state, event) of the device machine, first: [${first.join(', ')}]`, () => {
      const run = recordingRunner(first);
      const taken = new Set<unknown>();
      let steps = 0;
      for (const state of states) {
        for (const e of deviceEventAlphabet) {
          const before = JSON.stringify(state.context);
          const selected = table.selected(state, e);
          const next = table.advance(state, e);
          const effects = table.effects.map((x) => ({ type: x.type, params: x.params }));
          const entered = next.leaf !== state.leaf ? [{ type: 'entered', params: next.leaf }] : [];
          const expected = [...effects.filter((x) => first.includes(x.type as never)), ...entered, ...effects.filter((x) => !first.includes(x.type as never))];
          for (const step of [run, run.on[e.type]!]) {
            const host: Recorder = { leaf: state.leaf, context: state.context, done: [] };
            const where = `${table.leaves[state.leaf]!.id} ${before} ${JSON.stringify(e)}`;
            expect(step(host, host.context, e), where).toBe(selected !== undefined);
            expect(host.leaf, where).toBe(next.leaf);
            expect(host.context, where).toEqual(next.context);
            // Updated: a new object, the old one as it was; not updated: the same object.
            if (next.context === state.context) expect(host.context, where).toBe(state.context);
            else expect(host.context, where).not.toBe(state.context);
            expect(JSON.stringify(state.context), where).toBe(before);
            expect(host.done, where).toEqual(expected);
          }
          if (selected !== undefined) taken.add(selected);
          steps++;
        }
      }
      // The walk is the whole machine: every transition of its definition was taken somewhere.
      const all = new Set(table.leaves.flatMap((_, leaf) => [...table.transitionsOf(leaf).values()].flatMap((list) => list.map((t) => t.definition))));
      expect([...all].filter((d) => !taken.has(d)).map((d) => `${d.source.id}:${d.eventType}`)).toEqual([]);
      expect(states.length).toBeGreaterThan(40);
      expect(steps).toBe(states.length * deviceEventAlphabet.length);
    });
  }

  it('applies the updates of a step in order, each seeing the context the one before made, and passes the new context to the effects', () => {
    // An uninit that drops the last reference with a release callback: dropRef (refs 0, put), then scheduleRelease.
    const init = table.advance(table.initial({ hasRelease: true }), { type: 'INIT', parent: true, name: true });
    const seen: DeviceContext[] = [];
    const handlers = Object.fromEntries(effectTypes().map((type) => [type, () => {}]));
    const run = generateRunner<DeviceContext, DeviceEvent, ContextHost<DeviceContext>>(table, {
      handlers: { ...handlers, scheduleRelease: (host) => { seen.push(host.context); } },
    });
    const host = { leaf: init.leaf, context: init.context };
    expect(run(host, host.context, { type: 'UNINIT' })).toBe(true);
    expect(table.leaves[host.leaf]!.id).toBe('device.dead.pending');
    expect(host.context).toEqual({ ...init.context, refs: 0, put: true });
    expect(seen).toEqual([host.context]);
    expect(init.context.refs).toBe(1);
  });

  it('refuses an `entered` that is not a function, and handlers that miss one of the device\'s effects', () => {
    const handlers = Object.fromEntries(effectTypes().map((type) => [type, () => {}]));
    expect(() => generateRunner(table, { handlers, entered: 'settle' as never })).toThrow(ParameterError);
    const { scheduleRelease: _dropped, ...withoutSchedule } = handlers;
    expect(() => generateRunner(table, { handlers: withoutSchedule })).toThrow(/missing: scheduleRelease/);
  });

  it('refuses, with a typed error at the step, an update naming a field the initial context does not have (the spread would add it)', () => {
    const grows = setup({
      types: { context: {} as { a: number; b?: number }, events: {} as { type: 'GO' } | { type: 'GROW' } },
      actions: { bump: assign(({ context }) => ({ a: context.a + 1 })), grow: assign(() => ({ b: 1 })) },
    }).createMachine({ id: 'grows', context: { a: 0 }, on: { GO: { actions: 'bump' }, GROW: { actions: 'grow' } } });
    const t = compileMachine<{ a: number; b?: number }, { type: 'GO' } | { type: 'GROW' }>(grows);
    const run = generateRunner(t, { handlers: {} });
    const host = { ...t.initial() };
    expect(run(host, host.context, { type: 'GO' })).toBe(true);
    expect(host.context).toEqual({ a: 1 });
    expect(t.advance(host, { type: 'GROW' }).context).toEqual({ a: 1, b: 1 });
    expect(() => run(host, host.context, { type: 'GROW' })).toThrow(UnsupportedMachineError);
    expect(() => run(host, host.context, { type: 'GROW' })).toThrow(/names 'b'/);
    expect(host.context).toEqual({ a: 1 });
  });

  it('merges an update into a context of the given fields as the spread does, and refuses a field list that is not one', () => {
    const merge = generateMerge<{ x: number; y: string }>('m', ['x', 'y']);
    const before = { x: 1, y: 'a' };
    const after = merge(before, { y: 'b' });
    expect(after).toEqual({ x: 1, y: 'b' });
    expect(Object.keys(after)).toEqual(['x', 'y']);
    expect(before).toEqual({ x: 1, y: 'a' });
    expect(merge(before, {})).not.toBe(before);
    expect(() => generateMerge('m', ['x', 'x'])).toThrow(ParameterError);
    expect(() => generateMerge('m', 'xy' as never)).toThrow(ParameterError);
    expect(() => generateMerge('m', [1] as never)).toThrow(ParameterError);
  });
});
