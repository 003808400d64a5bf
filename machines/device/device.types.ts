/**
 * What the device machine knows about one `struct auxiliary_device` (model.md §1).
 *
 * The context holds only what a later decision depends on, because context is part of a state's
 * identity in path generation (xstate/graph keys a state by its value and context): every field here multiplies states.
 */
export interface DeviceContext {
  /** The caller's own references: 1 from init, +1 per get_device, -1 per put/uninit (§3.2). */
  refs: number;
  /** References the bus holds while the device is added: bus klist + parent's children klist (§3.4). */
  busRefs: number;
  /** A put or uninit was made at least once: tells leak-initialized from reference-leak (model.md §4.3). */
  put: boolean;
  /** `dev.release` is set: read by the kernel only at the final put (§3.6). */
  hasRelease: boolean;
  /** A violation was reported against this device: the end check skips it (model.md §4.3). */
  flagged: boolean;
  /**
   * The container was devm_kzalloc()ed on the parent: devres frees it when the parent driver
   * unbinds (DEVRES_FREE), so it is never a memory-leak at the end (model.md §4.6).
   */
  devm: boolean;
}

/** How `__auxiliary_device_add` fails after its modname check (§1.3, §3.3, §3.4). */
export type AddFault = 'none' | 'name-nomem' | 'device-add-nomem';

/**
 * Events carry the facts the kernel reads at that call (fields of the struct, whether the name is
 * taken on the bus, an injected fault), so every decision stays inside the machine.
 */
export type DeviceEvent =
  | { type: 'INIT'; parent: boolean; name: boolean }
  | { type: 'ADD'; modname: boolean; nameTaken: boolean; fault: AddFault }
  | { type: 'DELETE' }
  | { type: 'UNINIT' }
  | { type: 'GET' }
  | { type: 'PUT' }
  | { type: 'KFREE' }
  | { type: 'DEVRES_FREE' }
  | { type: 'READ'; field: string }
  | { type: 'WRITE'; field: string }
  | { type: 'SET_RELEASE'; present: boolean }
  | { type: 'PROBE'; result: number }
  | { type: 'UNBIND' }
  | { type: 'RUN_RELEASE' }
  | { type: 'RELEASED' }
  | { type: 'END' };

/** Event type names of the device machine. */
export type DeviceEventType = DeviceEvent['type'];

/** Input: the struct as step 1 of the documented registration filled it. */
export interface DeviceInput {
  /** Whether `dev.release` was filled in before init (default true). */
  hasRelease?: boolean;
  /** Whether the container was devm_kzalloc()ed (default false): devres frees it at unbind. */
  devm?: boolean;
}

/**
 * The kernel call each device event stands for: one source for the README table, diagram labels
 * and the C checker's event mapping.
 * @example DEVICE_EVENT_CALLS.UNINIT // 'auxiliary_device_uninit(adev)'
 */
export const DEVICE_EVENT_CALLS: Readonly<Record<DeviceEventType, string>> = Object.freeze({
  INIT: 'auxiliary_device_init(adev)',
  ADD: 'auxiliary_device_add(adev) / __auxiliary_device_add(adev, modname)',
  DELETE: 'auxiliary_device_delete(adev)',
  UNINIT: 'auxiliary_device_uninit(adev)',
  GET: 'get_device(&adev->dev)',
  PUT: 'put_device(&adev->dev)',
  KFREE: 'kfree(container)',
  DEVRES_FREE: 'devres frees a devm_kzalloc()ed container (the parent driver unbinds: devres_release_all)',
  READ: 'a read of adev->field (e.g. adev->id)',
  WRITE: 'a write of adev->field (e.g. adev->id = id)',
  SET_RELEASE: 'adev->dev.release = fn (or = NULL)',
  PROBE: 'the bus calls auxdrv->probe(adev, id) (from device_add or driver register)',
  UNBIND: 'auxiliary_driver_unregister() unbinds: auxdrv->remove(adev)',
  RUN_RELEASE: 'kobject_cleanup runs the release callback: at the last put, or later (CONFIG_DEBUG_KOBJECT_RELEASE, another holder)',
  RELEASED: 'dev.release(dev) returned (device_release, §3.6)',
  END: 'end of the scenario: what kmemleak would find',
});

/**
 * Tags the device states carry, so that code outside the machine asks what a state means
 * (`snapshot.hasTag('onBus')`) instead of comparing state names.
 * - `live`: the memory may be used; `dead`: released or freed (model.md §4.1).
 * - `refcounted`: init succeeded; `onBus`: added (name taken bus-wide, §2.4); `bound`: a driver is bound.
 * - `freed`: the container's memory is gone.
 * - `releasePending`: the count reached 0 and the release callback has not run yet (model.md §4.6):
 *   whoever runs the machine sends RUN_RELEASE when the kernel's cleanup runs it.
 */
export type DeviceTag = 'live' | 'refcounted' | 'onBus' | 'bound' | 'dead' | 'freed' | 'releasePending';
