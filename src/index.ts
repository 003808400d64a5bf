/**
 * auxbus-model: the Linux auxiliary-bus device lifecycle as an executable formal model.
 * The one public entry point: machines, path generation, and (as they land) the runtime,
 * explorers and checker.
 */
export * from '../machines/index.js';
// The checked versions of the model's hot helpers: named exports take the place of the unchecked
// ones `export *` above gives, which the runtime and the explorers keep calling (machines/checked.ts).
export {
  allocNeedsMemory, allocReturn, applyIdaEffect, idaAllocEvent, idaClaimEvent, idaEvent, idaFreeEvent, idaIsEmpty, leakedIds, leakReport,
  lowestFree, serializeIdaModel, stepIda, xstateIda, deviceOwner, idField, initialWorldState, serializeWorld, sharedEvents, slotEvents,
  stepWorld, worldEventAlphabet, worldEvents, refcount,
} from '../machines/checked.js';
export * from './paths/index.js';
export * from './runtime/index.js';
export {
  compileMachine, CompiledMachine, UnsupportedMachineError,
  type Effect, type CompiledState, type LeafInfo, type CompiledTransition, type Args as GuardArgs, type Op as CompiledOp,
} from './model/compile.js';
export { generateRunner, type Runner, type RunnerHost, type ContextHost, type RunnerOptions, type EffectHandler } from './model/runner.js';
export {
  readChart, toDot, toMermaid, renderSvg, replay as replayPath, readPathInput, MAX_TRACE_STEPS, generateDiagrams, writeDiagrams, checkDiagrams, mermaidFor, mermaidMarkdown,
  type Chart, type Trace as PathTrace, type TraceStep as PathTraceStep, type DiagramCheck,
} from './diagrams/index.js';
export { exportPaths, pathsToMarkdown, STRATEGIES, SIMPLE_PATHS_STATE_LIMIT, type PathExport, type ExportedPath, type ExportedStep, type Strategy } from './export/paths.js';
export { MACHINE_NAMES, type MachineName } from './catalog.js';
export { machineConfig, type Json } from './export/machine.js';
export * from './explore/routine/index.js';
export { DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY, MemoryGauge, requireMaxMemory } from './explore/memory.js';
export * from './explore/world/index.js';
export { UsageError, PathInputError, ModelTooLargeError, FileError, UnknownCodeError } from './errors.js';
export { worldPromela, runSpin, UnsupportedPromelaError, SpinIncompleteError, type WorldPromela, type WorldPromelaOptions, type SpinOptions, type SpinResult } from './promela/index.js';
// The checker's API, without what takes or returns web-tree-sitter's types (parseC, loadCLanguage,
// function discovery): those declarations need @types/emscripten, which a consumer compiling with
// skipLibCheck off does not have. They stay in src/check/index.ts for the checker's own tests.
export { GrammarLoadError } from './check/grammar-error.js';
export {
  sourceFromBytes, readSource, requirePositiveLimit, DEFAULT_MAX_SOURCE_BYTES, BINARY_RATIO,
  type SourceText, type SourceOptions, type NotAnalysed, type NotAnalysedReason,
} from './check/source.js';
export { AUX_API_FUNCTIONS, isAuxApiFunction, auxApiMentions, mentionsAuxApi, type AuxApiFunction } from './check/prefilter.js';
export {
  toCheckJson, requireResult,
  type CheckFinding, type CheckLocation, type CheckStep, type CheckResult, type NotAnalysedEntry, type CheckAssumption,
} from './check/report.js';
export { formatGcc, type GccOptions } from './check/gcc.js';
export { toSarif, relativeUri, type SarifOptions } from './check/sarif.js';
export { CHECK_RULES, diagnosticId, type CheckRule } from './check/rules.js';
export { displayColumn, TAB_STOP } from './check/columns.js';
export { fingerprint, toBaseline, writeBaseline, readBaseline, applyBaseline, type Baseline } from './check/baseline.js';
export { changedLines, touches, type ChangedLines } from './check/diff.js';
export { checkSource, DEFAULT_MAX_PATHS, type CheckSourceOptions, type FileCheck } from './check/check.js';
export { checkPaths, CheckPathError, type CheckPathsOptions, type CheckRun } from './check/files.js';
export { maskAnnotations, type MaskedSource } from './check/mask.js';
export { MAX_PATH_STEPS, MAX_CALL_DEPTH, UNKNOWN_LOOP_BOUND, KNOWN_LOOP_BOUND } from './check/path/limits.js';
