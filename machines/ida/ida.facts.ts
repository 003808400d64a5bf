import { ParameterError } from '../common/errors.js';
import { IdSetStateError, type IdSet, type IdSetView } from './ida.set.js';
import { NO_HOLDER, type IdaCall, type IdaEvent } from './ida.types.js';

/**
 * The one place the IDA's facts are computed from an id set and the one place the machine's set
 * effects are carried out on it. Every runner of the IDA machine goes through these: the runtime
 * (a mutable bitmap, the compiled machine), the world step and the explorer (the pure set, the
 * compiled machine or XState's own `transition`), path generation and the conformance tests.
 */

/** Ids per XArray slot of an IDA: one 128-byte bitmap (lib/idr.c IDA_BITMAP_BITS). */
export const IDA_BITMAP_BITS = 1024;
/** Ids a slot keeps inline as a value entry, with no bitmap (BITS_PER_XA_VALUE on 64-bit). */
export const IDA_VALUE_BITS = 63;

/**
 * Whether `ida_alloc_range` must allocate memory to hand out `lowest`, so that an allocation
 * failure can make it fail (§4, lib/idr.c ida_alloc_range). While every id is in the first slot
 * (below 1024) the XArray is its head alone: an id below 63 is a bit of the inline value entry,
 * and one above it goes into the slot's bitmap, which exists once the slot holds an id ≥ 63.
 * Anywhere else the kernel may need a bitmap or XArray nodes. (A bitmap whose high ids were all
 * freed is kept: the kernel then allocates nothing where this says it may; the model allows a
 * failure the kernel cannot have there, never the reverse.)
 * @example allocNeedsMemory(SortedIdSet.empty(4), 0) // false: the first ida_alloc allocates nothing
 */
export function allocNeedsMemory(set: IdSetView, lowest: number): boolean {
  if (lowest < 0) return false;
  if (lowest >= IDA_BITMAP_BITS) return true;
  const firstSlotEnd = Math.min(IDA_BITMAP_BITS, set.capacity) - 1;
  // An id beyond the first slot: the XArray has nodes, and the path to slot 0 may need more.
  if (set.size > 0 && set.countIn(0, firstSlotEnd) < set.size) return true;
  if (lowest < IDA_VALUE_BITS) return false;
  return set.countIn(IDA_VALUE_BITS, firstSlotEnd) === 0;
}

/**
 * The id `ida_alloc_range` would return: the lowest free id in the inclusive range, or -1 when
 * there is none (§4: `(int)min < 0`, `min > max` and a full range all give -ENOSPC; a `max`
 * beyond the id space, or negative as an int, is clamped to the top of the space, as the kernel
 * clamps to INT_MAX).
 * @example lowestFree(SortedIdSet.of(4, [[0, 0], [2, 0]]), 0, 3) // 1
 */
export function lowestFree(set: IdSetView, min: number, max: number): number {
  requireNumber('lowestFree(min)', min);
  requireNumber('lowestFree(max)', max);
  const top = max < 0 || max > set.capacity - 1 ? set.capacity - 1 : max;
  if (min < 0 || min > top) return -1;
  return set.firstFree(min, top);
}

/**
 * Ids still allocated at the end whose owner is not excused (model.md §4.3), ascending.
 * @example leakedIds(SortedIdSet.of(4, [[0, 0], [1, 5]]), [5]) // [0]
 */
export function leakedIds(set: IdSetView, excused: readonly number[]): number[] {
  if (!Array.isArray(excused)) throw new ParameterError('excused', excused, 'an array of owner tokens');
  const out: number[] = [];
  set.forEach((id, owner) => {
    if (!excused.includes(owner)) out.push(id);
  });
  return out;
}

/**
 * Whether `ida_is_empty()` is true: no id allocated (§4).
 * @example idaIsEmpty(SortedIdSet.empty(4)) // true
 */
export function idaIsEmpty(set: IdSetView): boolean {
  return set.size === 0;
}

type AllocCall = Extract<IdaCall, { type: 'ALLOC' }>;
type AllocEvent = Extract<IdaEvent, { type: 'ALLOC' }>;
type FreeEvent = Extract<IdaEvent, { type: 'FREE' }>;
type ClaimEvent = Extract<IdaEvent, { type: 'CLAIM' }>;

/** DESTROY carries no facts: one frozen event serves every call. */
const DESTROY_EVENT: IdaEvent = Object.freeze({ type: 'DESTROY' });

/** Events a hot runner fills in again and again instead of allocating one per call (see `idaEvent`). */
export interface IdaEventBuffers {
  ALLOC: Extract<IdaEvent, { type: 'ALLOC' }>;
  FREE: Extract<IdaEvent, { type: 'FREE' }>;
  CLAIM: Extract<IdaEvent, { type: 'CLAIM' }>;
}

/**
 * A fresh set of event buffers for `idaEvent(set, call, buffers)`.
 * @example idaEventBuffers().ALLOC.type // 'ALLOC'
 */
export function idaEventBuffers(): IdaEventBuffers {
  return { ALLOC: newAllocEvent(), FREE: newFreeEvent(), CLAIM: newClaimEvent() };
}

