import type { SnapshotFrom } from 'xstate';
import type { DeviceMachine } from '../device/device.machine.js';
import type { AddFault } from '../device/device.types.js';
import type { DriverMachine } from '../driver/driver.machine.js';
import type { IdaModelState } from '../ida/ida.model.js';
import type { ViolationCode } from '../violations.js';
import type { WorldState } from './world.step.js';

/** What every device's release callback does in this world (kernel-auxbus.md §2.3, §2.4). */
export interface ReleaseBehaviour {
  /** `dev.release` is set at all (false: B12). */
  present: boolean;
  /** The release frees the container (the documented pattern). */
  freesContainer: boolean;
  /** The release frees the device's IDA id (`ida_free(ida, adev->id)`). */
  freesId: boolean;
  /**
   * A call the release makes on its own device before freeing anything (a bug: the count is 0 and
   * the device is being torn down; except `devm_kfree`, a devm container given back to devres,
   * which frees nothing of a kzalloc()ed one): only in worlds made to reach what a device does
   * while its release runs; absent, the release makes none.
   */
  calls?: ReleaseCall;
}

/**
 * A call a release callback may make on the device it releases (model.md §4.1: use-after-release;
 * §4.6: `devm_kfree` of its devm container is how such a release frees it).
 */
export type ReleaseCall =
  | 'get_device' | 'put_device' | 'auxiliary_device_uninit' | 'auxiliary_device_delete' | 'auxiliary_device_init' | 'auxiliary_device_add'
  | 'write_id' | 'set_release' | 'devm_kfree';

/** One auxiliary driver of the world: every driver's id table matches the world's devices. */
export interface WorldDriver {
  /** What its probe returns: `ok` binds, `fails` leaves the device added and unbound (§1.8). */
  probe: 'ok' | 'fails';
}

/**
 * A parent driver's world: K devices of one name (ids tell them apart) sharing one IDA of M ids,
 * and D auxiliary drivers. All numbers are bounded so that exhaustive path generation ends.
 */
export interface WorldParams {
  /** K: device slots, 1..6. */
  devices: number;
  /**
   * The range the parent allocates ids from (`ida_alloc_range(ida, min, max)`), inclusive: M = max - min + 1 ids, 1..16;
   * or up to INT_MAX (`ida_alloc()`, `ida_alloc_min()`), for worlds that replay paths (the explorers refuse it).
   */
  idaRange: { min: number; max: number };
  /** The auxiliary drivers, 0..3. */
  drivers: WorldDriver[];
  /** The most references (init + gets) the caller holds on one device while exploring, 1..4. */
  refBound: number;
  /** What the release callback does. */
  release: ReleaseBehaviour;
  /** Explore injected failures (kzalloc, ida_alloc, init, add, driver register) as well. */
  faults: boolean;
  /**
   * Release is deferred (model.md §4.6): a device whose count reached 0 waits for its release,
   * which the kernel runs at any later step (a RELEASE event), so every timing is explored.
   * False: the release runs inside the put that dropped the count to 0.
   */
  deferredRelease: boolean;
}

/** World params as a caller may give them: anything left out takes its default. */
export type WorldParamsInput = Partial<Omit<WorldParams, 'release' | 'idaRange'>> & {
  release?: Partial<ReleaseBehaviour>;
  idaRange?: Partial<WorldParams['idaRange']>;
};

/**
 * A failure injected into auxiliary_device_add(): the device's own (`AddFault`), or
 * `bind-nomem`: the driver core fails to bind the first driver it tries (an allocation in
 * really_probe before the driver's probe, e.g. driver_sysfs_add). The kernel swallows it: add
 * returns 0, the device stays unbound, no other driver is tried (kernel-auxbus.md §1.8).
 */
export type WorldAddFault = AddFault | 'bind-nomem';

/**
 * A failure injected into auxiliary_driver_register(): its own (`register-nomem`, -ENOMEM in
 * bus_add_driver; `name-nomem`, -ENOMEM from the kasprintf of its name, which no explored world
 * offers since it ends the same way, but a fail-nth sweep meets it first), or
 * `bind-nomem`: binding the first waiting device fails in the driver core; register returns 0
 * and the other devices are still tried (kernel-auxbus.md §1.8).
 */
export type WorldRegisterFault = 'none' | 'register-nomem' | 'bind-nomem' | 'name-nomem';

