export { memoryMachine, type MemoryMachine } from './memory.machine.js';
export * from './memory.types.js';
