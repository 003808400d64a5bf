import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ParameterError, requireObject, VIOLATIONS, VIOLATION_CODES } from '../../machines/index.js';
import { fingerprint } from './baseline.js';
import { requireResult, type CheckFinding, type CheckLocation, type CheckResult } from './report.js';
import { CHECK_RULES, diagnosticId } from './rules.js';

/**
 * `auxbus check`'s SARIF 2.1.0 output, for code-scanning tools (GitHub, VS Code's SARIF viewer):
 * one rule per violation code with its help, CWE tags and bug class; one result per finding, with
 * the path as a code flow; locations relative to a source root named in `originalUriBaseIds`
 * (`SRCROOT`), so a tool places them in the repository whatever machine ran the check.
 */

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/**
 * Options of {@link toSarif}.
 * @example toSarif(result, '0.1.0', { root: '.' } satisfies SarifOptions)
 */
export interface SarifOptions {
  /**
   * The folder locations are relative to (the repository's top level): `SRCROOT`. Default: the
   * current directory. A file outside it gets an absolute `file:` URI.
   */
  root?: string;
}

/**
 * A relative path as a URI reference: each segment percent-encoded, so `#`, `?` and `%` in a
 * file name stay part of the path. Throws ParameterError for anything but a non-empty string.
 * @example relativeUri('drivers/a#b.c') // 'drivers/a%23b.c'
 */
export function relativeUri(path: string): string {
  if (typeof path !== 'string' || path === '') throw new ParameterError('relativeUri(path)', path, 'a relative file path, e.g. "drivers/foo.c"');
  return path.split(/[\\/]/).map((s) => encodeURIComponent(s)).join('/');
}

function artifact(file: string, root: string) {
  const abs = resolve(file);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: relativeUri(rel), uriBaseId: 'SRCROOT' };
}

/**
 * SARIF 2.1.0: one rule per violation code, one result per finding (the offending call as its
 * location, the failing call as a related location, the path as a code flow), and each part not
 * analysed or assumed as a tool notification (about what the tool could see, not the code).
 * @example toSarif({ files: 0, functions: 0, findings: [], notAnalysed: [] }, '0.1.0').version // '2.1.0'
 */
export function toSarif(result: CheckResult, version: string, options: SarifOptions = {}) {
  requireResult(result);
  if (typeof version !== 'string' || version === '') throw new ParameterError('version', version, 'the tool version, e.g. "0.1.0"');
  requireObject('options', options, 'an object { root?: a folder path }');
  if (options.root !== undefined && (typeof options.root !== 'string' || options.root === '')) {
    throw new ParameterError('options', options, 'an object { root?: a folder path }');
  }
  const root = resolve(options.root ?? '.');
  const physical = (l: CheckLocation) => ({ artifactLocation: artifact(l.file, root), region: { startLine: l.line, startColumn: l.column } });
  const rules = VIOLATION_CODES.map((code) => {
    const info = VIOLATIONS[code];
    const rule = CHECK_RULES[code];
    return {
      id: diagnosticId(code),
      name: code.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
      shortDescription: { text: rule.short },
      fullDescription: { text: `${info.when} A real kernel shows: ${info.kernelSymptom}` },
      help: {
        text: `${info.when}\nFix: ${info.fix}\nA real kernel shows: ${info.kernelSymptom}\nReference: docs/kernel-auxbus.md ${info.section} (auxbus-model).`,
        markdown: `${info.when}\n\n**Fix:** ${info.fix}\n\n**A real kernel shows:** ${info.kernelSymptom}\n\nReference: \`docs/kernel-auxbus.md\` ${info.section} (auxbus-model).`,
      },
      defaultConfiguration: { level: 'warning' as const },
      properties: {
        bugClass: info.bugClass, section: info.section, cwe: `CWE-${rule.cwe}`,
        tags: ['reliability', 'security', `external/cwe/cwe-${rule.cwe}`, 'auxiliary-bus', info.bugClass],
      },
    };
  });
  const flow = (f: CheckFinding) => {
    const steps = [...(f.steps ?? [])];
    if (steps.length === 0 && f.failing) steps.push({ ...f.failing, text: `${f.failing.call} fails` });
    steps.push({ ...f.at, text: f.message.replace(/ \(on this path: .*\)$/s, '') });
    return [{ threadFlows: [{ locations: steps.map((s, i) => ({ executionOrder: i + 1, location: { physicalLocation: physical(s), message: { text: s.text } } })) }] }];
  };
  const results = result.findings.map((f) => ({
    ruleId: diagnosticId(f.code),
    ruleIndex: VIOLATION_CODES.indexOf(f.code),
    level: 'warning' as const,
    message: { text: `${CHECK_RULES[f.code].short}: ${f.message} (${diagnosticId(f.code)}, ${VIOLATIONS[f.code].bugClass}). Fix: ${VIOLATIONS[f.code].fix}` },
    locations: [{ physicalLocation: physical(f.at), logicalLocations: [{ name: f.function, kind: 'function' }] }],
    ...(f.failing
      ? { relatedLocations: [{ id: 1, physicalLocation: physical(f.failing), message: { text: `the path where ${f.failing.call} fails` } }] }
      : {}),
    codeFlows: flow(f),
    partialFingerprints: { 'auxbusFinding/v1': fingerprint(f) },
  }));
  const where = (file: string, line?: number) => ({ artifactLocation: artifact(file, root), ...(line ? { region: { startLine: line } } : {}) });
  const notifications = result.notAnalysed.map((n) => ({
    level: 'note' as const,
    message: { text: `not analysed${n.function ? ` (function ${n.function})` : ''}: ${n.reason}` },
    locations: [{ physicalLocation: where(n.file, n.line) }],
  }));
  const assumed = (result.assumptions ?? []).map((a) => ({
    level: 'note' as const,
    descriptor: { id: 'assumption' },
    message: { text: `assumed (function ${a.function}): ${a.text}` },
    locations: [{ physicalLocation: where(a.file, a.line), logicalLocations: [{ name: a.function, kind: 'function' }] }],
    properties: { release: a.release },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0' as const,
    runs: [
      {
        tool: { driver: { name: 'auxbus-model', version, rules } },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(sep) ? root : `${root}${sep}`).href } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: [...assumed, ...notifications] }],
        columnKind: 'utf16CodeUnits' as const,
        results,
      },
    ],
  };
}
