export { deviceMachine, type DeviceMachine } from './device.machine.js';
export { deviceGuards, deviceUpdates, refcount, type DeviceArgs } from './device.logic.js';
export { deviceEventAlphabet } from './device.events.js';
export * from './device.types.js';
