/**
 * The IDA machine (`struct ida`, kernel-auxbus.md §4) decides from facts its events carry, the way
 * the device machine gets `nameTaken` from the bus: the lowest free id of a range, who holds an id,
 * which ids leak. The set of allocated ids is memory owned by whoever runs the machine (an
 * {@link IdSet}); the machine names what happens to it (`markAllocated`, `clearId`, `setOwner`,
 * `clearAll`) and the holder carries that out. So the machine's own state is a leaf and nothing
 * more, and path generation does not multiply its states by the id sets.
 */

/**
 * The machine's context: empty. Everything the machine decides from comes in its events; its
 * state (`empty` / `inUse`) is all it keeps.
 */
export type IdaContext = Readonly<Record<string, never>>;

/**
 * What a caller asks of the IDA, before the holder of the id set adds the facts (see
 * `idaEvent`). `owner` says on whose behalf a call is made: it is how the model tells a stale
 * free of a re-allocated id (`ida-free-reallocated`) from the new owner's own free.
 */
export type IdaCall =
  | { type: 'ALLOC'; min: number; max: number; owner: number; fault: boolean }
  | { type: 'FREE'; id: number; owner: number }
  | { type: 'CLAIM'; id: number; owner: number }
  | { type: 'DESTROY' }
  | { type: 'END'; excused: number[] };

/**
 * IDA machine events: a call with the facts the kernel reads at that call, computed from the id
 * set by `idaEvent`.
 * - `ALLOC.lowest`: the id `ida_alloc_range` would hand out, or -1 when there is none (§4).
 * - `FREE.holder`, `CLAIM.holder`: the owner token holding the id, or {@link NO_HOLDER} when the id
 *   is not allocated. `FREE.last`: the id is allocated and no other id is (the free empties the IDA).
 * - `END.leaked`: ids still allocated whose owner was not already reported (model.md §4.3).
 */
export type IdaEvent =
  | { type: 'ALLOC'; min: number; max: number; owner: number; fault: boolean; lowest: number }
  | { type: 'FREE'; id: number; owner: number; holder: number; last: boolean }
  | { type: 'CLAIM'; id: number; owner: number; holder: number }
  | { type: 'DESTROY' }
  | { type: 'END'; leaked: number[] };

/** Event type names of the IDA machine (the same for calls and events). */
export type IdaEventType = IdaEvent['type'];

/**
 * The owner token of "the code that allocated it" (model.md §4.4): an id handed out and not yet
 * set on any device. Device owners use other tokens (positive).
 */
export const CODE_OWNER = 0;

/**
 * The holder of an id that is not allocated (`FREE.holder`, `CLAIM.holder`, `IdSetView.ownerOf`).
 * @example SortedIdSet.empty(4).ownerOf(2) === NO_HOLDER // true
 */
export const NO_HOLDER = -1;

/** The kernel's INT_MAX + 1: the number of ids an IDA can hand out (§4). */
export const KERNEL_IDA_CAPACITY = 2 ** 31;

/**
 * The kernel call each IDA event stands for.
 * @example IDA_EVENT_CALLS.ALLOC // 'ida_alloc_range(ida, min, max, gfp) (ida_alloc, ida_alloc_min, ida_alloc_max)'
 */
export const IDA_EVENT_CALLS: Readonly<Record<IdaEventType, string>> = Object.freeze({
  ALLOC: 'ida_alloc_range(ida, min, max, gfp) (ida_alloc, ida_alloc_min, ida_alloc_max)',
  FREE: 'ida_free(ida, id)',
  CLAIM: 'adev->id = id: the id now belongs to that device (model.md §4.4)',
  DESTROY: 'ida_destroy(ida)',
  END: 'end of the scenario: ids still allocated',
});
