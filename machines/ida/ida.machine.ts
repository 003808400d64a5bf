import { assign, setup } from 'xstate';
import { NEG } from '../errno.js';
import { effectStubs, log, report, ret } from '../shared/effects.js';
import { requireInt } from '../shared/errors.js';
import { allocReturn, idaGuards, idaUpdates, leakReport } from './ida.logic.js';
import type { IdaContext, IdaEvent, IdaInput } from './ida.types.js';
import { KERNEL_IDA_CAPACITY } from './ida.types.js';

// -ENOSPC first: with no free id in range the kernel never gets as far as allocating memory.
const allocTransitions = (target: string | undefined) => [
  { guard: 'allocNoSpace', actions: ret(NEG.ENOSPC), description: '§4: no free id in [min, max] → -ENOSPC' },
  { guard: 'allocFault', actions: ret(NEG.ENOMEM), description: '§4: allocation failure → -ENOMEM' },
  {
    ...(target ? { target } : {}),
    actions: [{ type: 'returns', params: allocReturn }, 'allocate'],
    description: '§4: the lowest free id ≥ min, range inclusive',
  },
] as const;

const notAllocated = {
  guard: 'freeNotAllocated',
  actions: [log('warn', 'ida_free called for id=<id> which is not allocated.'), report('ida-double-free')],
  description: '§4, §5 B4',
} as const;

/**
 * The parent's IDA (kernel-auxbus.md §4): lowest-free allocation in an inclusive range, `-ENOSPC`
 * when full, `ida_free` that WARNs on an id that is not allocated, and the model's extra eye:
 * a free by someone who no longer owns a re-allocated id (`ida-free-reallocated`, B4).
 * `empty` is `ida_is_empty()`.
 * @example
 * import { createActor } from 'xstate';
 * const ida = createActor(idaMachine, { input: { capacity: 4 } }).start();
 * ida.send({ type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false });
 * ida.getSnapshot().context.ids; // [0]
 */
export const idaMachine = setup({
  types: {
    context: {} as IdaContext,
    events: {} as IdaEvent,
    input: {} as IdaInput,
  },
  guards: idaGuards,
  actions: {
    ...effectStubs,
    allocate: assign(idaUpdates.allocate),
    release: assign(idaUpdates.release),
    claim: assign(idaUpdates.claim),
    clear: assign(idaUpdates.clear),
  },
}).createMachine({
  id: 'ida',
  context: ({ input }) => ({
    capacity: requireInt('ida capacity', input?.capacity ?? KERNEL_IDA_CAPACITY, 1, KERNEL_IDA_CAPACITY, 'the id space is [0, capacity - 1], at most INT_MAX + 1 ids'),
    ids: [],
    owners: [],
  }),
  initial: 'empty',
  states: {
    empty: {
      description: 'ida_is_empty(): no id allocated.',
      on: {
        ALLOC: allocTransitions('inUse'),
        FREE: [
          { guard: 'freeNegative', description: '§4: (int)id < 0 returns silently' },
          notAllocated,
        ],
        DESTROY: { actions: 'clear', description: '§4 ida_destroy on an empty IDA frees nothing' },
      },
    },
    inUse: {
      description: 'at least one id allocated.',
      on: {
        ALLOC: allocTransitions(undefined),
        FREE: [
          { guard: 'freeNegative', description: '§4: (int)id < 0 returns silently' },
          notAllocated,
          {
            guard: 'freeOtherOwnerLast',
            target: 'empty',
            actions: [report('ida-free-reallocated'), 'release'],
            description: 'model.md §3, §5 B4: the kernel frees the new owner\'s id silently (its last id)',
          },
          {
            guard: 'freeOtherOwner',
            actions: [report('ida-free-reallocated'), 'release'],
            description: 'model.md §3, §5 B4: the kernel frees the new owner\'s id silently',
          },
          { guard: 'freeLast', target: 'empty', actions: 'release', description: '§4: the last id is freed' },
          { actions: 'release', description: '§4: bit cleared, id reusable at once' },
        ],
        CLAIM: { guard: 'claimable', actions: 'claim', description: 'model.md §4.4: an id set on a device belongs to it' },
        DESTROY: { target: 'empty', actions: 'clear', description: '§4: drops every id without a WARN' },
        END: { guard: 'hasLeakedIds', actions: { type: 'violation', params: leakReport }, description: 'model.md §4.3, §5 B5' },
      },
    },
  },
});

/** The IDA machine's type. */
export type IdaMachine = typeof idaMachine;
