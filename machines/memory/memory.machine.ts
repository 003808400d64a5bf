import { setup } from 'xstate';
import { effectStubs, report } from '../common/effects.js';
import type { MemoryContext, MemoryEvent } from './memory.types.js';

/**
 * A plain allocation (one that embeds no auxiliary device; a container that does is the device
 * machine's memory): kzalloc'd, freed once by kfree. A second kfree is B4's double-free, an access
 * after kfree is use-after-release (model.md §4.1), and one never freed is a memory-leak at the end.
 * @example
 * import { createActor } from 'xstate';
 * const mem = createActor(memoryMachine).start();
 * mem.send({ type: 'KFREE' });
 * mem.getSnapshot().value; // 'freed'
 */
export const memoryMachine = setup({
  types: { context: {} as MemoryContext, events: {} as MemoryEvent, tags: {} as 'freed' },
  actions: {
    ...effectStubs,
    /** An access of live memory: the runtime hands back or stores the field. */
    accessField: () => {},
  },
}).createMachine({
  id: 'memory',
  context: {},
  initial: 'allocated',
  states: {
    allocated: {
      description: 'kzalloc\'d: the caller owns it and frees it with kfree.',
      on: {
        KFREE: { target: 'freed', description: 'kfree' },
        ACCESS: { actions: 'accessField', description: 'access of live memory' },
        END: { actions: report('memory-leak'), description: 'model.md §4.3: never freed (kmemleak)' },
      },
    },
    freed: {
      description: 'the memory is gone.',
      tags: ['freed'],
      on: {
        KFREE: { actions: report('double-free'), description: '§5 B4: BUG: KASAN: double-free' },
        ACCESS: { actions: report('use-after-release'), description: 'model.md §4.1: BUG: KASAN: slab-use-after-free' },
      },
    },
  },
});

/** The memory machine's type. */
export type MemoryMachine = typeof memoryMachine;
