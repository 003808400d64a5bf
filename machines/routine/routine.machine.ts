import { setup } from 'xstate';
import { moduleGuards, routineGuards } from './routine.logic.js';
import type { ModuleEvent, RoutineContext, RoutineEvent, RoutineInput, RoutineTag } from './routine.types.js';

/**
 * The documented routine of a parent driver for one auxiliary device (kernel-auxbus.md §2.2,
 * §2.3), as the composed explorer drives it: the state says which call comes next, the event says
 * what that call returned, and the routine branches on it as the C code would. The calls a state
 * offers are the event types it has an enabled transition for (guards read the misuse; the return
 * value is not known before the call, and a call that fails takes the failure branch after it).
 *
 * create: `ida_alloc` → `kzalloc` → `auxiliary_device_init` → `auxiliary_device_add`; unwind with
 * `kfree` + `ida_free` before init succeeded, `auxiliary_device_uninit` after it (the release
 * callback frees the container and the id); teardown: delete, then uninit.
 * Each misuse in `ROUTINE_MISUSES` replaces one of these steps with its mistake.
 * @example
 * import { createActor } from 'xstate';
 * const r = createActor(routineMachine, { input: { misuse: 'double-delete' } }).start();
 * r.send({ type: 'IDA_ALLOC', returned: 0 });
 * r.getSnapshot().value; // 'haveId'
 */
export const routineMachine = setup({
  types: {
    context: {} as RoutineContext,
    events: {} as RoutineEvent,
    input: {} as RoutineInput,
    tags: {} as RoutineTag,
  },
  guards: routineGuards,
}).createMachine({
  id: 'routine',
  context: ({ input }) => ({ misuse: input?.misuse ?? 'none' }),
  initial: 'start',
  states: {
    start: {
      tags: ['rest'],
      description: 'nothing done yet',
      on: { IDA_ALLOC: [{ guard: 'callFailed', target: 'done', description: 'no id: return the error' }, { target: 'haveId' }] },
    },
    haveId: {
      description: 'id = ida_alloc(...) succeeded',
      on: { KZALLOC: [{ guard: 'allocFailed', target: 'freeId', description: 'NULL: free the id and return -ENOMEM' }, { target: 'allocated' }] },
    },
    allocated: {
      description: 'the container is allocated and filled (name, id, parent, release): step 1',
      on: {
        INIT: [
          { guard: 'uninitOnInitFailure', target: 'initFailedUninit', description: 'B2: init failed, uninit anyway' },
          { guard: 'callFailed', target: 'initFailed', description: '§1.2: init failed, the caller still owns the memory' },
          { target: 'initialized' },
        ],
      },
    },
    initFailedUninit: { on: { UNINIT: { target: 'initFailed' } } },
    initFailed: { description: 'unwind before init: kfree the container', on: { KFREE: { target: 'freeId' } } },
    freeId: { description: 'unwind: ida_free the saved id', on: { IDA_FREE: { target: 'done' } } },
    initialized: {
      description: 'auxiliary_device_init() succeeded: from here only uninit unwinds',
      on: {
        ADD: [
          { guard: 'noUninitOnAddFailure', target: 'done', description: 'B3: add failed, return without uninit' },
          { guard: 'kfreeInsteadOfUninit', target: 'addFailedKfree', description: 'B1: add failed, kfree instead of uninit' },
          { guard: 'callFailed', target: 'addFailed', description: '§1.3: add failed, uninit and return' },
          { target: 'added' },
        ],
      },
    },
    addFailedKfree: { on: { KFREE: { target: 'freeId' } } },
    addFailed: {
      description: 'add failed: auxiliary_device_uninit() is the only unwind (release frees what it owns)',
      on: {
        UNINIT: [
          { guard: 'kfreeAfterUninit', target: 'kfreeAgain', description: 'B4: kfree after uninit' },
          { guard: 'idaFreeAfterUninit', target: 'freeId', description: 'B4: ida_free after uninit, release frees it too' },
          { guard: 'readIdAfterUninit', target: 'freeIdField', description: 'B11: ida_free(adev->id) after uninit' },
          { target: 'done' },
        ],
      },
    },
    kfreeAgain: { on: { KFREE: { target: 'done' } } },
    added: {
      description: 'registered: teardown deletes, then uninits',
      on: {
        DELETE: [{ guard: 'doubleDelete', target: 'deletedOnce' }, { target: 'deleted' }],
        UNINIT: { guard: 'uninitWithoutDelete', target: 'done', description: 'B6: uninit without delete' },
      },
    },
    deletedOnce: { on: { DELETE: { target: 'deleted', description: 'B7: delete again' } } },
    deleted: {
      on: {
        UNINIT: [
          { guard: 'readIdAfterUninit', target: 'freeIdField', description: 'B11: ida_free(adev->id) after the final uninit' },
          { guard: 'kfreeAfterEmptyRelease', target: 'kfreeAgain', description: 'B18: kfree after the final uninit, the release freeing nothing' },
          { target: 'done' },
        ],
      },
    },
    freeIdField: { on: { IDA_FREE_FIELD: { target: 'done' } } },
    done: { tags: ['rest'], description: 'created and torn down, or failed and unwound' },
  },
});

/** The routine machine's type. */
export type RoutineMachine = typeof routineMachine;

/**
 * An auxiliary driver's module: `module_init` registers the driver, `module_exit` unregisters it
 * (only when registration succeeded, §1.9: unregistering after a failed register is B14).
 * @example
 * import { createActor } from 'xstate';
 * const m = createActor(moduleMachine).start();
 * m.send({ type: 'DRV_REGISTER', returned: 0 });
 * m.getSnapshot().value; // 'loaded'
 */
export const moduleMachine = setup({
  types: { context: {} as Record<string, never>, events: {} as ModuleEvent, tags: {} as RoutineTag },
  guards: moduleGuards,
}).createMachine({
  id: 'module',
  context: {},
  initial: 'unloaded',
  states: {
    unloaded: {
      tags: ['rest'],
      on: { DRV_REGISTER: [{ guard: 'registerFailed', target: 'unloaded', description: 'module_init fails' }, { target: 'loaded' }] },
    },
    loaded: { tags: ['rest'], on: { DRV_UNREGISTER: { target: 'unloaded' } } },
  },
});

/** The module machine's type. */
export type ModuleMachine = typeof moduleMachine;
