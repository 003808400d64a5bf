/**
 * A `struct auxiliary_driver` (kernel-auxbus.md §1.9). Its binding to devices is a relation the
 * world holds (which device is bound to which driver); the device machine holds bound/unbound.
 */
export type DriverContext = Record<string, never>;

/** How registration fails after the WARN_ON checks (§1.9). */
export type RegisterFault = 'none' | 'name-nomem' | 'register-nomem';

/** Driver events; REGISTER carries the fields and bus facts the kernel reads. */
export type DriverEvent =
  | { type: 'REGISTER'; probe: boolean; idTable: boolean; nameTaken: boolean; fault: RegisterFault }
  | { type: 'UNREGISTER' };

/** Event type names of the driver machine. */
export type DriverEventType = DriverEvent['type'];

/**
 * The kernel call each driver event stands for.
 * @example DRIVER_EVENT_CALLS.UNREGISTER // 'auxiliary_driver_unregister(auxdrv)'
 */
export const DRIVER_EVENT_CALLS: Readonly<Record<DriverEventType, string>> = Object.freeze({
  REGISTER: 'auxiliary_driver_register(auxdrv) / __auxiliary_driver_register(auxdrv, owner, modname)',
  UNREGISTER: 'auxiliary_driver_unregister(auxdrv)',
});