// Every event of a type has one shape (these fields in this order), buffer or not.
const newAllocEvent = (): AllocEvent => ({ type: 'ALLOC', min: 0, max: 0, owner: 0, fault: false, lowest: -1 });
const newFreeEvent = (): FreeEvent => ({ type: 'FREE', id: 0, owner: 0, holder: NO_HOLDER, last: false });
const newClaimEvent = (): ClaimEvent => ({ type: 'CLAIM', id: 0, owner: 0, holder: NO_HOLDER });

/**
 * The IDA machine's event for a call: the call with the facts the kernel reads at that call,
 * read from `set` (see `IdaEvent`). With `buffers`, an ALLOC, FREE or CLAIM event is written into
 * the buffer of its type and returned (valid until the next call with the same buffers: for a
 * runner that does not keep its events); otherwise it is a new object. Throws
 * {@link ParameterError} for a malformed call.
 * @example idaEvent(SortedIdSet.of(4, [[0, 0]]), { type: 'FREE', id: 0, owner: 0 }) // { type: 'FREE', id: 0, owner: 0, holder: 0, last: true }
 */
export function idaEvent(set: IdSetView, call: IdaCall, buffers?: IdaEventBuffers): IdaEvent {
  // One small function per call type: each is inlined where it is hot (one big switch is not).
  switch (call?.type) {
    case 'ALLOC':
      return idaAllocEvent(set, call, buffers?.ALLOC);
    case 'FREE':
      return idaFreeEvent(set, call, buffers?.FREE);
    case 'CLAIM':
      return idaClaimEvent(set, call, buffers?.CLAIM);
    case 'DESTROY':
      return DESTROY_EVENT;
    case 'END':
      return { type: 'END', leaked: leakedIds(set, call.excused) };
    default:
      throw new ParameterError('call.type', (call as { type?: unknown } | undefined)?.type, 'ALLOC, FREE, CLAIM, DESTROY or END');
  }
}


/**
 * `idaEvent` for an ALLOC call: its facts (the lowest free id of the range, §4), for a runner that
 * knows the type of its call.
 * @example idaAllocEvent(SortedIdSet.of(4, [[0, 0]]), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }).lowest // 1
 */
export function idaAllocEvent(set: IdSetView, call: AllocCall, into?: AllocEvent): AllocEvent {
  requireNumber('ALLOC.owner', call.owner);
  if (typeof call.fault !== 'boolean') throw new ParameterError('ALLOC.fault', call.fault, 'true or false');
  const e = into ?? newAllocEvent();
  e.lowest = lowestFree(set, call.min, call.max);
  e.min = call.min;
  e.max = call.max;
  e.owner = call.owner;
  e.fault = call.fault;
  return e;
}

/**
 * `idaEvent` for a FREE call: who holds the id, and whether it is the last one allocated.
 * @example idaFreeEvent(SortedIdSet.of(4, [[2, 5]]), { type: 'FREE', id: 2, owner: 5 }).last // true
 */
export function idaFreeEvent(set: IdSetView, call: Extract<IdaCall, { type: 'FREE' }>, into?: FreeEvent): FreeEvent {
  const e = withHolder(set, call, into ?? newFreeEvent(), 'FREE.owner', 'FREE.id');
  e.last = e.holder !== NO_HOLDER && set.size === 1;
  return e;
}

/**
 * `idaEvent` for a CLAIM call: who holds the id.
 * @example idaClaimEvent(SortedIdSet.of(4, [[2, 0]]), { type: 'CLAIM', id: 2, owner: 7 }).holder // 0
 */
export function idaClaimEvent(set: IdSetView, call: Extract<IdaCall, { type: 'CLAIM' }>, into?: ClaimEvent): ClaimEvent {
  return withHolder(set, call, into ?? newClaimEvent(), 'CLAIM.owner', 'CLAIM.id');
}

/** The facts FREE and CLAIM share: the id, on whose behalf, and who holds it. */
function withHolder<T extends FreeEvent | ClaimEvent>(set: IdSetView, call: { id: number; owner: number }, e: T, ownerName: string, idName: string): T {
  requireNumber(ownerName, call.owner);
  e.holder = holderOf(set, call.id, idName);
  e.id = call.id;
  e.owner = call.owner;
  return e;
}

/**
 * The effects of the IDA machine that change the id set, each defined on the event that names it.
 * @example IDA_SET_EFFECTS.includes('clearId') // true
 */
export const IDA_SET_EFFECTS: readonly string[] = Object.freeze(['markAllocated', 'clearId', 'setOwner', 'clearAll']);

/** Whoever holds an id set the IDA machine's set effects change (replaced by a pure set's change). */
export interface IdSetHolder<S extends IdSet<S>> { set: S }

/** The IDA machine's set effects, each carried out on a holder's id set for the event that names it. */
export type IdaSetEffects = {
  readonly [K in 'markAllocated' | 'clearId' | 'setOwner' | 'clearAll']: <S extends IdSet<S>>(holder: IdSetHolder<S>, params: unknown, event: IdaEvent) => void;
};

