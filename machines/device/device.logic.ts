import type { DeviceContext, DeviceEvent } from './device.types.js';

/**
 * The device machine's guards and context updates as plain pure functions of `{ context, event }`.
 * The machine wires them by name; interpreters that do not run XState (the fast runtime, the
 * explorers, the C checker) call these same functions, so the logic exists once.
 */
export interface DeviceArgs { context: DeviceContext; event: DeviceEvent }

const initArgs = (event: DeviceEvent) => (event.type === 'INIT' ? event : undefined);
const addArgs = (event: DeviceEvent) => (event.type === 'ADD' ? event : undefined);
/** The put that drops the last reference: the caller's last one, with no bus references left. */
const lastRef = (c: DeviceContext) => c.refs + c.busRefs === 1;

/**
 * Guards, named as the machine uses them.
 * @example deviceGuards.initNullParent({ context, event: { type: 'INIT', parent: false, name: true } }) // true
 */
export const deviceGuards = {
  /** §1.2 check 1: `dev.parent == NULL`. */
  initNullParent: ({ event }: DeviceArgs) => initArgs(event)?.parent === false,
  /** §1.2 check 2: `name == NULL` (checked after the parent). */
  initNullName: ({ event }: DeviceArgs) => initArgs(event)?.name === false,
  /** §1.3: `modname == NULL` is checked before anything else in add. */
  addNullModname: ({ event }: DeviceArgs) => addArgs(event)?.modname === false,
  /** §3.3: `dev_set_name` can fail only with -ENOMEM. */
  addNameNomem: ({ event }: DeviceArgs) => addArgs(event)?.fault === 'name-nomem',
  /** §3.4: `device_add` internals (dev->p, sysfs) fail with -ENOMEM. */
  addDeviceAddNomem: ({ event }: DeviceArgs) => addArgs(event)?.fault === 'device-add-nomem',
  /** §2.4, §3.4: `modname.name.id` already on the bus: -EEXIST (B16 is an error, not a violation). */
  addNameTaken: ({ event }: DeviceArgs) => addArgs(event)?.nameTaken === true,
  /** §1.8: the driver's probe returned 0. */
  probeSucceeded: ({ event }: DeviceArgs) => event.type === 'PROBE' && event.result === 0,
  /** §3.2, §3.6: this put drops the count to 0 and `dev.release` is set. */
  lastRefWithRelease: ({ context }: DeviceArgs) => lastRef(context) && context.hasRelease,
  /** §3.6: this put drops the count to 0 and there is no release callback (B12). */
  lastRefNoRelease: ({ context }: DeviceArgs) => lastRef(context) && !context.hasRelease,
  /**
   * model.md §4.3: the container is checked for a leak at the end: no finding yet, and not devm
   * memory (devres frees that at unbind, model.md §4.6).
   */
  leakCheck: ({ context }: DeviceArgs) => !context.flagged && !context.devm,
  /** model.md §3 B6: the caller still holds more than this one reference to an added device. */
  ownRefsRemain: ({ context }: DeviceArgs) => context.refs > 1,
  /** model.md §3 B6: this put drops the caller's own count of an added device to 0. */
  ownLastRef: ({ context }: DeviceArgs) => context.refs === 1,
  /** §3.5: delete drops the bus's two references; with the caller's gone too, release runs. */
  ownRefsGoneWithRelease: ({ context }: DeviceArgs) => context.refs === 0 && context.hasRelease,
  /** As above, without a release callback (B12). */
  ownRefsGoneNoRelease: ({ context }: DeviceArgs) => context.refs === 0 && !context.hasRelease,
  /**
   * model.md §4.6: the caller's own count is 0 (its last put was made, e.g. after B6 the bus still
   * holds the device): from here a free anywhere but in the release callback is B18, not B1.
   */
  callerPutLast: ({ context }: DeviceArgs) => context.refs === 0 && context.put,
  /** The container is devm_kzalloc()ed: devres owns its memory, a kfree() of it is invalid. */
  devm: ({ context }: DeviceArgs) => context.devm,
  /** `dev.release` is set (read when the container is freed after the count reached 0). */
  hasRelease: ({ context }: DeviceArgs) => context.hasRelease,
  /** model.md §4.3: the end check skips a device with a violation already reported against it. */
  flagged: ({ context }: DeviceArgs) => context.flagged,
  /** The opposite of `flagged`: the end check applies. */
  unflagged: ({ context }: DeviceArgs) => !context.flagged,
  /** model.md §4.3: some put/uninit was made, so a remaining count is an unbalanced get. */
  everPut: ({ context }: DeviceArgs) => context.put,
};

/** Context updates (each returns the changed fields), named as the machine uses them. */
export const deviceUpdates = {
  /** §3.1: `kobject_init` → `kref_init`: count 1. */
  takeInitRef: (_: DeviceArgs): Partial<DeviceContext> => ({ refs: 1, busRefs: 0, put: false }),
  /** §3.2: get_device. */
  getRef: ({ context }: DeviceArgs): Partial<DeviceContext> => ({ refs: context.refs + 1 }),
  /** §3.2: put_device / auxiliary_device_uninit drop one of the caller's references. */
  dropRef: ({ context }: DeviceArgs): Partial<DeviceContext> => ({ refs: context.refs - 1, put: true }),
  /**
   * A put when the caller's own count is already 0 (after B6): kobject_put does not know whose
   * reference it is, so one of the bus's goes (measured, kernel-auxbus.md §3.9).
   */
  dropBusRef: ({ context }: DeviceArgs): Partial<DeviceContext> => ({ busRefs: context.busRefs - 1, put: true }),
  /** §3.4: after a successful add the bus klist and the parent's children klist hold one each. */
  joinBus: (_: DeviceArgs): Partial<DeviceContext> => ({ busRefs: 2 }),
  /** §3.5: device_del drops both. */
  leaveBus: (_: DeviceArgs): Partial<DeviceContext> => ({ busRefs: 0 }),
  /** A write of `dev.release`. */
  setRelease: ({ event }: DeviceArgs): Partial<DeviceContext> =>
    event.type === 'SET_RELEASE' ? { hasRelease: event.present } : {},
  /** model.md §4.3: remember that this device has a finding. */
  flag: (_: DeviceArgs): Partial<DeviceContext> => ({ flagged: true }),
};

/**
 * The device's whole reference count as the kernel's kref holds it (caller's + bus's).
 * @example refcount({ refs: 1, busRefs: 2, put: false, hasRelease: true, flagged: false, devm: false }) // 3
 */
export function refcount(context: DeviceContext): number {
  return context.refs + context.busRefs;
}
