import { asText, AuxbusError, ParameterError, requireInt } from '../common/errors.js';
import { KERNEL_IDA_CAPACITY, NO_HOLDER } from './ida.types.js';

/**
 * The set of allocated ids and their owners: the memory behind an IDA, owned by whoever runs the
 * IDA machine. The facts the machine decides from are computed against {@link IdSetView} (once,
 * in `ida.facts.ts`); the changes it names are carried out through {@link IdSet}. Two
 * implementations: {@link SortedIdSet} here (a value, for the model: XState snapshots, path
 * generation and the explorer compare and store it) and the runtime's mutable hierarchical
 * bitmap (`src/runtime/ida-bitmap.ts`).
 */

/** What the IDA's facts are read from. */
export interface IdSetView {
  /** Ids are 0..capacity - 1 (the kernel's INT_MAX + 1 ids, or fewer in a finite model). */
  readonly capacity: number;
  /** How many ids are allocated. */
  readonly size: number;
  /**
   * The first free id in [from, to], or -1 when all are allocated. Takes integers with
   * 0 ≤ from ≤ to < capacity (the §4 range rules are `lowestFree`'s, not the set's).
   */
  firstFree(from: number, to: number): number;
  /** The owner token of an allocated id; {@link NO_HOLDER} for a free id or one outside [0, capacity). */
  ownerOf(id: number): number;
  /**
   * How many ids in [from, to] are allocated (0 ≤ from ≤ to). Its cost may grow with the range:
   * the facts ask it about the IDA's first XArray slot only.
   */
  countIn(from: number, to: number): number;
  /** Calls `fn` with every allocated id and its owner, ids ascending. */
  forEach(fn: (id: number, owner: number) => void): void;
}

/**
 * An id set the IDA machine's effects can change. Each change returns the set after it: a new
 * value for {@link SortedIdSet}, the same object for a mutable set.
 */
export interface IdSet<S extends IdSet<S>> extends IdSetView {
  /** `markAllocated`: `id` (free) is now allocated to `owner`. */
  markAllocated(id: number, owner: number): S;
  /** `clearId`: `id` (allocated) is free again. */
  clearId(id: number): S;
  /** `setOwner`: `id` (allocated) now belongs to `owner`. */
  setOwner(id: number, owner: number): S;
  /** `clearAll`: no id is allocated (ida_destroy). */
  clearAll(): S;
}

/**
 * An id set was asked for a change its state does not allow (allocate an allocated id, free or
 * re-own a free one): the machine and the set disagree, which is a bug in whoever runs them.
 * @example new IdSetStateError('clearId', 3, 'an allocated id') // message names the change, the id and what was expected
 */
export class IdSetStateError extends AuxbusError {
  constructor(
    /** The change asked for (`markAllocated`, `clearId`, `setOwner`, or the effect applied). */
    readonly change: string,
    /** The id concerned (-1 when none). */
    readonly id: number,
    expected: string,
  ) {
    super('ida-set-state', `${asText(change)}(${asText(id)}): expected ${asText(expected)}; the IDA machine and its id set disagree`);
  }
}

/**
 * Checks an IDA capacity: an integer from 1 to INT_MAX + 1.
 * @example requireIdaCapacity(4) // 4
 */
export function requireIdaCapacity(capacity: unknown): number {
  return requireInt('ida capacity', capacity, 1, KERNEL_IDA_CAPACITY, 'the id space is [0, capacity - 1], at most INT_MAX + 1 ids');
}

/**
 * Checks that `id` is an id of a set of `capacity` ids; returns it. Throws {@link ParameterError}.
 * @example requireId('clearId(id)', 3, 8) // 3
 */
export function requireId(parameter: string, id: unknown, capacity: number): number {
  if (typeof capacity !== 'number' || Number.isNaN(capacity)) throw new ParameterError('requireId(capacity)', capacity, 'the number of ids of the IDA');
  return requireInt(parameter, id, 0, capacity - 1, 'an id of the IDA');
}

/**
 * Checks an owner token: an integer from 0 (the code) to INT_MAX; returns it.
 * @example requireOwner('owner', 0) // 0
 */
export function requireOwner(parameter: string, owner: unknown): number {
  return requireInt(parameter, owner, 0, 2 ** 31 - 1, 'an owner token: 0 for the code, a handle for a device');
}

/**
 * Throws {@link ParameterError} unless 0 ≤ from ≤ to < capacity, both integers (what `firstFree` takes).
 * @example requireFreeRange(0, 3, 4) // returns; requireFreeRange(3, 2, 4) throws
 */
export function requireFreeRange(from: number, to: number, capacity: number): void {
  requireId('firstFree(from)', from, capacity);
  requireInt('firstFree(to)', to, from, capacity - 1, 'an id of the IDA, at least from');
}

/**
 * The model's id set: allocated ids ascending with their owners beside them, as frozen plain
 * arrays. A value: every change returns a new set and leaves this one as it was, so XState
 * snapshots and the explorer's interned states can share it. Its JSON (`{ capacity, ids, owners }`)
 * is canonical: two sets are equal iff their JSON is, which is how path generation identifies
 * a state (xstate/graph keys a state by its value and context).
 * @example
 * const s = SortedIdSet.empty(4).markAllocated(0, 0).markAllocated(2, 7);
 * s.firstFree(0, 3); // 1
 * s.ownerOf(2);      // 7
 * JSON.stringify(s); // '{"capacity":4,"ids":[0,2],"owners":[0,7]}'
 */
