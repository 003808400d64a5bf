import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import {
  applyIdaEffect, CODE_OWNER, idaEvent, idaIsEmpty, idaMachine, idaModel, IdSetStateError, initialIdaComponent, leakedIds, lowestFree,
  NO_HOLDER, ParameterError, SortedIdSet, stepIda, VIOLATIONS, VIOLATION_CODES, xstateIda,
  type IdaCall, type IdaEvent, type IdaModelState,
} from '../../machines/index.js';
import { compileMachine } from '../../src/model/compile.js';
import { allStateNodes, allTransitions, statesVisited, transitionId, transitionsTaken, violationsAlong } from '../../src/paths/coverage.js';
import { idaMachinePath, idaTestModel, idaTraversal } from '../../src/paths/traversal.js';
import { drive } from '../support/drive.js';

const alloc = (min: number, max: number, owner = 0, fault = false): IdaCall => ({ type: 'ALLOC', min, max, owner, fault });
const free = (id: number, owner = 0): IdaCall => ({ type: 'FREE', id, owner });
const claim = (id: number, owner: number): IdaCall => ({ type: 'CLAIM', id, owner });

/** Calls through the IDA component (machine + pure id set) under XState, as the world runs it. */
function run(calls: IdaCall[], capacity = 8) {
  let state: IdaModelState = initialIdaComponent(capacity);
  const steps = calls.map((call) => {
    const r = stepIda(xstateIda, state, call);
    state = r.state;
    const acts = r.effects as Array<{ type: string; params?: { value?: number; code?: string } }>;
    return {
      state,
      event: r.event,
      returned: acts.find((a) => a.type === 'returns')?.params?.value,
      violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code!),
    };
  });
  return { steps, last: steps[steps.length - 1]!, final: state };
}

describe('IDA id set capacity (§4: ids are 0..INT_MAX)', () => {
  it('a capacity that is not an integer from 1 to INT_MAX + 1 is a ParameterError naming it', () => {
    for (const capacity of [0, -1, 1.5, '4', 2 ** 31 + 1, Number.NaN]) {
      expect(() => SortedIdSet.empty(capacity as number)).toThrow(ParameterError);
      expect(() => SortedIdSet.empty(capacity as number)).toThrow(/ida capacity/);
      expect(() => initialIdaComponent(capacity as number)).toThrow(ParameterError);
    }
    expect(SortedIdSet.empty(2 ** 31).capacity).toBe(2 ** 31);
    expect(SortedIdSet.empty().capacity).toBe(2 ** 31);
  });
});

