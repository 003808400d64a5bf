import type { ModuleEvent, RoutineContext, RoutineEvent, RoutineMisuse } from './routine.types.js';

/** Arguments of the routine's guards. */
export interface RoutineArgs { context: RoutineContext; event: RoutineEvent }

const failed = (e: RoutineEvent) => e.returned !== undefined && e.returned !== 0 && !(e.type === 'IDA_ALLOC' && e.returned >= 0);
const misuse = (m: RoutineMisuse) => ({ context }: RoutineArgs) => context.misuse === m;
/** The call failed and the routine carries misuse `m` in its failure branch. */
const failedWith = (m: RoutineMisuse) => ({ context, event }: RoutineArgs) => context.misuse === m && failed(event);

/**
 * The routine's guards: how a call came out (as the caller reads its return value) and which
 * misuse the routine carries.
 * @example routineGuards.allocFailed({ context: { misuse: 'none' }, event: { type: 'KZALLOC', returned: 0 } }) // true
 */
export const routineGuards = {
  /** kzalloc returned NULL (the world returns 0 for NULL, nothing for a pointer). */
  allocFailed: ({ event }: RoutineArgs) => event.type === 'KZALLOC' && event.returned === 0,
  /** The call returned a negative errno (an id ≥ 0 from ida_alloc is success). */
  callFailed: ({ event }: RoutineArgs) => failed(event),
  noUninitOnAddFailure: failedWith('no-uninit-on-add-failure'),
  kfreeAfterUninit: misuse('kfree-after-uninit'),
  idaFreeAfterUninit: misuse('ida-free-after-uninit'),
  kfreeInsteadOfUninit: failedWith('kfree-instead-of-uninit'),
  uninitOnInitFailure: failedWith('uninit-on-init-failure'),
  uninitWithoutDelete: misuse('uninit-without-delete'),
  doubleDelete: misuse('double-delete'),
  readIdAfterUninit: misuse('read-id-after-uninit'),
  kfreeAfterEmptyRelease: misuse('kfree-after-empty-release'),
};

/** Guards of a driver module's routine. */
export const moduleGuards = {
  /** auxiliary_driver_register returned an error. */
  registerFailed: ({ event }: { event: ModuleEvent }) => event.returned !== undefined && event.returned !== 0,
};
