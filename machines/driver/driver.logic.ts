import type { DriverContext, DriverEvent } from './driver.types.js';

/** Arguments every driver guard takes, as XState passes them. */
export interface DriverArgs { context: DriverContext; event: DriverEvent }

const reg = (event: DriverEvent) => (event.type === 'REGISTER' ? event : undefined);

/**
 * Guards, named as the driver machine uses them (§1.9, checked in the kernel's order).
 * @example driverGuards.noProbe({ context: {}, event: { type: 'REGISTER', probe: false, idTable: true, nameTaken: false, fault: 'none' } }) // true
 */
export const driverGuards = {
  /** `WARN_ON(!auxdrv->probe)` → -EINVAL (B13). */
  noProbe: ({ event }: DriverArgs) => reg(event)?.probe === false,
  /** `WARN_ON(!auxdrv->id_table)` → -EINVAL (B13). */
  noIdTable: ({ event }: DriverArgs) => reg(event)?.idTable === false,
  /** kasprintf of `driver.name` failed → -ENOMEM. */
  nameNomem: ({ event }: DriverArgs) => reg(event)?.fault === 'name-nomem',
  /** driver_register: a driver of that name is on the bus → -EBUSY. */
  nameTaken: ({ event }: DriverArgs) => reg(event)?.nameTaken === true,
  /** driver_register → bus_add_driver failed → -ENOMEM. */
  registerNomem: ({ event }: DriverArgs) => reg(event)?.fault === 'register-nomem',
};
