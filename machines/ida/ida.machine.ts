import { setup } from 'xstate';
import { NEG } from '../errno.js';
import { effectStubs, log, report, ret } from '../common/effects.js';
import { allocReturn, idaGuards, leakReport } from './ida.logic.js';
import type { IdaContext, IdaEvent } from './ida.types.js';

// -ENOSPC first: with no free id in range the kernel never gets as far as allocating memory.
const allocTransitions = (target: string | undefined) => [
  { guard: 'allocNoSpace', actions: ret(NEG.ENOSPC), description: '§4: no free id in [min, max] → -ENOSPC' },
  { guard: 'allocFault', actions: ret(NEG.ENOMEM), description: '§4: allocation failure → -ENOMEM' },
  {
    ...(target ? { target } : {}),
    actions: [{ type: 'returns', params: allocReturn }, 'markAllocated'],
    description: '§4: the lowest free id ≥ min, range inclusive',
  },
] as const;

const notAllocated = {
  guard: 'freeNotAllocated',
  actions: [log('warn', 'ida_free called for id=<id> which is not allocated.'), report('ida-double-free')],
  description: '§4, §5 B4',
} as const;

/**
 * The id-set effects: named here, carried out by whoever holds the set (`applyIdaEffect`), each on
 * the operands of the event that names it. No-ops for XState, like every effect.
 */
const setEffects = {
  /** The ALLOC's `lowest` id is now allocated to its `owner`. */
  markAllocated: () => {},
  /** The FREE's `id` is free again. */
  clearId: () => {},
  /** The CLAIM's `id` now belongs to its `owner`. */
  setOwner: () => {},
  /** No id is allocated any more. */
  clearAll: () => {},
};

/**
 * The parent's IDA (kernel-auxbus.md §4): lowest-free allocation in an inclusive range, `-ENOSPC`
 * when full, `ida_free` that WARNs on an id that is not allocated, and the model's extra eye:
 * a free by someone who no longer owns a re-allocated id (`ida-free-reallocated`, B4).
 * `empty` is `ida_is_empty()`.
 *
 * It decides from the facts its events carry (`IdaEvent`: the lowest free id, the holder of an
 * id, whether a free empties the IDA, the leaked ids) and names what happens to the id set
 * (`markAllocated`, `clearId`, `setOwner`, `clearAll`); the set itself is memory of whoever runs
 * it (`stepIda`, `idaEvent`, `applyIdaEffect`). Its context is empty.
 * @example
 * import { transition, initialTransition } from 'xstate';
 * const [s0] = initialTransition(idaMachine);
 * const [s1, actions] = transition(idaMachine, s0, { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 });
 * s1.value; // 'inUse'
 * actions.map((a) => a.type); // ['returns', 'markAllocated']
 */
export const idaMachine = setup({
  types: {
    context: {} as IdaContext,
    events: {} as IdaEvent,
  },
  guards: idaGuards,
  actions: {
    ...effectStubs,
    ...setEffects,
  },
}).createMachine({
  id: 'ida',
  context: {},
  initial: 'empty',
  states: {
    empty: {
      description: 'ida_is_empty(): no id allocated.',
      on: {
        ALLOC: allocTransitions('inUse'),
        FREE: [
          { guard: 'freeNegative', description: '§4: (int)id < 0 (an errno, or an id above INT_MAX) returns silently' },
          notAllocated,
        ],
        DESTROY: { description: '§4 ida_destroy on an empty IDA frees nothing' },
      },
    },
    inUse: {
      description: 'at least one id allocated.',
      on: {
        ALLOC: allocTransitions(undefined),
        FREE: [
          { guard: 'freeNegative', description: '§4: (int)id < 0 (an errno, or an id above INT_MAX) returns silently' },
          notAllocated,
          {
            guard: 'freeOtherOwnerLast',
            target: 'empty',
            actions: [report('ida-free-reallocated'), 'clearId'],
            description: 'model.md §3, §5 B4: the kernel frees the new owner\'s id silently (its last id)',
          },
          {
            guard: 'freeOtherOwner',
            actions: [report('ida-free-reallocated'), 'clearId'],
            description: 'model.md §3, §5 B4: the kernel frees the new owner\'s id silently',
          },
          { guard: 'freeLast', target: 'empty', actions: 'clearId', description: '§4: the last id is freed' },
          { actions: 'clearId', description: '§4: bit cleared, id reusable at once' },
        ],
        CLAIM: { guard: 'claimable', actions: 'setOwner', description: 'model.md §4.4: an id set on a device belongs to it' },
        DESTROY: { target: 'empty', actions: 'clearAll', description: '§4: drops every id without a WARN' },
        END: { guard: 'hasLeakedIds', actions: { type: 'violation', params: leakReport }, description: 'model.md §4.3, §5 B5' },
      },
    },
  },
});

/** The IDA machine's type. */
export type IdaMachine = typeof idaMachine;
