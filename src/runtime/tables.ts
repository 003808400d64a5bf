import {
  deviceMachine, driverMachine, idaMachine, memoryMachine,
  type DeviceContext, type DeviceEvent, type DriverContext, type DriverEvent, type IdaContext, type IdaEvent,
  type MemoryContext, type MemoryEvent,
} from '../../machines/index.js';
import { compileMachine } from '../model/compile.js';

/**
 * The machines compiled once, at load time. Every runtime object steps one of these: the runtime
 * holds no lifecycle rule of its own.
 */
export const tables = {
  device: compileMachine<DeviceContext, DeviceEvent>(deviceMachine),
  ida: compileMachine<IdaContext, IdaEvent>(idaMachine),
  driver: compileMachine<DriverContext, DriverEvent>(driverMachine),
  memory: compileMachine<MemoryContext, MemoryEvent>(memoryMachine),
};
