/**
 * The runtime's hierarchical bitmap on its own: lowest-first allocation across word (32), leaf
 * (1024) and level (32768) boundaries, full subtrees skipped and re-opened, the top of the kernel's
 * id space, memory that follows the ids touched, and typed errors for every bad argument.
 */
import { describe, expect, it } from 'vitest';
import { IdSetStateError, lowestFree, NO_HOLDER, ParameterError, SortedIdSet } from '../../machines/index.js';
import { BitmapIdSet } from '../../src/runtime/ida-bitmap.js';

const TOP = 2 ** 31 - 1;

/** Allocates the lowest free id in [min, max] for `owner`, as an ALLOC that succeeds does. */
function allocIn(set: BitmapIdSet, min: number, max: number, owner = 0): number {
  const id = lowestFree(set, min, max);
  if (id >= 0) set.markAllocated(id, owner);
  return id;
}

describe('BitmapIdSet: lowest-free allocation (§4)', () => {
  it('hands out 0, 1, 2, ... across words, leaves and a whole level, then reuses freed ids lowest first', () => {
    const set = new BitmapIdSet();
    const n = 70_000; // more than two level-1 subtrees of 32768 ids
    let wrong = 0;
    for (let i = 0; i < n; i++) if (allocIn(set, 0, TOP, i % 5) !== i) wrong++;
    expect(wrong).toBe(0);
    expect(set.size).toBe(n);
    expect(lowestFree(set, 0, TOP)).toBe(n);
    const holes = [65535, 32768, 32767, 2048, 1024, 1023, 64, 32, 31, 0];
    for (const id of holes) set.clearId(id);
    expect(set.size).toBe(n - holes.length);
    for (const id of holes) expect(set.ownerOf(id)).toBe(NO_HOLDER);
    // Lowest first, whatever order they were freed in; a range starting past a hole skips it.
    expect(lowestFree(set, 33, TOP)).toBe(64);
    expect(lowestFree(set, 1025, 32766)).toBe(2048);
    expect(lowestFree(set, 2049, 32766)).toBe(-1);
    for (const id of [...holes].sort((a, b) => a - b)) expect(allocIn(set, 0, TOP, 9)).toBe(id);
    expect(lowestFree(set, 0, TOP)).toBe(n);
    expect(set.ownerOf(32768)).toBe(9);
    expect(set.ownerOf(32769)).toBe(32769 % 5);
  });

  it('a full range is -ENOSPC; a range is inclusive of both ends; ranges past the allocated ids are free at once', () => {
    const set = new BitmapIdSet(1025);
    for (let i = 0; i < 1025; i++) allocIn(set, 0, 1024);
    expect(lowestFree(set, 0, 1024)).toBe(-1);
    expect(lowestFree(set, 0, -1)).toBe(-1); // max clamped to the top of the space
    set.clearId(1024);
    expect(lowestFree(set, 0, 1023)).toBe(-1);
    expect(lowestFree(set, 0, 1024)).toBe(1024);
    const wide = new BitmapIdSet();
    wide.markAllocated(32767, 0);
    expect(lowestFree(wide, 32767, 32768)).toBe(32768); // beyond what the tree covers yet
    expect(lowestFree(wide, 32767, 32767)).toBe(-1);
  });

  it('ids at the top of the kernel\'s space (near 2^31 - 1) cost a path of nodes, not 2^31 bits', () => {
    const set = new BitmapIdSet();
    for (let i = 0; i < 1100; i++) expect(allocIn(set, TOP - 1099, TOP, 3)).toBe(TOP - 1099 + i);
    expect(lowestFree(set, TOP - 1099, TOP)).toBe(-1);
    expect(lowestFree(set, 0, TOP)).toBe(0);
    expect(set.ownerOf(TOP)).toBe(3);
    const { height, nodes, leaves } = set.footprint();
    expect(height).toBe(5);
    expect(leaves).toBe(2); // the 1100 ids straddle two 1024-id leaves
    expect(nodes).toBeLessThanOrEqual(height * 2);
    set.clearId(TOP);
    expect(lowestFree(set, TOP - 1099, TOP)).toBe(TOP);
    expect(lowestFree(set, 2 ** 32 - 1, 2 ** 32 - 1)).toBe(-1); // min beyond INT_MAX: -ENOSPC
  });

  it('leaves of the first 2^20 ids are found through the flat table, later ones by descent; a search crosses from one to the other', () => {
    const set = new BitmapIdSet();
    const edge = 2 ** 20; // the first id past the flat table
    for (let id = edge - 1024; id < edge + 5; id++) set.markAllocated(id, id % 3);
    expect(set.ownerOf(edge - 1)).toBe((edge - 1) % 3);
    expect(set.ownerOf(edge + 4)).toBe((edge + 4) % 3);
    expect(set.ownerOf(edge + 5)).toBe(NO_HOLDER);
    // The leaf below the edge is full: the search goes on past it, into the leaf found by descent.
    expect(lowestFree(set, edge - 1024, TOP)).toBe(edge + 5);
    set.clearId(edge + 2);
    expect(lowestFree(set, edge - 1024, TOP)).toBe(edge + 2);
    expect(set.ownerOf(edge + 2)).toBe(NO_HOLDER);
    expect(set.size).toBe(1024 + 4);
  });

  it('a search that finds its leaf full goes on to the next leaf that is not, in the same subtree or the next one', () => {
    const set = new BitmapIdSet();
    // Fill every leaf of the first 32768-id subtree but leave one free id in its last leaf.
    for (let id = 0; id < 32768; id++) if (id !== 32000) set.markAllocated(id, 0);
    expect(lowestFree(set, 0, TOP)).toBe(32000);
    set.markAllocated(32000, 0);
    // Now the whole subtree is full: the next free id is the first of the next subtree.
    expect(lowestFree(set, 0, TOP)).toBe(32768);
    expect(lowestFree(set, 5000, TOP)).toBe(32768);
    set.clearId(4097);
    expect(lowestFree(set, 0, TOP)).toBe(4097);
    expect(lowestFree(set, 4098, TOP)).toBe(32768);
    expect(lowestFree(set, 4098, 32767)).toBe(-1);
  });

  it('the lowest free id is remembered across frees and searches: freeing below it, searching from above it, and ranges that skip it all answer as a scan would', () => {
    const set = new BitmapIdSet();
    for (let i = 0; i < 100; i++) allocIn(set, 0, TOP);
    set.clearId(50);
    set.clearId(10);
    expect(lowestFree(set, 20, TOP)).toBe(50); // a range above the lowest free id does not see it
    expect(lowestFree(set, 0, TOP)).toBe(10);
    expect(allocIn(set, 0, TOP)).toBe(10);
    expect(lowestFree(set, 0, 49)).toBe(-1);
    expect(allocIn(set, 0, TOP)).toBe(50);
    expect(allocIn(set, 0, TOP)).toBe(100);
    set.clearId(0);
    expect(lowestFree(set, 1, TOP)).toBe(101);
    expect(allocIn(set, 0, TOP)).toBe(0);
  });

  it('clearAll empties it and it is reusable', () => {
    const set = new BitmapIdSet();
    for (let i = 0; i < 3000; i++) allocIn(set, 0, TOP);
    set.markAllocated(TOP, 1);
    expect(set.clearAll()).toBe(set);
    expect(set.size).toBe(0);
    expect(set.ownerOf(5)).toBe(NO_HOLDER);
    expect(set.ownerOf(TOP)).toBe(NO_HOLDER);
    expect(set.footprint()).toEqual({ height: 1, nodes: 1, leaves: 0 });
    expect(allocIn(set, 0, TOP)).toBe(0);
  });

  it('forEach and ids() list the allocated ids ascending with their owners, like the model\'s set', () => {
    const entries: Array<[number, number]> = [[TOP, 4], [0, 1], [1024, 2], [31, 0], [2 ** 20, 3]];
    const set = new BitmapIdSet();
    for (const [id, owner] of entries) set.markAllocated(id, owner);
    set.setOwner(31, 7);
    const listed: Array<[number, number]> = [];
    set.forEach((id, owner) => listed.push([id, owner]));
    const model = SortedIdSet.of(2 ** 31, entries).setOwner(31, 7);
    expect(listed).toEqual(model.ids.map((id, i) => [id, model.owners[i]]));
    expect(set.ids()).toEqual([...model.ids]);
  });
});

