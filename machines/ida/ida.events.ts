import { requireInt } from '../common/errors.js';
import { requireIdaCapacity } from './ida.set.js';
import type { IdaCall } from './ida.types.js';

/**
 * The IDA calls worth trying on an IDA of `capacity` ids shared by `owners` owners: an allocation
 * of the whole space and of a one-id range at its top (so -ENOSPC is reachable before the IDA is
 * full), a failing allocation, an empty range, a free and a claim of each id by each owner (stale
 * frees included), a negative free, destroy and the end check. They are calls: the facts each
 * becomes (`idaEvent`) depend on the id set at the time. Throws {@link ParameterError} on a bad
 * capacity or owner count.
 * @example idaCallAlphabet(2, 2).length // 17
 */
export function idaCallAlphabet(capacity: number, owners: number): IdaCall[] {
  const top = requireIdaCapacity(capacity) - 1;
  requireInt('owners', owners, 1, 2 ** 31 - 1);
  const calls: IdaCall[] = [];
  for (let owner = 0; owner < owners; owner++) {
    calls.push({ type: 'ALLOC', min: 0, max: top, owner, fault: false });
    if (top > 0) calls.push({ type: 'ALLOC', min: top, max: top, owner, fault: false });
    for (let id = 0; id <= top; id++) calls.push({ type: 'FREE', id, owner }, { type: 'CLAIM', id, owner });
  }
  calls.push(
    { type: 'ALLOC', min: 0, max: top, owner: 0, fault: true },
    { type: 'ALLOC', min: 1, max: 0, owner: 0, fault: false },
    { type: 'FREE', id: -1, owner: 0 },
    { type: 'DESTROY' },
    { type: 'END', excused: [] },
  );
  return calls;
}
