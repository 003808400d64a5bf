/**
 * The C checker behind the coming `auxbus check` (issue 7), first increment: reading sources
 * safely, the pre-filter, the C grammar, function discovery and the output formats.
 */
export { GrammarLoadError, loadCLanguage, grammarFiles, parseC, DEFAULT_PARSE_TIMEOUT_MS, type ParseCOptions, type ParsedC } from './grammar.js';
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
  formatGcc, toCheckJson, toSarif,
  type CheckFinding, type CheckLocation, type CheckResult, type NotAnalysedEntry,
} from './report.js';