describe('BitmapIdSet: bad arguments are typed errors, and it never disagrees with its machine silently', () => {
  it('a capacity outside 1..2^31 is a ParameterError', () => {
    for (const capacity of [0, -1, 1.5, 2 ** 31 + 1, Number.NaN, '8']) expect(() => new BitmapIdSet(capacity as number)).toThrow(ParameterError);
  });

  it('ids outside [0, capacity) or not integers are ParameterErrors; asking who holds such an integer id is answered (nobody)', () => {
    const set = new BitmapIdSet(100);
    for (const id of [-1, 100, 1.5, Number.NaN]) {
      expect(() => set.markAllocated(id, 0)).toThrow(ParameterError);
      expect(() => set.clearId(id)).toThrow(ParameterError);
      expect(() => set.setOwner(id, 0)).toThrow(ParameterError);
    }
    expect(() => set.markAllocated(1, -1)).toThrow(ParameterError);
    expect(() => set.markAllocated(1, 0.5)).toThrow(ParameterError);
    expect(() => set.firstFree(5, 4)).toThrow(ParameterError);
    expect(() => set.firstFree(0, 100)).toThrow(ParameterError);
    expect(() => set.ownerOf(1.5)).toThrow(ParameterError);
    expect(set.ownerOf(-1)).toBe(NO_HOLDER);
    expect(set.ownerOf(2 ** 32 - 1)).toBe(NO_HOLDER);
  });

  it('allocating an allocated id, or clearing or re-owning a free one, is an IdSetStateError and changes nothing', () => {
    const set = new BitmapIdSet();
    set.markAllocated(5, 1);
    expect(() => set.markAllocated(5, 2)).toThrow(IdSetStateError);
    expect(() => set.clearId(6)).toThrow(IdSetStateError);
    expect(() => set.clearId(2 ** 30)).toThrow(IdSetStateError);
    expect(() => set.setOwner(6, 2)).toThrow(IdSetStateError);
    expect(set.ownerOf(5)).toBe(1);
    expect(set.size).toBe(1);
  });
});
