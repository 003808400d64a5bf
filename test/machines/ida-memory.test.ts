/**
 * Where ida_alloc_range() allocates memory, so that an allocation failure can make it fail
 * (kernel-auxbus.md §4, lib/idr.c ida_alloc_range; model.md §4.7): ids below 63 of the first slot
 * live inline in the XArray's head, ids of the first slot above them in its bitmap, anything
 * beyond the first slot needs XArray nodes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocNeedsMemory, createWorld, IDA_BITMAP_BITS, IDA_VALUE_BITS, lowestFree, SortedIdSet, type WorldEvent, type WorldSnapshot,
} from '../../machines/index.js';
import { BitmapIdSet } from '../../src/runtime/ida-bitmap.js';
import { fcRuns } from '../properties/runs.js';

const set = (capacity: number, ids: number[]) => SortedIdSet.of(capacity, ids.map((id) => [id, 0] as const));

describe('allocNeedsMemory (§4, model.md §4.7)', () => {
  it('§4: the first ida_alloc on an empty IDA stores a value entry in the XArray head: nothing is allocated, so no fault can make it fail', () => {
    const empty = SortedIdSet.empty();
    expect(allocNeedsMemory(empty, lowestFree(empty, 0, 15))).toBe(false);
    expect(allocNeedsMemory(empty, IDA_VALUE_BITS - 1)).toBe(false);
  });

  it('§4: an id at or above 63 in the first slot needs the slot\'s bitmap unless the slot already holds an id that made one', () => {
    expect(allocNeedsMemory(SortedIdSet.empty(), IDA_VALUE_BITS)).toBe(true);
    expect(allocNeedsMemory(set(2 ** 31, [100]), IDA_VALUE_BITS)).toBe(false);
    expect(allocNeedsMemory(set(2 ** 31, [0, 1, 2]), IDA_VALUE_BITS)).toBe(true);
  });

  it('§4: ids beyond the first slot mean XArray nodes: an allocation may need memory anywhere, and above 1023 always may', () => {
    expect(allocNeedsMemory(set(2 ** 31, [IDA_BITMAP_BITS]), 0)).toBe(true);
    expect(allocNeedsMemory(SortedIdSet.empty(), IDA_BITMAP_BITS)).toBe(true);
    expect(allocNeedsMemory(SortedIdSet.empty(), -1)).toBe(false); // -ENOSPC: nothing allocated
  });

  it('countIn: the model\'s sorted set and the runtime\'s bitmap count the same ids in any range', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 5000 }), { maxLength: 60 }), fc.nat({ max: 5000 }), fc.nat({ max: 3000 }), (ids, from, len) => {
        const sorted = set(8192, ids);
        const bitmap = new BitmapIdSet(8192);
        for (const id of ids) bitmap.markAllocated(id, 0);
        const to = Math.min(from + len, 8191);
        const naive = ids.filter((id) => id >= from && id <= to).length;
        expect(sorted.countIn(from, to)).toBe(naive);
        expect(bitmap.countIn(from, to)).toBe(naive);
      }),
      fcRuns(300),
    );
  });
});

describe('the world injects an ida_alloc failure only where the kernel allocates (model.md §4.7)', () => {
  const run = (idaRange: { min: number; max: number }, events: WorldEvent[]) => {
    const world = createWorld({ idaRange, faults: true });
    let s: WorldSnapshot = world.getInitialSnapshot(undefined as never, undefined as never);
    for (const e of events) s = world.transition(s, e, undefined as never);
    return s;
  };

  it('§4: ids 0..1 on an empty IDA: a failing IDA_ALLOC hands out id 0 all the same, as fail-nth on 6.12 shows', () => {
    const s = run({ min: 0, max: 1 }, [{ type: 'IDA_ALLOC', dev: 0, fail: true }]);
    expect(s.returned).toBe(0);
    expect(s.context.ids[0]).toBe(0);
  });

  it('§4: id 63 on an empty IDA needs a bitmap: a failing IDA_ALLOC returns -ENOMEM and takes no id', () => {
    const s = run({ min: IDA_VALUE_BITS, max: IDA_VALUE_BITS + 1 }, [{ type: 'IDA_ALLOC', dev: 0, fail: true }]);
    expect(s.returned).toBe(-12);
    expect(s.context.ids[0]).toBe(-1);
    expect(s.context.ida.set.size).toBe(0);
  });
});
