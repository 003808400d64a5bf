/**
 * An IDA (`struct ida`, kernel-auxbus.md §4) as the model sees it: which ids are allocated and
 * who owns each (model.md §4.4). Ids are kept sorted with their owners beside them, as plain
 * arrays, because path generation identifies a state by its JSON (shared/notes/xstate-graph.md).
 */
export interface IdaContext {
  /**
   * The model's id space is [0, capacity - 1]; it plays the part of the kernel's INT_MAX so that
   * exploration stays finite. The runtime uses a large capacity.
   */
  capacity: number;
  /** Allocated ids, ascending. */
  ids: number[];
  /** `owners[i]` owns `ids[i]`: a token naming the device (or code) the id was handed to. */
  owners: number[];
}

/**
 * IDA events. `owner` says on whose behalf a call is made: it is how the model tells a stale free
 * of a re-allocated id (`ida-free-reallocated`) from the new owner's own free.
 */
export type IdaEvent =
  | { type: 'ALLOC'; min: number; max: number; owner: number; fault: boolean }
  | { type: 'FREE'; id: number; owner: number }
  | { type: 'CLAIM'; id: number; owner: number }
  | { type: 'DESTROY' }
  | { type: 'END'; excused: number[] };

/** Event type names of the IDA machine. */
export type IdaEventType = IdaEvent['type'];

/** Input: the size of the id space (default 2^31, the kernel's). */
export interface IdaInput {
  capacity?: number;
}

/**
 * The owner token of "the code that allocated it" (model.md §4.4): an id handed out and not yet
 * set on any device. Device owners use other tokens.
 */
export const CODE_OWNER = 0;

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