/**
 * Events of the world: the calls a parent driver (and the modules around it) make. `dev` and
 * `drv` index the device slots and drivers.
 */
export type WorldEvent =
  | { type: 'KZALLOC'; dev: number; fail: boolean }
  | { type: 'IDA_ALLOC'; dev: number; fail: boolean }
  | { type: 'IDA_FREE'; dev: number; via: 'saved' | 'field' }
  | { type: 'INIT'; dev: number; ok: boolean }
  | { type: 'ADD'; dev: number; fault: WorldAddFault }
  | { type: 'DELETE'; dev: number }
  | { type: 'UNINIT'; dev: number }
  | { type: 'GET'; dev: number }
  | { type: 'PUT'; dev: number }
  | { type: 'KFREE'; dev: number }
  | { type: 'READ_ID'; dev: number }
  | { type: 'RELEASE'; dev: number }
  | { type: 'DRV_REGISTER'; drv: number; fault: WorldRegisterFault }
  | { type: 'DRV_UNREGISTER'; drv: number }
  | { type: 'END' }
  | WorldExtraCall;

/**
 * Calls no explored world offers (`worldEvents` never lists them: they add no state the explorer
 * needs) but `stepWorld` runs, so that generated tests reach every transition of the component
 * machines: the init and add argument checks, field writes, the release pointer, the IDA's own
 * edge cases and drivers registered incomplete or under a name already taken.
 */
export type WorldExtraCall =
  /** auxiliary_device_init() with `auxdev->name` NULL (§1.2 check 2: -EINVAL). */
  | { type: 'INIT_NULL_NAME'; dev: number }
  /** __auxiliary_device_add(auxdev, NULL) (§1.3: -EINVAL). */
  | { type: 'ADD_NULL_MODNAME'; dev: number }
  /** `adev->id = id` again: a field write (use-after-release on a dead device). */
  | { type: 'WRITE_ID'; dev: number }
  /** `adev->dev.release = release` or NULL: which release the device core will call (§3.6). */
  | { type: 'SET_RELEASE'; dev: number; present: boolean }
  /** ida_free(ida, -1): lib/idr.c returns at once for an id that is negative as an int (§4). */
  | { type: 'IDA_FREE_NEGATIVE' }
  /** ida_alloc_range(ida, max + 1, max): a range with no id in it (§4: -ENOSPC). */
  | { type: 'IDA_ALLOC_EMPTY_RANGE'; dev: number }
  /** ida_destroy(ida) before the end: every id goes (§4). */
  | { type: 'IDA_DESTROY' }
  /** devm_kzalloc() of the container on the parent: devres frees it at the parent's unbind. */
  | { type: 'KZALLOC_DEVM'; dev: number }
  /** devres frees a devm container (devm_kfree(), or the parent's unbind running devres_release_all()). */
  | { type: 'DEVRES_FREE'; dev: number }
  /** auxiliary_driver_register() of a driver with no probe or no id_table (§1.9: WARN, -EINVAL). */
  | { type: 'DRV_REGISTER_INCOMPLETE'; drv: number; missing: 'probe' | 'id_table' }
  /** Driver `drv` registered under the name of registered driver `as` (§1.9: -EBUSY). */
  | { type: 'DRV_REGISTER_AS'; drv: number; as: number };

/** A violation found by one world step, with the object it concerns. */
export interface WorldFinding {
  code: ViolationCode;
  /** The device slot, for device findings and ids owned by a device. */
  dev?: number;
  /** The driver, for driver findings. */
  drv?: number;
  /** The ids concerned, for IDA findings. */
  ids?: number[];
}

export type DeviceSnapshot = SnapshotFrom<DeviceMachine>;
export type DriverSnapshot = SnapshotFrom<DriverMachine>;

/** The composed state as the XState world holds it: one snapshot per component machine plus the relations between them. */
export type WorldContext = WorldState<DeviceSnapshot, IdaModelState, DriverSnapshot>;

/** The world's snapshot as an XState actor logic sees it. */
export interface WorldSnapshot {
  status: 'active' | 'done';
  output: undefined;
  error: undefined;
  context: WorldContext;
  /** Findings of the step that produced this snapshot (not part of the state's identity). */
  findings: WorldFinding[];
  /** What the step's kernel call returned, if it returns a value. */
  returned: number | undefined;
}
