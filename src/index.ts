/**
 * auxbus-model: the Linux auxiliary-bus device lifecycle as an executable formal model.
 * The one public entry point: machines, path generation, and (as they land) the runtime,
 * explorers and checker.
 */
export * from '../machines/index.js';
export * from './paths/index.js';
export * from './runtime/index.js';
export { compileMachine, CompiledMachine, UnsupportedMachineError, type Effect, type CompiledState, type LeafInfo } from './model/compile.js';
