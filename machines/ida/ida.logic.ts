import type { IdaContext, IdaEvent } from './ida.types.js';
import { CODE_OWNER } from './ida.types.js';

/** Arguments every IDA guard and update takes, as XState passes them. */
export interface IdaArgs { context: IdaContext; event: IdaEvent }

/** Index of `id` in the sorted id list, or -1. */
function indexOf(context: IdaContext, id: number): number {
  let lo = 0;
  let hi = context.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = context.ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The id `ida_alloc_range` would return: the lowest free id in the inclusive range, or -1 when
 * there is none (§4: `(int)min < 0`, `min > max` and a full range all give -ENOSPC; a `max`
 * beyond the id space is clamped to it, as the kernel clamps to INT_MAX).
 * @example lowestFree({ capacity: 4, ids: [0, 2], owners: [0, 0] }, 0, 3) // 1
 */
export function lowestFree(context: IdaContext, min: number, max: number): number {
  const top = max < 0 || max > context.capacity - 1 ? context.capacity - 1 : max;
  if (min < 0 || min > top) return -1;
  const ids = context.ids;
  const start = lowerBound(ids, min);
  if (start === ids.length || ids[start] !== min) return min;
  // ids[start..] begins a run min, min+1, ...; ids is ascending and distinct, so ids[i] - i never
  // decreases and the run ends at the first i where ids[i] - i > min - start: a binary search.
  let lo = start;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! - mid === min - start) lo = mid + 1;
    else hi = mid;
  }
  const candidate = min + (lo - start);
  return candidate <= top ? candidate : -1;
}

function lowerBound(ids: number[], value: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether `ida_is_empty()` is true: no id allocated (§4).
 * @example idaIsEmpty({ capacity: 4, ids: [], owners: [] }) // true
 */
export function idaIsEmpty(context: IdaContext): boolean {
  return context.ids.length === 0;
}

/**
 * The owner of an allocated id, or undefined when the id is free.
 * @example ownerOf({ capacity: 4, ids: [1], owners: [7] }, 1) // 7
 */
export function ownerOf(context: IdaContext, id: number): number | undefined {
  const i = indexOf(context, id);
  return i < 0 ? undefined : context.owners[i];
}

/** Ids still allocated at the end whose owner is not excused (model.md §4.3). */
export function leakedIds(context: IdaContext, excused: readonly number[]): number[] {
  return context.ids.filter((_, i) => !excused.includes(context.owners[i]!));
}

const freeArgs = (event: IdaEvent) => (event.type === 'FREE' ? event : undefined);
const claimArgs = (event: IdaEvent) => (event.type === 'CLAIM' ? event : undefined);
const allocArgs = (event: IdaEvent) => (event.type === 'ALLOC' ? event : undefined);

/**
 * Guards, named as the IDA machine uses them.
 * @example idaGuards.allocFault({ context, event: { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: true } }) // true
 */
export const idaGuards = {
  /** §4: the allocation inside ida_alloc_range failed: -ENOMEM. */
  allocFault: ({ event }: IdaArgs) => allocArgs(event)?.fault === true,
  /** §4: no free id in the range: -ENOSPC. */
  allocNoSpace: ({ context, event }: IdaArgs) => {
    const e = allocArgs(event);
    return e !== undefined && lowestFree(context, e.min, e.max) < 0;
  },
  /** §4 (newest lib/idr.c): `(int)id < 0` returns silently. */
  freeNegative: ({ event }: IdaArgs) => (freeArgs(event)?.id ?? 0) < 0,
  /** §4: the id is not allocated: WARN, B4. */
  freeNotAllocated: ({ context, event }: IdaArgs) => {
    const e = freeArgs(event);
    return e !== undefined && indexOf(context, e.id) < 0;
  },
  /** model.md §3: the id is allocated, but to someone else than the caller (it was re-allocated). */
  freeOtherOwner: ({ context, event }: IdaArgs) => {
    const e = freeArgs(event);
    return e !== undefined && ownerOf(context, e.id) !== undefined && ownerOf(context, e.id) !== e.owner;
  },
  /** model.md §4.4: an id still held by the code that allocated it is claimed by the device it is set on. */
  claimable: ({ context, event }: IdaArgs) => {
    const e = claimArgs(event);
    return e !== undefined && ownerOf(context, e.id) === CODE_OWNER;
  },
  /** A stale free (as above) of the only id allocated: the IDA becomes empty. */
  freeOtherOwnerLast: (args: IdaArgs) => idaGuards.freeOtherOwner(args) && args.context.ids.length === 1,
  /** The free empties the IDA. */
  freeLast: ({ context }: IdaArgs) => context.ids.length === 1,
  /** model.md §4.3: ids left allocated at the end by owners not already reported. */
  hasLeakedIds: ({ context, event }: IdaArgs) =>
    event.type === 'END' && leakedIds(context, event.excused).length > 0,
};

/** Context updates, named as the IDA machine uses them. */
export const idaUpdates = {
  /** Hand the lowest free id in range to the event's owner. */
  allocate: ({ context, event }: IdaArgs): Partial<IdaContext> => {
    const e = allocArgs(event);
    if (!e) return {};
    const id = lowestFree(context, e.min, e.max);
    const at = lowerBound(context.ids, id);
    // Copies, never edits: a context is a value (XState snapshots and the explorer share them).
    const ids = context.ids.slice();
    const owners = context.owners.slice();
    ids.splice(at, 0, id);
    owners.splice(at, 0, e.owner);
    return { ids, owners };
  },
  /** Clear the id's bit, whoever owns it (a stale free really frees the other owner's id, model.md §4.2). */
  release: ({ context, event }: IdaArgs): Partial<IdaContext> => {
    const e = freeArgs(event);
    const at = e ? indexOf(context, e.id) : -1;
    if (at < 0) return {};
    const ids = context.ids.slice();
    const owners = context.owners.slice();
    ids.splice(at, 1);
    owners.splice(at, 1);
    return { ids, owners };
  },
  /** The claimed id now belongs to the event's owner. */
  claim: ({ context, event }: IdaArgs): Partial<IdaContext> => {
    const e = claimArgs(event);
    const at = e ? indexOf(context, e.id) : -1;
    if (!e || at < 0) return {};
    const owners = context.owners.slice();
    owners[at] = e.owner;
    return { owners };
  },
  /** §4 ida_destroy: every id dropped, no WARN. */
  clear: (_: IdaArgs): Partial<IdaContext> => ({ ids: [], owners: [] }),
};

/** Params of the `returns` effect of ALLOC: the id it hands out (computed before `allocate`). */
export function allocReturn({ context, event }: IdaArgs): { value: number } {
  const e = allocArgs(event);
  return { value: e ? lowestFree(context, e.min, e.max) : -1 };
}

/** Params of the id-leak report at the end: which ids leak. */
export function leakReport({ context, event }: IdaArgs) {
  return { code: 'id-leak' as const, ids: event.type === 'END' ? leakedIds(context, event.excused) : [] };
}