describe('IDA machine: decisions from the facts its events carry', () => {
  const A = (lowest: number, fault = false, owner = 0): IdaEvent => ({ type: 'ALLOC', min: 0, max: 7, owner, fault, lowest });
  const F = (id: number, owner: number, holder: number, last = false): IdaEvent => ({ type: 'FREE', id, owner, holder, last });

  it('the machine holds nothing: its context is empty and its state alone is ida_is_empty()', () => {
    const r = drive(idaMachine, [A(5)]);
    expect(r.final.context).toEqual({});
    expect(r.final.value).toBe('inUse');
    expect(compileMachine(idaMachine).initial().context).toEqual({});
  });

  it('§4 ALLOC hands out the id its event names as lowest, and names markAllocated', () => {
    const r = drive(idaMachine, [A(5), A(6)]);
    expect(r.steps.map((s) => s.returned)).toEqual([5, 6]);
    expect(r.steps.map((s) => s.effects)).toEqual([['markAllocated'], ['markAllocated']]);
  });

  it('§4 no lowest free id: -ENOSPC before any fault is considered (the kernel never gets to allocate); a fault otherwise is -ENOMEM', () => {
    expect(drive(idaMachine, [A(-1, true)]).last.returned).toBe(-28);
    const nomem = drive(idaMachine, [A(0, true)]);
    expect(nomem.last.returned).toBe(-12);
    expect(nomem.last.effects).toEqual([]);
    expect(nomem.final.value).toBe('empty');
  });

  it('§4, B4: FREE of an id held by nobody WARNs ida-double-free and names no change; a negative id is ignored', () => {
    const r = drive(idaMachine, [A(0), F(3, 0, NO_HOLDER)]);
    expect(r.last.violations).toEqual(['ida-double-free']);
    expect(r.last.effects).toEqual([]);
    expect(drive(idaMachine, [A(0), F(-1, 0, NO_HOLDER)]).last).toMatchObject({ violations: [], effects: [] });
  });

  it('B4 (model.md §3): FREE by another owner than the holder is ida-free-reallocated and still clears the id; `last` decides whether the IDA empties', () => {
    const stale = drive(idaMachine, [A(0), F(0, 1, 2, false)]);
    expect(stale.last).toMatchObject({ violations: ['ida-free-reallocated'], effects: ['clearId'] });
    expect(stale.final.value).toBe('inUse');
    const staleLast = drive(idaMachine, [A(0), F(0, 1, 2, true)]);
    expect(staleLast.final.value).toBe('empty');
    const own = drive(idaMachine, [A(0), F(0, 2, 2, true)]);
    expect(own.last).toMatchObject({ violations: [], effects: ['clearId'] });
    expect(own.final.value).toBe('empty');
  });

  it('model.md §4.4: CLAIM re-owns only an id the code holds; END reports exactly the leaked ids its event names', () => {
    expect(drive(idaMachine, [A(0), { type: 'CLAIM', id: 0, owner: 7, holder: CODE_OWNER }]).last.effects).toEqual(['setOwner']);
    expect(drive(idaMachine, [A(0), { type: 'CLAIM', id: 0, owner: 8, holder: 7 }]).last.effects).toEqual([]);
    const end = drive(idaMachine, [A(0), { type: 'END', leaked: [0, 4] }]);
    expect(end.last.violations).toEqual(['id-leak']);
    expect(drive(idaMachine, [A(0), { type: 'END', leaked: [] }]).last.violations).toEqual([]);
  });

  it('§4 DESTROY names clearAll and empties; on an empty IDA it changes nothing', () => {
    const r = drive(idaMachine, [A(0), { type: 'DESTROY' }, { type: 'DESTROY' }]);
    expect(r.steps[1]!.effects).toEqual(['clearAll']);
    expect(r.steps[1]!.state.value).toBe('empty');
    expect(r.steps[2]!.effects).toEqual([]);
  });
});

describe('IDA facts and set effects (the one computation every runner uses)', () => {
  it('idaEvent reads lowest, holder, last and leaked from the set', () => {
    const set = SortedIdSet.of(8, [[0, 0], [1, 5], [3, 0]]);
    expect(idaEvent(set, alloc(0, 7))).toEqual({ type: 'ALLOC', min: 0, max: 7, owner: 0, fault: false, lowest: 2 });
    expect(idaEvent(set, alloc(3, 3))).toMatchObject({ lowest: -1 });
    expect(idaEvent(set, free(1, 0))).toEqual({ type: 'FREE', id: 1, owner: 0, holder: 5, last: false });
    expect(idaEvent(set, free(2))).toMatchObject({ holder: NO_HOLDER, last: false });
    expect(idaEvent(set, free(-1))).toMatchObject({ holder: NO_HOLDER });
    expect(idaEvent(SortedIdSet.of(8, [[4, 0]]), free(4))).toMatchObject({ holder: 0, last: true });
    expect(idaEvent(set, claim(3, 9))).toEqual({ type: 'CLAIM', id: 3, owner: 9, holder: 0 });
    expect(idaEvent(set, { type: 'END', excused: [5] })).toEqual({ type: 'END', leaked: [0, 3] });
  });

  it('idaEvent refuses a malformed call with a ParameterError', () => {
    expect(() => idaEvent(SortedIdSet.empty(4), { type: 'BOGUS' } as never)).toThrow(ParameterError);
    expect(() => idaEvent(SortedIdSet.empty(4), free(1.5))).toThrow(ParameterError);
    expect(() => idaEvent(SortedIdSet.empty(4), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: 'yes' } as never)).toThrow(ParameterError);
    expect(() => idaEvent(SortedIdSet.empty(4), { type: 'END', excused: 'none' } as never)).toThrow(ParameterError);
  });

  it('applyIdaEffect carries out exactly the set effects, on the event that names them; a set that disagrees with the machine is an IdSetStateError', () => {
    const set = SortedIdSet.of(4, [[1, 0]]);
    expect(applyIdaEffect(set, 'returns', idaEvent(set, alloc(0, 3)))).toBe(set);
    expect(applyIdaEffect(set, 'setOwner', idaEvent(set, claim(1, 6))).owners).toEqual([6]);
    expect(applyIdaEffect(set, 'clearAll', { type: 'DESTROY' }).size).toBe(0);
    expect(() => applyIdaEffect(set, 'clearId', idaEvent(set, free(2)))).toThrow(IdSetStateError);
    expect(() => applyIdaEffect(set, 'markAllocated', { type: 'DESTROY' })).toThrow(IdSetStateError);
    // The set is a value: the changes above left it as it was.
    expect(JSON.stringify(set)).toBe('{"capacity":4,"ids":[1],"owners":[0]}');
  });
});

