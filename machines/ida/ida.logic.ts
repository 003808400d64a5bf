import type { IdaContext, IdaEvent } from './ida.types.js';
import { CODE_OWNER, NO_HOLDER } from './ida.types.js';

/** Arguments every IDA guard and params function takes, as XState passes them. */
export interface IdaArgs { context: IdaContext; event: IdaEvent }

/**
 * Guards, named as the IDA machine uses them. Each reads only the facts its event carries (see
 * `IdaEvent`), so the machine decides without holding the id set.
 * @example idaGuards.allocFault({ context: {}, event: { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: true, lowest: 0 } }) // true
 */
export const idaGuards = {
  /** §4: the allocation inside ida_alloc_range failed: -ENOMEM. */
  allocFault: ({ event }: IdaArgs) => event.type === 'ALLOC' && event.fault,
  /** §4: no free id in the range: -ENOSPC. */
  allocNoSpace: ({ event }: IdaArgs) => event.type === 'ALLOC' && event.lowest < 0,
  /**
   * §4 (lib/idr.c since fc82bbf4dede, in 6.12): `(int)id < 0` returns silently. `id` is an
   * `unsigned int`, so a negative errno and an id above INT_MAX (2^31 .. 2^32 - 1) both land here.
   */
  freeNegative: ({ event }: IdaArgs) => event.type === 'FREE' && (event.id | 0) < 0,
  /** §4: the id is not allocated: WARN, B4. */
  freeNotAllocated: ({ event }: IdaArgs) => event.type === 'FREE' && event.holder === NO_HOLDER,
  /** model.md §3: the id is allocated, but to someone else than the caller (it was re-allocated). */
  freeOtherOwner: ({ event }: IdaArgs) => event.type === 'FREE' && event.holder !== NO_HOLDER && event.holder !== event.owner,
  /** model.md §4.4: an id still held by the code that allocated it is claimed by the device it is set on. */
  claimable: ({ event }: IdaArgs) => event.type === 'CLAIM' && event.holder === CODE_OWNER,
  /** A stale free (as above) of the only id allocated: the IDA becomes empty (§4 ida_is_empty). */
  freeOtherOwnerLast: (args: IdaArgs) => idaGuards.freeOtherOwner(args) && args.event.type === 'FREE' && args.event.last,
  /** §4: the free empties the IDA. */
  freeLast: ({ event }: IdaArgs) => event.type === 'FREE' && event.last,
  /** model.md §4.3: ids left allocated at the end by owners not already reported. */
  hasLeakedIds: ({ event }: IdaArgs) => event.type === 'END' && event.leaked.length > 0,
};

/**
 * Params of the `returns` effect of a successful ALLOC: the id it hands out (§4).
 * @example allocReturn({ context: {}, event: { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 2 } }) // { value: 2 }
 */
export function allocReturn({ event }: IdaArgs): { value: number } {
  return { value: event.type === 'ALLOC' ? event.lowest : -1 };
}

/**
 * Params of the id-leak report at the end: which ids leak (model.md §4.3).
 * @example leakReport({ context: {}, event: { type: 'END', leaked: [3] } }) // { code: 'id-leak', ids: [3] }
 */
export function leakReport({ event }: IdaArgs) {
  return { code: 'id-leak' as const, ids: event.type === 'END' && Array.isArray(event.leaked) ? event.leaked : [] };
}
