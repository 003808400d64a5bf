import type { IdaContext, IdaEvent } from './ida.types.js';

/**
 * The IDA events worth trying from a state of an IDA with `owners` owners: an allocation of the
 * whole space and of a one-id range at each end (so -ENOSPC is reachable before the IDA is full),
 * a failing allocation, a free and a claim of each id by each owner (stale frees included), a negative free,
 * destroy and the end check. Depends on the context because ids are payloads.
 * @example idaEventAlphabet({ capacity: 2, ids: [], owners: [] }, 2).length
 */
export function idaEventAlphabet(context: IdaContext, owners: number): IdaEvent[] {
  const top = context.capacity - 1;
  const events: IdaEvent[] = [];
  for (let owner = 0; owner < owners; owner++) {
    events.push({ type: 'ALLOC', min: 0, max: top, owner, fault: false });
    if (top > 0) events.push({ type: 'ALLOC', min: top, max: top, owner, fault: false });
    for (let id = 0; id <= top; id++) events.push({ type: 'FREE', id, owner }, { type: 'CLAIM', id, owner });
  }
  events.push(
    { type: 'ALLOC', min: 0, max: top, owner: 0, fault: true },
    { type: 'ALLOC', min: 1, max: 0, owner: 0, fault: false },
    { type: 'FREE', id: -1, owner: 0 },
    { type: 'DESTROY' },
    { type: 'END', excused: [] },
  );
  return events;
}