/**
 * The set effects, one function each, in the shape of an effect handler (`holder, params, event`:
 * a runtime hands them to `generateRunner` as they are): `markAllocated` the ALLOC's `lowest` for
 * its `owner`, `clearId` the FREE's `id`, `setOwner` the CLAIM's `id` for its `owner`, `clearAll`
 * everything. They take their operands from the event (so the machine's action lists stay
 * static); an effect given an event it is not defined on throws {@link IdSetStateError}.
 * @example
 * const holder = { set: SortedIdSet.of(4, [[1, 0]]) };
 * idaSetEffects.clearId(holder, undefined, { type: 'FREE', id: 1, owner: 0, holder: 0, last: true });
 * holder.set.size // 0
 */
export const idaSetEffects: IdaSetEffects = Object.freeze({
  markAllocated: <S extends IdSet<S>>(holder: IdSetHolder<S>, _params: unknown, event: IdaEvent): void => {
    if (event.type !== 'ALLOC') return wrongEvent('markAllocated', 'ALLOC', event);
    holder.set = holder.set.markAllocated(event.lowest, event.owner);
  },
  clearId: <S extends IdSet<S>>(holder: IdSetHolder<S>, _params: unknown, event: IdaEvent): void => {
    if (event.type !== 'FREE') return wrongEvent('clearId', 'FREE', event);
    holder.set = holder.set.clearId(event.id);
  },
  setOwner: <S extends IdSet<S>>(holder: IdSetHolder<S>, _params: unknown, event: IdaEvent): void => {
    if (event.type !== 'CLAIM') return wrongEvent('setOwner', 'CLAIM', event);
    holder.set = holder.set.setOwner(event.id, event.owner);
  },
  clearAll: <S extends IdSet<S>>(holder: IdSetHolder<S>): void => {
    holder.set = holder.set.clearAll();
  },
});

/**
 * Carries out one effect the IDA machine named for `event` on `set` (see {@link idaSetEffects});
 * returns the set after it. Any other effect (`returns`, `violation`, `kernelLog`) is not the
 * set's: the set comes back as it was.
 * @example applyIdaEffect(SortedIdSet.empty(4), 'markAllocated', { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 }).ids // [0]
 */
export function applyIdaEffect<S extends IdSet<S>>(set: S, effect: string, event: IdaEvent): S {
  switch (effect) {
    case 'markAllocated':
    case 'clearId':
    case 'setOwner':
    case 'clearAll': {
      const holder: IdSetHolder<S> = { set };
      idaSetEffects[effect](holder, undefined, event);
      return holder.set;
    }
    default:
      return set;
  }
}

/** An effect as an interpreter of the IDA machine names it. */
export interface IdaEffect { readonly type: string; readonly params?: unknown }

/**
 * One interpreter of the IDA machine: XState's `transition`, or the compiled table's `advance`.
 * Returns the next machine state and the effects the transition names, in order.
 */
export type IdaInterpreter<M> = (state: M, event: IdaEvent) => readonly [M, readonly IdaEffect[]];

/** The IDA as a component: the machine's state and the id set it decides about. */
export interface IdaComponent<M, S> {
  readonly machine: M;
  readonly set: S;
}

/** What one call through an IDA component gives. */
export interface IdaStep<M, S> {
  /** The component after the call (the same object when nothing changed). */
  state: IdaComponent<M, S>;
  /** The machine event the call became, facts included. */
  event: IdaEvent;
  /** Every effect the machine named, in order; the set effects are already carried out. */
  effects: readonly IdaEffect[];
}

/**
 * One call through an IDA component: the facts read from its set, the machine stepped by
 * `interpret`, and the set effects it names carried out, in order.
 * @example stepIda(xstateIda, initialIdaComponent(4), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }).state.set.ids // [0]
 */
export function stepIda<M, S extends IdSet<S>>(interpret: IdaInterpreter<M>, from: IdaComponent<M, S>, call: IdaCall): IdaStep<M, S> {
  const event = idaEvent(from.set, call);
  const [machine, effects] = interpret(from.machine, event);
  let set = from.set;
  for (let i = 0; i < effects.length; i++) set = applyIdaEffect(set, effects[i]!.type, event);
  const state = machine === from.machine && set === from.set ? from : { machine, set };
  return { state, event, effects };
}

/** A set effect named on an event it is not defined on: whoever runs the machine has a bug. */
function wrongEvent(effect: string, expected: IdaEvent['type'], event: IdaEvent): never {
  throw new IdSetStateError(effect, -1, `${expected === 'ALLOC' ? 'an' : 'a'} ${expected} event, not ${event.type}`);
}

/** A FREE or CLAIM's holder: any integer id may be asked about (a negative one is held by nobody). */
function holderOf(set: IdSetView, id: number, parameter: string): number {
  if (!Number.isInteger(id)) throw new ParameterError(parameter, id, 'an integer id');
  return id < 0 ? NO_HOLDER : set.ownerOf(id);
}

function requireNumber(parameter: string, value: unknown): void {
  if (!Number.isInteger(value)) throw new ParameterError(parameter, value, 'an integer');
}
