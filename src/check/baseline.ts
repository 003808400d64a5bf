import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ParameterError, requireObject, VIOLATION_CODES, VIOLATIONS, type ViolationCode } from '../../machines/index.js';
import { lowerFirst } from './path/ops.js';
import { FileError } from '../errors.js';
import { writeFileWhole } from '../write-file.js';
import { isArray } from '../../machines/common/checks.js';
import { requireFinding, type CheckFinding } from './report.js';

/**
 * Baselines: the findings a tree already has, written once (`--write-baseline FILE`), then left
 * out of later runs (`--baseline FILE`) so that only new findings fail a build, as linters do. A
 * finding is known by its code, file, function and message with line numbers taken out, so that
 * an edit above it does not make it new; two equal findings are matched one for one.
 */

/**
 * What a baseline file holds (JSON).
 * @example const b: Baseline = { tool: 'auxbus-model', version: 1, findings: [] };
 */
export interface Baseline {
  tool: 'auxbus-model';
  version: 1;
  findings: Array<{ code: string; file: string; function: string; fingerprint: string }>;
}

/**
 * A finding's identity across edits that only move it. Throws ParameterError for anything but a
 * check finding.
 * @example fingerprint({ code: 'double-free', function: 'f', at: { file: 'a.c', line: 9, column: 2 }, message: 'kfree(p) at line 9' }) // 16 hex digits
 */
export function fingerprint(f: CheckFinding): string {
  requireFinding('fingerprint(finding)', f);
  return fingerprintOf(f);
}

/**
 * {@link fingerprint} of a finding already checked. The violation's own description, which the
 * message quotes, is left out: rewording it in a new version must not unmatch every baseline.
 */
function fingerprintOf(f: CheckFinding): string {
  const when = VIOLATIONS[f.code as ViolationCode]?.when;
  const own = when === undefined ? f.message : f.message.replace(lowerFirst(when), '');
  const message = own.replace(/\b(lines?|at) \d+/g, '$1 N');
  return createHash('sha256').update([f.code, f.at.file.replace(/\\/g, '/'), f.function, message].join('\0')).digest('hex').slice(0, 16);
}

/**
 * The baseline of some findings. Throws ParameterError, naming the first, unless each is a check finding.
 * @example toBaseline([]).findings // []
 */
export function toBaseline(findings: readonly CheckFinding[]): Baseline {
  requireFindings('findings', findings);
  return {
    tool: 'auxbus-model',
    version: 1,
    findings: findings.map((f) => ({ code: f.code, file: f.at.file, function: f.function, fingerprint: fingerprintOf(f) })),
  };
}

/**
 * Writes a baseline file whole or not at all (a temporary file renamed over it).
 * @example writeBaseline('auxbus-baseline.json', result.findings)
 */
export function writeBaseline(path: string, findings: readonly CheckFinding[]): void {
  if (typeof path !== 'string' || path === '') throw new ParameterError('path', path, 'a file path');
  writeFileWhole(path, `${JSON.stringify(toBaseline(findings), null, 2)}\n`);
}

/**
 * Reads and validates a baseline file; throws FileError when it cannot be read or is not one.
 * @example readBaseline('auxbus-baseline.json').findings.length
 */
export function readBaseline(path: string): Baseline {
  if (typeof path !== 'string' || path === '') throw new ParameterError('path', path, 'a file path');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FileError(path, 'read', e instanceof SyntaxError ? `not JSON (${e.message})` : (e as Error).message);
  }
  const b = data as Partial<Baseline> | null;
  const ok = typeof b === 'object' && b !== null && b.tool === 'auxbus-model' && b.version === 1 && Array.isArray(b.findings)
    && b.findings.every((f) => typeof f === 'object' && f !== null && (VIOLATION_CODES as readonly string[]).includes(f.code) && typeof f.fingerprint === 'string');
  if (!ok) throw new FileError(path, 'read', 'not an auxbus baseline: expected { "tool": "auxbus-model", "version": 1, "findings": [{ code, file, function, fingerprint }] } as written by --write-baseline');
  return b as Baseline;
}

/**
 * The findings a baseline does not hold, and how many it held. Throws ParameterError unless
 * `findings` are check findings and `baseline` a baseline (as `toBaseline` or `readBaseline` give).
 * @example applyBaseline(result.findings, readBaseline('auxbus-baseline.json')).findings
 */
export function applyBaseline(findings: readonly CheckFinding[], baseline: Baseline): { findings: CheckFinding[]; suppressed: number } {
  requireFindings('applyBaseline(findings)', findings);
  const b = requireObject('applyBaseline(baseline)', baseline, BASELINE) as Record<string, unknown>;
  if (!isArray(b.findings)) throw new ParameterError('applyBaseline(baseline).findings', b.findings, 'an array of { code, file, function, fingerprint }');
  b.findings.forEach((f, i) => {
    const e = requireObject(`applyBaseline(baseline).findings[${i}]`, f, '{ code, file, function, fingerprint }') as Record<string, unknown>;
    if (typeof e.fingerprint !== 'string') throw new ParameterError(`applyBaseline(baseline).findings[${i}].fingerprint`, e.fingerprint, 'a fingerprint (a string)');
  });
  const known = new Map<string, number>();
  for (const f of baseline.findings) known.set(f.fingerprint, (known.get(f.fingerprint) ?? 0) + 1);
  const kept: CheckFinding[] = [];
  for (const f of findings) {
    const key = fingerprintOf(f);
    const n = known.get(key) ?? 0;
    if (n > 0) known.set(key, n - 1);
    else kept.push(f);
  }
  return { findings: kept, suppressed: findings.length - kept.length };
}

const BASELINE = 'a baseline { tool: "auxbus-model", version: 1, findings: [...] } (toBaseline, readBaseline)';

/** Checks an array of findings, each of them, before a baseline is made or applied. */
function requireFindings(parameter: string, findings: unknown): asserts findings is CheckFinding[] {
  if (!isArray(findings)) throw new ParameterError(parameter, findings, 'an array of check findings');
  findings.forEach((f, i) => requireFinding(`${parameter}[${i}]`, f));
}
