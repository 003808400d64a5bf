/**
 * auxbus-model: the Linux auxiliary-bus device lifecycle as an executable formal model.
 * The one public entry point: machines, path generation, and (as they land) the runtime,
 * explorers and checker.
 */
export * from '../machines/index.js';
export * from './paths/index.js';
export * from './runtime/index.js';
export {
  compileMachine, CompiledMachine, UnsupportedMachineError,
  type Effect, type CompiledState, type LeafInfo, type CompiledTransition, type Args as GuardArgs, type Op as CompiledOp,
} from './model/compile.js';
export { generateRunner, type Runner, type RunnerHost, type RunnerOptions, type EffectHandler } from './model/runner.js';
export {
  readChart, toDot, toMermaid, renderSvg, replay as replayPath, readPathInput, generateDiagrams, writeDiagrams, checkDiagrams, mermaidFor, mermaidMarkdown,
  type Chart, type Trace as PathTrace, type TraceStep as PathTraceStep, type DiagramCheck,
} from './diagrams/index.js';
export { exportPaths, pathsToMarkdown, STRATEGIES, SIMPLE_PATHS_STATE_LIMIT, type PathExport, type ExportedPath, type ExportedStep, type Strategy } from './export/paths.js';
export { MACHINE_NAMES, type MachineName } from './catalog.js';
export * from './explore/routine/index.js';
export { DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY, MemoryGauge, requireMaxMemory } from './explore/memory.js';
export * from './explore/world/index.js';
export { UsageError, PathInputError, ModelTooLargeError, FileError, UnknownCodeError } from './errors.js';
export * from './check/index.js';
