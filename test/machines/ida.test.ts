import { describe, expect, it } from 'vitest';
import { createTestModel, getShortestPaths } from 'xstate/graph';
import { idaIsEmpty, idaMachine, lowestFree, ParameterError, VIOLATIONS, VIOLATION_CODES, type IdaEvent } from '../../machines/index.js';
import { initialTransition } from 'xstate';
import { compileMachine } from '../../src/model/compile.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, transitionsTaken, violationsAlong } from '../../src/paths/coverage.js';
import { idaTraversal } from '../../src/paths/traversal.js';
import { drive } from '../support/drive.js';

const alloc = (min: number, max: number, owner = 0, fault = false): IdaEvent => ({ type: 'ALLOC', min, max, owner, fault });
const free = (id: number, owner = 0): IdaEvent => ({ type: 'FREE', id, owner });
const run = (events: IdaEvent[], capacity = 8) => drive(idaMachine, events, { capacity });

describe('IDA machine input (§4: ids are 0..INT_MAX)', () => {
  it('a capacity that is not an integer from 1 to INT_MAX + 1 is a ParameterError naming it (XState puts it in an error snapshot; the compiled table throws it)', () => {
    for (const capacity of [0, -1, 1.5, '4', 2 ** 31 + 1, Number.NaN]) {
      const [snapshot] = initialTransition(idaMachine, { capacity: capacity as number });
      expect(snapshot.status).toBe('error');
      expect(snapshot.error).toBeInstanceOf(ParameterError);
      expect(String((snapshot.error as Error).message)).toMatch(/ida capacity/);
      expect(() => compileMachine(idaMachine).initial({ capacity })).toThrow(ParameterError);
    }
    expect(initialTransition(idaMachine, { capacity: 2 ** 31 })[0].context.capacity).toBe(2 ** 31);
    expect(initialTransition(idaMachine, {})[0].context.capacity).toBe(2 ** 31);
  });
});

