/**
 * Properties of the IDA (its machine with the model's id set, stepped by `stepIda` under XState as
 * the world runs it) over random ALLOC / FREE / DESTROY calls, checked against a naive reference
 * written here from kernel-auxbus.md §4 (and model.md §3, §4.2 for the owners).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialIdaComponent, stepIda, xstateIda, type IdaCall, type IdaModelState } from '../../machines/index.js';
import { fcRuns } from './runs.js';

const ENOSPC = -28;
const ENOMEM = -12;

/**
 * §4 read as a specification, with a map from id to owner and nothing clever:
 * - `ida_alloc_range(min, max)`: `(int)min < 0` → -ENOSPC; a max beyond the id space (or negative
 *   as an int) is clamped to the top of the space (the kernel's INT_MAX); the lowest free id in
 *   [min, max], both ends included; none → -ENOSPC (also when min > max); a failed allocation
 *   → -ENOMEM (the kernel only allocates once it found a free id).
 * - `ida_free(id)`: `(int)id < 0` → silently nothing (newest lib/idr.c); an id not allocated →
 *   WARN (`ida-double-free`), nothing changes; an id allocated to someone else → the kernel frees it
 *   anyway (`ida-free-reallocated`, model.md §4.2).
 * - `ida_destroy`: every id dropped, no WARN.
 */
class ReferenceIda {
  readonly owners = new Map<number, number>();
  constructor(readonly capacity: number) {}

  alloc(min: number, max: number, owner: number, fault: boolean): number {
    if (min < 0) return ENOSPC;
    const top = max < 0 || max > this.capacity - 1 ? this.capacity - 1 : max;
    for (let id = min; id <= top; id++) {
      if (this.owners.has(id)) continue;
      if (fault) return ENOMEM;
      this.owners.set(id, owner);
      return id;
    }
    return ENOSPC;
  }

  free(id: number, owner: number): string[] {
    if (id < 0) return [];
    const holder = this.owners.get(id);
    if (holder === undefined) return ['ida-double-free'];
    this.owners.delete(id);
    return holder === owner ? [] : ['ida-free-reallocated'];
  }

  destroy(): void {
    this.owners.clear();
  }

  sortedIds(): number[] {
    return [...this.owners.keys()].sort((a, b) => a - b);
  }
}

const OWNERS = 3;

/** A capacity and events sized to it: small ranges (negative, empty, beyond the space) on purpose. */
const scenario = fc.integer({ min: 1, max: 6 }).chain((capacity) =>
  fc.record({
    capacity: fc.constant(capacity),
    events: fc.array(
      fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            type: fc.constant('ALLOC' as const),
            min: fc.integer({ min: -1, max: capacity + 1 }),
            max: fc.integer({ min: -2, max: capacity + 1 }),
            owner: fc.integer({ min: 0, max: OWNERS - 1 }),
            fault: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
          }),
        },
        {
          weight: 4,
          arbitrary: fc.record({
            type: fc.constant('FREE' as const),
            id: fc.integer({ min: -1, max: capacity }),
            owner: fc.integer({ min: 0, max: OWNERS - 1 }),
          }),
        },
        { weight: 1, arbitrary: fc.constant({ type: 'DESTROY' as const }) },
      ),
      { maxLength: 40 },
    ),
  }),
);

interface Result {
  returned: number | undefined;
  violations: string[];
}

/** One call through the IDA component (machine + pure id set) under XState, as the world runs it. */
function step(state: IdaModelState, call: IdaCall) {
  const r = stepIda(xstateIda, state, call);
  const acts = r.effects as Array<{ type: string; params?: { value?: number; code?: string } }>;
  const result: Result = {
    returned: acts.find((a) => a.type === 'returns')?.params?.value,
    violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code!),
  };
  return [r.state, result] as const;
}