describe('IDA component (machine + id set): kernel facts (§4)', () => {
  it('§4 ida_alloc_range returns the lowest free id and reuses a freed id before any higher one', () => {
    const r = run([alloc(0, 7), alloc(0, 7), alloc(0, 7), free(1), alloc(0, 7)]);
    expect(r.steps.map((s) => s.returned)).toEqual([0, 1, 2, undefined, 1]);
    expect(r.final.set.ids).toEqual([0, 1, 2]);
  });

  it('§4 the range is inclusive of both ends, and the lowest free id is ≥ min', () => {
    const r = run([alloc(3, 4), alloc(3, 4), alloc(3, 4)]);
    expect(r.steps.map((s) => s.returned)).toEqual([3, 4, -28]);
  });

  it('§4 a full range gives -ENOSPC (28) and changes nothing', () => {
    const r = run([alloc(0, 0), alloc(0, 0)]);
    expect(r.last.returned).toBe(-28);
    expect(r.last.state).toBe(r.steps[0]!.state);
    expect(r.final.set.ids).toEqual([0]);
  });

  it('§4 min > max and a negative min both give -ENOSPC', () => {
    expect(run([alloc(2, 1)]).last.returned).toBe(-28);
    expect(run([alloc(-1, 3)]).last.returned).toBe(-28);
  });

  it('§4 a max beyond the id space is clamped to it (the kernel clamps to INT_MAX)', () => {
    expect(lowestFree(SortedIdSet.of(2, [[0, 0]]), 0, 1000)).toBe(1);
    expect(lowestFree(SortedIdSet.of(2, [[0, 0], [1, 0]]), 0, -1)).toBe(-1);
    expect(run([alloc(0, -1)], 4).last.returned).toBe(0);
  });

  it('§4 an allocation failure returns -ENOMEM (12)', () => {
    const r = run([alloc(0, 7, 0, true)]);
    expect(r.last.returned).toBe(-12);
    expect(idaIsEmpty(r.final.set)).toBe(true);
  });

  it('B4 (§4): ida_free of an id that is not allocated WARNs: ida-double-free, nothing changes', () => {
    const r = run([alloc(0, 7), free(0), free(0)]);
    expect(r.last.violations).toEqual(['ida-double-free']);
    const other = run([alloc(0, 7), free(5)]);
    expect(other.last.violations).toEqual(['ida-double-free']);
    expect(other.final.set.ids).toEqual([0]);
  });

  it('B4 (model.md §3): a stale free of an id re-allocated to someone else is ida-free-reallocated and frees their id', () => {
    const r = run([alloc(0, 7, 0), free(0, 0), alloc(0, 7, 1), free(0, 0)]);
    expect(r.steps[2]!.returned).toBe(0);
    expect(r.last.violations).toEqual(['ida-free-reallocated']);
    expect(idaIsEmpty(r.final.set)).toBe(true);
    // The stale free took the last id: the IDA is empty in state as well as in its set.
    expect(r.final.machine.matches('empty')).toBe(true);
  });

  it('model.md §4.4: an id set on a device is claimed by it; a free by its old holder is then a stale free', () => {
    // Owner 0 is the code that allocated the id; device 7's id field is set from it.
    const r = run([alloc(0, 7, 0), claim(0, 7), free(0, 7)]);
    expect(r.steps[1]!.state.set.owners).toEqual([7]);
    expect(r.last.violations).toEqual([]);
    // A device's id is not taken over by another device's claim: only the code's ids are claimable.
    const taken = run([alloc(0, 7, 0), claim(0, 7), claim(0, 8)]);
    expect(taken.final.set.owners).toEqual([7]);
    expect(run([alloc(0, 7, 0), claim(0, 7), free(0, 8)]).last.violations).toEqual(['ida-free-reallocated']);
  });

  it('§4 (newest lib/idr.c): ida_free of a negative id returns silently', () => {
    const r = run([alloc(0, 7), free(-1)]);
    expect(r.last.violations).toEqual([]);
    expect(r.final.set.ids).toEqual([0]);
  });

  for (const id of [2 ** 31, 2 ** 32 - 1]) {
    it(`§4 ida_free(${id}): an unsigned id that is negative as an int returns silently, no WARN (not ida-double-free)`, () => {
      const r = run([alloc(0, 7), free(id)]);
      expect(r.last.violations).toEqual([]);
      expect(r.final.set.ids).toEqual([0]);
    });
  }

  it('§4 ida_destroy drops every id without a WARN; the IDA is reusable and ida_is_empty is true', () => {
    const r = run([alloc(0, 7), alloc(0, 7), { type: 'DESTROY' }, alloc(0, 7)]);
    expect(r.steps[2]!.violations).toEqual([]);
    expect(idaIsEmpty(r.steps[2]!.state.set)).toBe(true);
    expect(r.last.returned).toBe(0);
  });

  it('B5 / model.md §4.3: ids still allocated at the end are id-leak unless their owner is excused', () => {
    const r = run([alloc(0, 7, 0), alloc(0, 7, 1), { type: 'END', excused: [1] }]);
    expect(r.last.violations).toEqual(['id-leak']);
    expect(r.last.event).toEqual({ type: 'END', leaked: [0] });
    expect(leakedIds(r.final.set, [0, 1])).toEqual([]);
    expect(run([alloc(0, 7, 0), { type: 'END', excused: [0] }]).last.violations).toEqual([]);
    expect(run([alloc(0, 7), free(0), { type: 'END', excused: [] }]).last.violations).toEqual([]);
  });
});

describe('IDA machine: xstate/graph coverage over the IDA model (machine + id set)', () => {
  const traversal = idaTraversal({ capacity: 2, owners: 2 });

  it('shortest paths reach every state node', () => {
    const visited = statesVisited(getShortestPaths(idaModel, traversal).map(idaMachinePath));
    expect(allStateNodes(idaMachine).map((n) => n.id).filter((id) => !visited.has(id))).toEqual([]);
  });

  const paths = idaTestModel({ capacity: 2, owners: 2 }).getShortestPaths().map(idaMachinePath);

  it('transition-keyed paths take every transition', () => {
    const taken = transitionsTaken(idaMachine, paths as never);
    expect(allTransitions(idaMachine).filter((t) => !taken.has(t)).map(transitionId)).toEqual([]);
  });

  const codes = VIOLATION_CODES.filter((c) => VIOLATIONS[c].machine === 'ida');
  it.each(codes.map((c) => [`${c} (${VIOLATIONS[c].bugClass})`, c] as const))('a generated path reaches %s', (_, code) => {
    const witness = paths.find((p) => violationsAlong(idaMachine, p as never).some((v) => v.includes(code)));
    expect(witness, `no generated path raises ${code}`).toBeDefined();
  });
});
