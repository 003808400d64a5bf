import { ParameterError, requireInt, requireObject, VIOLATIONS, VIOLATION_CODES, type ViolationCode } from '../../machines/index.js';
import { isArray } from '../../machines/common/checks.js';
import { CHECK_RULES } from './rules.js';

/**
 * What `auxbus check` reports, and its JSON form. The other formats: gcc-style text (gcc.ts) and
 * SARIF 2.1.0 (sarif.ts). The words about each violation (what it is, the kernel's symptom, the
 * fix) come from the model's violation table.
 */

/** A place in a source file (1-based line and column). */
export interface CheckLocation {
  file: string;
  line: number;
  /** In UTF-16 code units (SARIF's default column kind). */
  column: number;
  /** The column as gcc prints it (tabs to the next multiple of 8); absent: same as `column`. */
  displayColumn?: number;
}

/**
 * One event on a finding's path at its place: a call that fails, a branch taken, a free.
 * @example const s: CheckStep = { file: 'foo.c', line: 49, column: 8, displayColumn: 15, text: 'auxiliary_device_add() failed at line 49' };
 */
export interface CheckStep extends CheckLocation {
  text: string;
}

/** One finding: a path through a function on which the lifecycle contract breaks. */
export interface CheckFinding {
  code: ViolationCode;
  /** The function whose path breaks the contract. */
  function: string;
  /** The offending call (for a leak: where the leaked object was made). */
  at: CheckLocation;
  /** What happens on the path, in the code's own terms (calls and lines). */
  message: string;
  /** The failing call that selects the path (absent when the path needs no failure). */
  failing?: CheckLocation & { call: string };
  /** The path's events before the finding, in order (absent: none known). */
  steps?: CheckStep[];
  /** The first and last line of `function` (absent: not known). */
  functionLines?: { start: number; end: number };
}

/** A file, or a function in it, that was not analysed, and why (never guessed). */
export interface NotAnalysedEntry {
  file: string;
  function?: string;
  line?: number;
  reason: string;
}

/**
 * Something a function's verdict assumed instead of knowing: today, a release callback the
 * checker cannot see (defined in another file, or a function pointer it cannot follow). It is
 * unknown, never "no release": the function is analysed, and the findings that depend on what
 * the callback frees are not reported.
 */
export interface CheckAssumption {
  file: string;
  /** The function analysed under the assumption. */
  function: string;
  /** Where the file assigns the callback, or the function's first line for a device from its caller. */
  line: number;
  /** The callback's name, or `a computed pointer`. */
  release: string;
  /** The assumption in words. */
  text: string;
}

/** What a check of some files found. */
export interface CheckResult {
  /** Files looked at (including those the pre-filter skipped). */
  files: number;
  /** Functions analysed. */
  functions: number;
  findings: CheckFinding[];
  notAnalysed: NotAnalysedEntry[];
  /** What analysed functions assumed (absent: nothing). */
  assumptions?: CheckAssumption[];
}

/**
 * Throws ParameterError unless `result` is a check result (findings with known codes).
 * @example requireResult({ files: 0, functions: 0, findings: [], notAnalysed: [] })
 */
export function requireResult(result: unknown): asserts result is CheckResult {
  requireObject('result', result, 'a check result { files, functions, findings: [...], notAnalysed: [...] }');
  const r = result as Partial<CheckResult> | null;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.findings) || !Array.isArray(r.notAnalysed)) {
    throw new ParameterError('result', result, 'a check result { files, functions, findings: [...], notAnalysed: [...] }');
  }
  for (const f of r.findings) {
    if (!Object.hasOwn(VIOLATIONS, f?.code)) throw new ParameterError('finding.code', f?.code, `a violation code (${VIOLATION_CODES.join(', ')})`);
  }
  if (r.assumptions !== undefined && !Array.isArray(r.assumptions)) {
    throw new ParameterError('result.assumptions', r.assumptions, 'an array of { file, function, line, release, text } or nothing');
  }
}

const FINDING = 'a check finding { code, function, at: { file, line, column }, message, ... } (checkSource(...).findings)';

/**
 * Throws ParameterError unless `finding` is a check finding: a known code, the function and
 * message as strings, its places (`at`, `failing`, `steps`) with a file and integer line and
 * column, `functionLines` as integers. Read before anything is computed from it.
 * @example requireFinding('fingerprint(finding)', result.findings[0])
 */
export function requireFinding(parameter: string, finding: unknown): asserts finding is CheckFinding {
  const f = requireObject(parameter, finding, FINDING) as Record<string, unknown>;
  if (typeof f.code !== 'string' || !Object.hasOwn(VIOLATIONS, f.code)) throw new ParameterError(`${parameter}.code`, f.code, `a violation code (${VIOLATION_CODES.join(', ')})`);
  if (typeof f.function !== 'string') throw new ParameterError(`${parameter}.function`, f.function, 'the name of the function (a string)');
  if (typeof f.message !== 'string') throw new ParameterError(`${parameter}.message`, f.message, 'a string');
  requireLocation(`${parameter}.at`, f.at);
  if (f.failing !== undefined) {
    requireLocation(`${parameter}.failing`, f.failing);
    const call = (f.failing as Record<string, unknown>).call;
    if (typeof call !== 'string') throw new ParameterError(`${parameter}.failing.call`, call, 'the failing call (a string)');
  }
  if (f.steps !== undefined) {
    if (!isArray(f.steps)) throw new ParameterError(`${parameter}.steps`, f.steps, 'an array of steps { file, line, column, text }');
    f.steps.forEach((step, i) => requireLocation(`${parameter}.steps[${i}]`, step));
  }
  if (f.functionLines !== undefined) {
    const lines = requireObject(`${parameter}.functionLines`, f.functionLines, '{ start, end }: the first and last line of the function') as Record<string, unknown>;
    requireInt(`${parameter}.functionLines.start`, lines.start, 0, Number.MAX_SAFE_INTEGER, 'a line number');
    requireInt(`${parameter}.functionLines.end`, lines.end, 0, Number.MAX_SAFE_INTEGER, 'a line number');
  }
}

/** A place in a file: the file as a string, line and column integers (0 for a place known only by its function). */
function requireLocation(parameter: string, location: unknown): void {
  const l = requireObject(parameter, location, '{ file, line, column }') as Record<string, unknown>;
  if (typeof l.file !== 'string') throw new ParameterError(`${parameter}.file`, l.file, 'a file path (a string)');
  requireInt(`${parameter}.line`, l.line, 0, Number.MAX_SAFE_INTEGER, 'a line number');
  requireInt(`${parameter}.column`, l.column, 0, Number.MAX_SAFE_INTEGER, 'a column number');
}

/**
 * The result as plain JSON data, with the tool's version and each finding's bug class, symptom
 * and fix beside its code, and what the analysed functions assumed (`assumptions`, [] when nothing).
 * @example toCheckJson({ files: 0, functions: 0, findings: [], notAnalysed: [] }, '0.1.0').clean // true
 */
export function toCheckJson(result: CheckResult, version: string) {
  requireResult(result);
  return {
    version,
    clean: result.findings.length === 0,
    files: result.files,
    functions: result.functions,
    findings: result.findings.map((f) => {
      const info = VIOLATIONS[f.code];
      return { ...f, bugClass: info.bugClass, cwe: `CWE-${CHECK_RULES[f.code].cwe}`, kernelSymptom: info.kernelSymptom, fix: info.fix, section: info.section };
    }),
    notAnalysed: result.notAnalysed,
    assumptions: result.assumptions ?? [],
  };
}
