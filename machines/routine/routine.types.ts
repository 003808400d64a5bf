import type { BugClass, ViolationCode } from '../violations.js';

/**
 * The code of a parent driver as the composed explorer runs it: for each device slot, the
 * documented create and teardown routine (kernel-auxbus.md §2.2, §2.3: allocate and fill, init,
 * add; on error unwind with kfree before init and uninit after it; teardown delete then uninit;
 * the IDA id freed by the release callback), and for each auxiliary driver its module's
 * register and unregister. A misuse swaps one step of the routine for the mistake of one bug class.
 */

/** One deviation from the documented routine, named after what the code does wrong. */
export type RoutineMisuse =
  | 'none'
  | 'no-uninit-on-add-failure'
  | 'kfree-after-uninit'
  | 'ida-free-after-uninit'
  | 'kfree-instead-of-uninit'
  | 'uninit-on-init-failure'
  | 'uninit-without-delete'
  | 'double-delete'
  | 'read-id-after-uninit'
  | 'kfree-after-empty-release';

/** What each misuse is, and what the model must find for it. */
export interface MisuseInfo {
  /** The mistake, as a reviewer would say it. */
  summary: string;
  /** The violation the model must reach with it. */
  expect: ViolationCode;
  bugClass: BugClass;
  /**
   * What the release callback does in a world that runs this routine: a routine that frees the
   * id itself pairs with a release that does not (or the id is freed twice for another reason).
   */
  releaseFreesId: boolean;
  /** Whether that release callback frees the container (false: an "empty" release, model.md §4.6). */
  releaseFreesContainer: boolean;
}

/** Every misuse with its expected finding (kernel-auxbus.md §5). */
export const ROUTINE_MISUSES: Readonly<Record<Exclude<RoutineMisuse, 'none'>, MisuseInfo>> = Object.freeze({
  'no-uninit-on-add-failure': { summary: 'returns on add failure without auxiliary_device_uninit()', expect: 'leak-initialized', bugClass: 'B3', releaseFreesId: true, releaseFreesContainer: true },
  'kfree-after-uninit': { summary: 'kfree()s the container after auxiliary_device_uninit() on add failure', expect: 'double-free', bugClass: 'B4', releaseFreesId: true, releaseFreesContainer: true },
  'ida-free-after-uninit': { summary: 'ida_free()s the id after auxiliary_device_uninit() on add failure, though release frees it', expect: 'ida-double-free', bugClass: 'B4', releaseFreesId: true, releaseFreesContainer: true },
  'kfree-instead-of-uninit': { summary: 'kfree()s the container instead of auxiliary_device_uninit() on add failure', expect: 'free-after-init', bugClass: 'B1', releaseFreesId: true, releaseFreesContainer: true },
  'uninit-on-init-failure': { summary: 'calls auxiliary_device_uninit() when auxiliary_device_init() failed', expect: 'put-uninitialized', bugClass: 'B2', releaseFreesId: true, releaseFreesContainer: true },
  'uninit-without-delete': { summary: 'tears down with auxiliary_device_uninit() alone, no auxiliary_device_delete()', expect: 'uninit-without-delete', bugClass: 'B6', releaseFreesId: true, releaseFreesContainer: true },
  'double-delete': { summary: 'calls auxiliary_device_delete() twice in teardown', expect: 'double-delete', bugClass: 'B7', releaseFreesId: true, releaseFreesContainer: true },
  'kfree-after-empty-release': {
    summary: 'kfree()s the container after the final auxiliary_device_uninit(), its release callback freeing nothing',
    expect: 'free-outside-release', bugClass: 'B18', releaseFreesId: true, releaseFreesContainer: false,
  },
  'read-id-after-uninit': { summary: 'reads adev->id after the final auxiliary_device_uninit() to ida_free() it', expect: 'use-after-release', bugClass: 'B11', releaseFreesId: false, releaseFreesContainer: true },
});

/** The routine's context: which misuse it carries (the same in every state). */
export interface RoutineContext { misuse: RoutineMisuse }

/**
 * A call the routine made and what it returned (`returned`: the world step's return value; for
 * kzalloc 0 stands for NULL). `IDA_FREE_FIELD` is `ida_free(ida, adev->id)`, reading the device.
 */
export type RoutineEvent =
  | { type: 'IDA_ALLOC' | 'KZALLOC' | 'INIT' | 'ADD' | 'DELETE' | 'UNINIT' | 'KFREE' | 'IDA_FREE' | 'IDA_FREE_FIELD'; returned: number | undefined };

/** Input of the routine machine. */
export interface RoutineInput { misuse?: RoutineMisuse }

/** Events of a driver module's routine: register (with what it returned) and unregister. */
export type ModuleEvent = { type: 'DRV_REGISTER'; returned: number | undefined } | { type: 'DRV_UNREGISTER'; returned: number | undefined };

/**
 * Tags: `rest` marks the states where the routine has nothing left to undo (never started, or
 * done): the scenario may end there.
 */
export type RoutineTag = 'rest';