describe('IDA machine: kernel facts (§4)', () => {
  it('§4 ida_alloc_range returns the lowest free id and reuses a freed id before any higher one', () => {
    const r = run([alloc(0, 7), alloc(0, 7), alloc(0, 7), free(1), alloc(0, 7)]);
    expect(r.steps.map((s) => s.returned)).toEqual([0, 1, 2, undefined, 1]);
    expect(r.final.context.ids).toEqual([0, 1, 2]);
  });

  it('§4 the range is inclusive of both ends, and the lowest free id is ≥ min', () => {
    const r = run([alloc(3, 4), alloc(3, 4), alloc(3, 4)]);
    expect(r.steps.map((s) => s.returned)).toEqual([3, 4, -28]);
  });

  it('§4 a full range gives -ENOSPC (28) and changes nothing', () => {
    const r = run([alloc(0, 0), alloc(0, 0)]);
    expect(r.last.returned).toBe(-28);
    expect(r.final.context.ids).toEqual([0]);
  });

  it('§4 min > max and a negative min both give -ENOSPC', () => {
    expect(run([alloc(2, 1)]).last.returned).toBe(-28);
    expect(run([alloc(-1, 3)]).last.returned).toBe(-28);
  });

  it('§4 a max beyond the id space is clamped to it (the kernel clamps to INT_MAX)', () => {
    expect(lowestFree({ capacity: 2, ids: [0], owners: [0] }, 0, 1000)).toBe(1);
    expect(lowestFree({ capacity: 2, ids: [0, 1], owners: [0, 0] }, 0, -1)).toBe(-1);
    expect(run([alloc(0, -1)], 4).last.returned).toBe(0);
  });

  it('§4 an allocation failure returns -ENOMEM (12)', () => {
    const r = run([alloc(0, 7, 0, true)]);
    expect(r.last.returned).toBe(-12);
    expect(idaIsEmpty(r.final.context)).toBe(true);
  });

  it('B4 (§4): ida_free of an id that is not allocated WARNs: ida-double-free, nothing changes', () => {
    const r = run([alloc(0, 7), free(0), free(0)]);
    expect(r.last.violations).toEqual(['ida-double-free']);
    const other = run([alloc(0, 7), free(5)]);
    expect(other.last.violations).toEqual(['ida-double-free']);
    expect(other.final.context.ids).toEqual([0]);
  });

  it('B4 (model.md §3): a stale free of an id re-allocated to someone else is ida-free-reallocated and frees their id', () => {
    const r = run([alloc(0, 7, 0), free(0, 0), alloc(0, 7, 1), free(0, 0)]);
    expect(r.steps[2]!.returned).toBe(0);
    expect(r.last.violations).toEqual(['ida-free-reallocated']);
    expect(idaIsEmpty(r.final.context)).toBe(true);
    // The stale free took the last id: the IDA is empty in state as well as in context.
    expect(r.final.matches('empty')).toBe(true);
  });

  it('model.md §4.4: an id set on a device is claimed by it; a free by its old holder is then a stale free', () => {
    // Owner 0 is the code that allocated the id; device 7's id field is set from it.
    const r = run([alloc(0, 7, 0), { type: 'CLAIM', id: 0, owner: 7 }, free(0, 7)]);
    expect(r.steps[1]!.state.context.owners).toEqual([7]);
    expect(r.last.violations).toEqual([]);
    // A device's id is not taken over by another device's claim: only the code's ids are claimable.
    const taken = run([alloc(0, 7, 0), { type: 'CLAIM', id: 0, owner: 7 }, { type: 'CLAIM', id: 0, owner: 8 }]);
    expect(taken.final.context.owners).toEqual([7]);
    expect(run([alloc(0, 7, 0), { type: 'CLAIM', id: 0, owner: 7 }, free(0, 8)]).last.violations).toEqual(['ida-free-reallocated']);
  });

  it('§4 (newest lib/idr.c): ida_free of a negative id returns silently', () => {
    const r = run([alloc(0, 7), free(-1)]);
    expect(r.last.violations).toEqual([]);
    expect(r.final.context.ids).toEqual([0]);
  });

  it('§4 ida_destroy drops every id without a WARN; the IDA is reusable and ida_is_empty is true', () => {
    const r = run([alloc(0, 7), alloc(0, 7), { type: 'DESTROY' }, alloc(0, 7)]);
    expect(r.steps[2]!.violations).toEqual([]);
    expect(idaIsEmpty(r.steps[2]!.state.context)).toBe(true);
    expect(r.last.returned).toBe(0);
  });

  it('B5 / model.md §4.3: ids still allocated at the end are id-leak unless their owner is excused', () => {
    const r = run([alloc(0, 7, 0), alloc(0, 7, 1), { type: 'END', excused: [1] }]);
    expect(r.last.violations).toEqual(['id-leak']);
    expect(run([alloc(0, 7, 0), { type: 'END', excused: [0] }]).last.violations).toEqual([]);
    expect(run([alloc(0, 7), free(0), { type: 'END', excused: [] }]).last.violations).toEqual([]);
  });
});

describe('IDA machine: xstate/graph coverage', () => {
  const traversal = idaTraversal({ capacity: 2, owners: 2 });

  it('shortest paths reach every state node', () => {
    const visited = statesVisited(getShortestPaths(idaMachine, traversal));
    expect(allStateNodes(idaMachine).map((n) => n.id).filter((id) => !visited.has(id))).toEqual([]);
  });

  const model = createTestModel(idaMachine, {
    ...traversal,
    serializeTransition: (_s, event, prev) => (event ? ` via ${JSON.stringify(event)} from ${JSON.stringify([prev?.value, prev?.context])}` : ''),
  });
  const paths = model.getShortestPaths();

  it('transition-keyed paths take every transition', () => {
    const taken = transitionsTaken(idaMachine, paths);
    expect(allTransitions(idaMachine).filter((t) => !taken.has(t)).map(transitionId)).toEqual([]);
  });

  const codes = VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine === 'ida');
  it.each(codes.map((c) => [`${c} (${VIOLATIONS[c].bugClass})`, c] as const))('a generated path reaches %s', (_, code) => {
    const witness = paths.find((p) => violationsAlong(idaMachine, p).some((v) => v.includes(code)));
    expect(witness, `no generated path raises ${code}`).toBeDefined();
  });
});