describe('IDA machine properties (fast-check, against a naive §4 reference)', () => {
  it('§4: ALLOC returns the lowest free id in its inclusive range, -ENOSPC exactly when there is none, -ENOMEM on a failed allocation; ids stay unique and sorted', () => {
    const seen = { enospc: 0, enomem: 0, ids: 0, clamped: 0 };
    fc.assert(
      fc.property(scenario, ({ capacity, events }) => {
        const ref = new ReferenceIda(capacity);
        let state = initialIdaComponent(capacity);
        for (const event of events) {
          const before = state.set;
          const [next, r] = step(state, event);
          state = next;
          if (event.type === 'ALLOC') {
            const expected = ref.alloc(event.min, event.max, event.owner, event.fault);
            expect(r.returned).toBe(expected);
            expect(r.violations).toEqual([]);
            if (expected >= 0) {
              seen.ids++;
              if (event.max < 0 || event.max >= capacity) seen.clamped++;
              // No ALLOC hands out an id that is already allocated.
              expect(before.ids).not.toContain(expected);
              expect(expected).toBeGreaterThanOrEqual(event.min);
            } else {
              if (expected === ENOSPC) seen.enospc++;
              else seen.enomem++;
              expect(state.set).toBe(before);
            }
          } else if (event.type === 'FREE') {
            ref.free(event.id, event.owner);
          } else {
            ref.destroy();
          }
          const ids = state.set.ids;
          expect(ids).toEqual(ref.sortedIds());
          for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
          expect(state.set.owners).toHaveLength(ids.length);
          // `empty` is ida_is_empty(): true iff no id is allocated.
          expect(state.machine.matches('empty')).toBe(ids.length === 0);
        }
      }),
      fcRuns(1000),
    );
    expect(seen.ids).toBeGreaterThan(0);
    expect(seen.enospc).toBeGreaterThan(0);
    expect(seen.enomem).toBeGreaterThan(0);
    expect(seen.clamped).toBeGreaterThan(0);
  });

  it('B4 (§4, model.md §4.2): a free of an id not allocated is ida-double-free and changes nothing; a free by another owner is ida-free-reallocated and frees the id; a negative id is ignored', () => {
    const seen = { doubleFree: 0, reallocated: 0, own: 0, negative: 0 };
    fc.assert(
      fc.property(scenario, ({ capacity, events }) => {
        const ref = new ReferenceIda(capacity);
        let state = initialIdaComponent(capacity);
        for (const event of events) {
          const before = state.set;
          const [next, r] = step(state, event);
          state = next;
          if (event.type === 'ALLOC') ref.alloc(event.min, event.max, event.owner, event.fault);
          if (event.type === 'DESTROY') ref.destroy();
          if (event.type !== 'FREE') continue;
          const holder = ref.owners.get(event.id);
          const expected = ref.free(event.id, event.owner);
          expect(r.violations).toEqual(expected);
          expect(r.returned).toBeUndefined(); // ida_free is void
          if (event.id < 0) {
            seen.negative++;
            expect(state.set).toBe(before);
          } else if (holder === undefined) {
            seen.doubleFree++;
            expect(state.set).toBe(before);
          } else {
            if (holder === event.owner) seen.own++;
            else seen.reallocated++;
            expect(state.set.ids).not.toContain(event.id);
            expect(state.set.ids).toHaveLength(before.ids.length - 1);
          }
          expect(state.set.ids).toEqual(ref.sortedIds());
          // The other ids keep their owners.
          const owners = new Map(state.set.ids.map((id, i) => [id, state.set.owners[i]]));
          for (const [id, owner] of ref.owners) expect(owners.get(id)).toBe(owner);
        }
      }),
      fcRuns(1000),
    );
    expect(seen.doubleFree).toBeGreaterThan(0);
    expect(seen.reallocated).toBeGreaterThan(0);
    expect(seen.own).toBeGreaterThan(0);
    expect(seen.negative).toBeGreaterThan(0);
  });
});
