import type { DriverEvent } from './driver.types.js';

/**
 * Every distinct driver event: a complete driver, each missing field, each registration failure,
 * and unregister.
 * @example driverEventAlphabet.length // 7
 */
export const driverEventAlphabet: readonly DriverEvent[] = Object.freeze([
  { type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: 'none' },
  { type: 'REGISTER', probe: false, idTable: true, nameTaken: false, fault: 'none' },
  { type: 'REGISTER', probe: true, idTable: false, nameTaken: false, fault: 'none' },
  { type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: 'name-nomem' },
  { type: 'REGISTER', probe: true, idTable: true, nameTaken: true, fault: 'none' },
  { type: 'REGISTER', probe: true, idTable: true, nameTaken: false, fault: 'register-nomem' },
  { type: 'UNREGISTER' },
] satisfies DriverEvent[]);
