export { driverMachine, type DriverMachine } from './driver.machine.js';
export { driverGuards, type DriverArgs } from './driver.logic.js';
export { driverEventAlphabet } from './driver.events.js';
export * from './driver.types.js';
