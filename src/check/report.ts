import { ParameterError, VIOLATIONS, VIOLATION_CODES, type ViolationCode } from '../../machines/index.js';

/**
 * What `auxbus check` reports and its three output formats: gcc-style text (editors and CI parse
 * `file:line:col: warning: ...`), JSON, and SARIF 2.1.0 for code-scanning tools. The words about
 * each violation (what it is, the kernel's symptom, the fix) come from the model's violation table.
 */

/** A place in a source file (1-based line and column). */
export interface CheckLocation {
  file: string;
  line: number;
  column: number;
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

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function requireResult(result: unknown): asserts result is CheckResult {
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

const where = (l: CheckLocation) => `${l.file}:${l.line}:${l.column}`;

/**
 * gcc-style text: one `file:line:col: warning: message [code, Bn]` line per finding, with `note:`
 * lines for the failing call, the fix and the kernel's symptom; then one `note: assumed` line per
 * assumption a function's verdict rests on, then one line per part not analysed. Findings are
 * sorted by file, line and column, as a compiler prints.
 * @example formatGcc({ files: 1, functions: 2, findings: [], notAnalysed: [] }) // ''
 */
export function formatGcc(result: CheckResult): string {
  requireResult(result);
  const lines: string[] = [];
  const byPlace = [...result.findings].sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.column - b.at.column);
  for (const f of byPlace) {
    const info = VIOLATIONS[f.code];
    lines.push(`${where(f.at)}: warning: ${f.message} [${f.code}, ${info.bugClass}]`);
    if (f.failing) lines.push(`${where(f.failing)}: note: the path where ${f.failing.call} fails`);
    lines.push(`${where(f.at)}: note: fix: ${info.fix}`);
    lines.push(`${where(f.at)}: note: a real kernel shows: ${info.kernelSymptom}`);
  }
  for (const a of result.assumptions ?? []) {
    lines.push(`${a.file}:${a.line}:1: note: assumed (function ${a.function}): ${a.text}`);
  }
  for (const n of result.notAnalysed) {
    lines.push(`${n.file}:${n.line ?? 1}:1: note: not analysed${n.function ? ` (function ${n.function})` : ''}: ${n.reason}`);
  }
  return lines.join('\n');
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
      return { ...f, bugClass: info.bugClass, kernelSymptom: info.kernelSymptom, fix: info.fix, section: info.section };
    }),
    notAnalysed: result.notAnalysed,
    assumptions: result.assumptions ?? [],
  };
}

/** A path as a SARIF artifact URI: forward slashes, percent-encoded. */
function uriOf(file: string): string {
  return encodeURI(file.replace(/\\/g, '/'));
}

function physical(l: CheckLocation) {
  return { artifactLocation: { uri: uriOf(l.file) }, region: { startLine: l.line, startColumn: l.column } };
}

/**
 * SARIF 2.1.0: one rule per violation code (its description, fix and bug class from the model's
 * table), one result per finding (the offending call as its location, the failing call as a
 * related location), and each part not analysed as a tool notification. An assumption a
 * function's verdict rests on is a notification too (descriptor `assumption`): it is about what
 * the tool could see, not a finding in the code.
 * @example toSarif({ files: 0, functions: 0, findings: [], notAnalysed: [] }, '0.1.0').version // '2.1.0'
 */
export function toSarif(result: CheckResult, version: string) {
  requireResult(result);
  const rules = VIOLATION_CODES.map((code) => {
    const info = VIOLATIONS[code];
    return {
      id: code,
      name: code.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
      shortDescription: { text: info.when },
      fullDescription: { text: `${info.when} A real kernel shows: ${info.kernelSymptom}` },
      help: { text: info.fix },
      properties: { bugClass: info.bugClass, section: info.section, tags: ['auxiliary-bus', info.bugClass] },
    };
  });
  const results = result.findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: VIOLATION_CODES.indexOf(f.code),
    level: 'warning' as const,
    message: { text: `${f.message} (${f.code}, ${VIOLATIONS[f.code].bugClass}). Fix: ${VIOLATIONS[f.code].fix}` },
    locations: [{ physicalLocation: physical(f.at), logicalLocations: [{ name: f.function, kind: 'function' }] }],
    ...(f.failing
      ? { relatedLocations: [{ id: 1, physicalLocation: physical(f.failing), message: { text: `the path where ${f.failing.call} fails` } }] }
      : {}),
  }));
  const notifications = result.notAnalysed.map((n) => ({
    level: 'note' as const,
    message: { text: `not analysed${n.function ? ` (function ${n.function})` : ''}: ${n.reason}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(n.file) }, ...(n.line ? { region: { startLine: n.line } } : {}) } }],
  }));
  const assumed = (result.assumptions ?? []).map((a) => ({
    level: 'note' as const,
    descriptor: { id: 'assumption' },
    message: { text: `assumed (function ${a.function}): ${a.text}` },
    locations: [{
      physicalLocation: { artifactLocation: { uri: uriOf(a.file) }, region: { startLine: a.line } },
      logicalLocations: [{ name: a.function, kind: 'function' }],
    }],
    properties: { release: a.release },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0' as const,
    runs: [
      {
        tool: { driver: { name: 'auxbus-model', version, rules } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: [...assumed, ...notifications] }],
        results,
      },
    ],
  };
}
