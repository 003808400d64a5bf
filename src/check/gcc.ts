import { ParameterError, requireObject, VIOLATIONS } from '../../machines/index.js';
import { requireResult, type CheckFinding, type CheckLocation, type CheckResult } from './report.js';
import { CHECK_RULES, diagnosticId } from './rules.js';

/**
 * `auxbus check`'s text output, in the shape of gcc's -fanalyzer with
 * -fdiagnostics-path-format=separate-events: an `In function` line, one short warning per
 * finding ending in its CWE and `[auxbus-CODE]`, then numbered notes, each at its own place, for
 * the path's steps (the call that fails, the branches taken, what happened to the object, the
 * call that breaks the rule); then the fix and the kernel's symptom. Editors and CI jump to every
 * `file:line:col:` of it. Columns are display columns, as gcc counts them.
 */

/**
 * Options of {@link formatGcc}.
 * @example formatGcc(result, { color: process.stdout.isTTY } satisfies GccOptions)
 */
export interface GccOptions {
  /** Colour as gcc does (bold places, magenta warnings, cyan notes); default false. */
  color?: boolean;
}

const sgr = (on: boolean, codes: string) => (s: string) => (on ? `\u001b[${codes}m${s}\u001b[m` : s);

/** A finding's message without the path story, which the numbered notes tell. */
function eventText(f: CheckFinding): string {
  return f.message.replace(/ \(on this path: .*\)$/s, '');
}

/**
 * gcc-style text: per function an `In function` line, per finding a warning and its numbered
 * notes; then one `note: assumed` line per assumption a function's verdict rests on, then one
 * line per part not analysed. Findings are sorted by file, line and column, as a compiler prints.
 * @example formatGcc({ files: 1, functions: 2, findings: [], notAnalysed: [] }) // ''
 */
export function formatGcc(result: CheckResult, options: GccOptions = {}): string {
  requireResult(result);
  requireObject('options', options, 'an object { color?: boolean }');
  if (options.color !== undefined && typeof options.color !== 'boolean') {
    throw new ParameterError('options', options, 'an object { color?: boolean }');
  }
  const on = options.color === true;
  const bold = sgr(on, '01');
  const warning = sgr(on, '01;35');
  const note = sgr(on, '01;36');
  const where = (l: CheckLocation) => bold(`${l.file}:${l.line}:${l.displayColumn ?? l.column}:`);
  const lines: string[] = [];
  const byPlace = [...result.findings].sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line || a.at.column - b.at.column);
  let context = '';
  for (const f of byPlace) {
    const info = VIOLATIONS[f.code];
    const rule = CHECK_RULES[f.code];
    if (context !== `${f.at.file}\0${f.function}`) {
      context = `${f.at.file}\0${f.function}`;
      lines.push(`${bold(`${f.at.file}:`)} In function '${bold(f.function)}':`);
    }
    lines.push(`${where(f.at)} ${warning('warning:')} ${rule.short} [CWE-${rule.cwe}] [${warning(diagnosticId(f.code))}]`);
    const steps = [...(f.steps ?? [])];
    if (steps.length === 0 && f.failing) steps.push({ ...f.failing, text: `${f.failing.call} fails` });
    steps.push({ ...f.at, text: eventText(f) });
    steps.forEach((s, i) => lines.push(`${where(s)} ${note('note:')} (${i + 1}) ${s.text}`));
    lines.push(`${where(f.at)} ${note('note:')} fix: ${info.fix}`);
    lines.push(`${where(f.at)} ${note('note:')} a real kernel shows: ${info.kernelSymptom} (docs/kernel-auxbus.md ${info.section})`);
  }
  for (const a of result.assumptions ?? []) {
    lines.push(`${bold(`${a.file}:${a.line}:1:`)} ${note('note:')} assumed (function ${a.function}): ${a.text}`);
  }
  for (const n of result.notAnalysed) {
    lines.push(`${bold(`${n.file}:${n.line ?? 1}:1:`)} ${note('note:')} not analysed${n.function ? ` (function ${n.function})` : ''}: ${n.reason}`);
  }
  return lines.join('\n');
}
