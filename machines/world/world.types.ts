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
}

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
  /** The range the parent allocates ids from (`ida_alloc_range(ida, min, max)`), inclusive: M = max - min + 1 ids, 1..16. */
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
 * A failure injected into auxiliary_driver_register(): its own (`register-nomem`, -ENOMEM), or
 * `bind-nomem`: binding the first waiting device fails in the driver core; register returns 0
 * and the other devices are still tried (kernel-auxbus.md §1.8).
 */
export type WorldRegisterFault = 'none' | 'register-nomem' | 'bind-nomem';

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
  | { type: 'END' };

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