export class SortedIdSet implements IdSet<SortedIdSet> {
  /** Allocated ids, ascending. */
  readonly ids: readonly number[];
  /** `owners[i]` owns `ids[i]`. */
  readonly owners: readonly number[];

  private constructor(readonly capacity: number, ids: number[], owners: number[]) {
    this.ids = Object.freeze(ids);
    this.owners = Object.freeze(owners);
    Object.freeze(this);
  }

  /**
   * No id allocated, in an id space of `capacity` ids (default the kernel's 2^31). Throws
   * {@link ParameterError} for a capacity that is not an integer from 1 to 2^31.
   * @example SortedIdSet.empty(2).size // 0
   */
  static empty(capacity: number = KERNEL_IDA_CAPACITY): SortedIdSet {
    return new SortedIdSet(requireIdaCapacity(capacity), [], []);
  }

  /**
   * A set holding exactly `entries` ([id, owner] pairs, any order). Throws
   * {@link ParameterError} for a bad capacity, id or owner, or an id given twice.
   * @example SortedIdSet.of(4, [[2, 7], [0, 0]]).ids // [0, 2]
   */
  static of(capacity: number, entries: Iterable<readonly [number, number]>): SortedIdSet {
    const cap = requireIdaCapacity(capacity);
    const pairs = [...entries].map(([id, owner], i) => [requireId(`entries[${i}] id`, id, cap), requireOwner(`entries[${i}] owner`, owner)] as const);
    pairs.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < pairs.length; i++) {
      if (pairs[i]![0] === pairs[i - 1]![0]) throw new ParameterError('entries', pairs[i]![0], 'each id at most once');
    }
    return new SortedIdSet(cap, pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  }

  get size(): number {
    return this.ids.length;
  }

  firstFree(from: number, to: number): number {
    requireFreeRange(from, to, this.capacity);
    const ids = this.ids;
    const start = lowerBound(ids, from);
    if (start === ids.length || ids[start] !== from) return from;
    // ids[start..] begins a run from, from+1, ...; ids is ascending and distinct, so ids[i] - i
    // never decreases and the run ends at the first i where ids[i] - i > from - start: a binary search.
    let lo = start;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid]! - mid === from - start) lo = mid + 1;
      else hi = mid;
    }
    const candidate = from + (lo - start);
    return candidate <= to ? candidate : -1;
  }

  ownerOf(id: number): number {
    if (!Number.isInteger(id)) throw new ParameterError('ownerOf(id)', id, 'an integer');
    const i = this.indexOf(id);
    return i < 0 ? NO_HOLDER : this.owners[i]!;
  }

  forEach(fn: (id: number, owner: number) => void): void {
    for (let i = 0; i < this.ids.length; i++) fn(this.ids[i]!, this.owners[i]!);
  }

  countIn(from: number, to: number): number {
    return from > to ? 0 : lowerBound(this.ids, to + 1) - lowerBound(this.ids, from);
  }

  markAllocated(id: number, owner: number): SortedIdSet {
    requireId('markAllocated(id)', id, this.capacity);
    requireOwner('markAllocated(owner)', owner);
    const at = lowerBound(this.ids, id);
    if (this.ids[at] === id) throw new IdSetStateError('markAllocated', id, 'a free id');
    const ids = this.ids.slice();
    const owners = this.owners.slice();
    ids.splice(at, 0, id);
    owners.splice(at, 0, owner);
    return new SortedIdSet(this.capacity, ids, owners);
  }

  clearId(id: number): SortedIdSet {
    requireId('clearId(id)', id, this.capacity);
    const at = this.indexOf(id);
    if (at < 0) throw new IdSetStateError('clearId', id, 'an allocated id');
    const ids = this.ids.slice();
    const owners = this.owners.slice();
    ids.splice(at, 1);
    owners.splice(at, 1);
    return new SortedIdSet(this.capacity, ids, owners);
  }

  setOwner(id: number, owner: number): SortedIdSet {
    requireId('setOwner(id)', id, this.capacity);
    requireOwner('setOwner(owner)', owner);
    const at = this.indexOf(id);
    if (at < 0) throw new IdSetStateError('setOwner', id, 'an allocated id');
    if (this.owners[at] === owner) return this;
    const owners = this.owners.slice();
    owners[at] = owner;
    return new SortedIdSet(this.capacity, this.ids.slice(), owners);
  }

  clearAll(): SortedIdSet {
    return this.ids.length === 0 ? this : new SortedIdSet(this.capacity, [], []);
  }

  /**
   * The same ids with each owner token renamed by `rename` (a token missing from it stays):
   * what the set looks like after the explorer permutes interchangeable device slots.
   * @example SortedIdSet.of(4, [[0, 1], [1, 2]]).withOwners([0, 2, 1]).owners // [2, 1]
   */
  withOwners(rename: readonly number[]): SortedIdSet {
    if (!Array.isArray(rename)) throw new ParameterError('withOwners(rename)', rename, 'an array: old token → new token');
    const owners = this.owners.map((o) => {
      const to = rename[o];
      return to === undefined ? o : requireOwner(`withOwners(rename)[${o}]`, to);
    });
    return new SortedIdSet(this.capacity, this.ids.slice(), owners);
  }

  private indexOf(id: number): number {
    const at = lowerBound(this.ids, id);
    return this.ids[at] === id ? at : -1;
  }
}

function lowerBound(ids: readonly number[], value: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
