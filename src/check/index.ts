/**
 * The C checker behind `auxbus check`: reading sources safely, the pre-filter, the C grammar,
 * function discovery, lowering, the path interpreter that runs C on the model, and the output
 * formats.
 */
export { GrammarLoadError } from './grammar-error.js';
export { loadCLanguage, grammarFiles, parseC, DEFAULT_PARSE_TIMEOUT_MS, type ParseCOptions, type ParsedC } from './grammar.js';
export {
  sourceFromBytes, readSource, requirePositiveLimit, DEFAULT_MAX_SOURCE_BYTES, BINARY_RATIO,
  type SourceText, type SourceOptions, type NotAnalysed, type NotAnalysedReason,
} from './source.js';
export { AUX_API_FUNCTIONS, isAuxApiFunction, auxApiMentions, mentionsAuxApi, type AuxApiFunction } from './prefilter.js';
export {
  discoverFunctions, functionsOfTree, MAX_REPORTED_SYNTAX_PROBLEMS,
  type FileFunctions, type AnalysedFunction, type UnanalysedFunction, type CallSite, type ReleaseAssignment, type SyntaxProblem, type SourcePosition,
} from './functions.js';
export {
  toCheckJson, requireResult,
  type CheckFinding, type CheckLocation, type CheckStep, type CheckResult, type NotAnalysedEntry, type CheckAssumption,
} from './report.js';
export { formatGcc, type GccOptions } from './gcc.js';
export { toSarif, relativeUri, type SarifOptions } from './sarif.js';
export { CHECK_RULES, diagnosticId, type CheckRule } from './rules.js';
export { displayColumn, TAB_STOP } from './columns.js';
export { fingerprint, toBaseline, writeBaseline, readBaseline, applyBaseline, type Baseline } from './baseline.js';
export { changedLines, touches, type ChangedLines } from './diff.js';
export { checkSource, DEFAULT_MAX_PATHS, DEFAULT_MAX_STEPS, type CheckSourceOptions, type FileCheck } from './check.js';
export { addFileCheck, checkPaths, listCheckFiles, CheckPathError, MAX_CHECK_JOBS, MIN_POOL_FILES, type CheckPathsOptions, type CheckRun } from './files.js';
export { checkBytes, checkFile, MAX_PREFILTER_BYTES } from './file-check.js';
export { maskAnnotations, type MaskedSource } from './mask.js';
export { MAX_PATH_STEPS, MAX_CALL_DEPTH, UNKNOWN_LOOP_BOUND, KNOWN_LOOP_BOUND } from './path/index.js';
