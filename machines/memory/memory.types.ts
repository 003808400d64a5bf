/** A plain kzalloc'd allocation that embeds no auxiliary device (model.md §1 "allocation"). */
export type MemoryContext = Record<string, never>;

/** Events on a plain allocation. */
export type MemoryEvent = { type: 'KFREE' } | { type: 'ACCESS'; field: string } | { type: 'END' };

/** Event type names of the memory machine. */
export type MemoryEventType = MemoryEvent['type'];

/**
 * The kernel call each memory event stands for.
 * @example MEMORY_EVENT_CALLS.KFREE // 'kfree(ptr)'
 */
export const MEMORY_EVENT_CALLS: Readonly<Record<MemoryEventType, string>> = Object.freeze({
  KFREE: 'kfree(ptr)',
  ACCESS: 'a read or write of ptr->field',
  END: 'end of the scenario: what kmemleak would find',
});

/**
 * Every distinct memory event.
 * @example memoryEventAlphabet.length // 3
 */
export const memoryEventAlphabet: readonly MemoryEvent[] = Object.freeze([
  { type: 'KFREE' },
  { type: 'ACCESS', field: 'data' },
  { type: 'END' },
] satisfies MemoryEvent[]);
