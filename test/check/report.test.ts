import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParameterError, VIOLATIONS, VIOLATION_CODES } from '../../machines/index.js';
import { CHECK_RULES, formatGcc, toCheckJson, toSarif, type CheckResult } from '../../src/check/index.js';

/**
 * The checker's output formats (issue 7: gcc-style text, JSON, SARIF 2.1.0), on a hand-made result:
 * a B4 double free on the path where auxiliary_device_add() fails, a B3 leak, and a function that
 * could not be analysed.
 */
const RESULT: CheckResult = {
  files: 2,
  functions: 5,
  findings: [
    {
      code: 'leak-initialized',
      function: 'gadget_create',
      at: { file: 'drivers/misc/gadget.c', line: 40, column: 8 },
      message: 'auxiliary_device_init() succeeded at line 33 but the path returns at line 41 without auxiliary_device_uninit()',
      failing: { file: 'drivers/misc/gadget.c', line: 38, column: 8, call: 'auxiliary_device_add()' },
    },
    {
      code: 'double-free',
      function: 'widget_create',
      at: { file: 'drivers/misc/widget aux.c', line: 131, column: 3 },
      message: 'after auxiliary_device_init() succeeded at line 112, kfree(padev) at line 131 frees memory the release callback also frees',
      failing: { file: 'drivers/misc/widget aux.c', line: 125, column: 8, call: 'auxiliary_device_add()' },
    },
  ],
  notAnalysed: [{ file: 'drivers/misc/gadget.c', function: 'gadget_init', line: 60, reason: 'a syntax error the parser could not recover from' }],
};

describe('check output: gcc-style text', () => {
  it('gcc -fanalyzer\'s shape: In function, a short warning with [CWE-n] [auxbus-CODE], numbered notes for the path, the fix and the symptom; then what was not analysed', () => {
    const lines = formatGcc(RESULT).split('\n');
    expect(lines.slice(0, 6)).toEqual([
      "drivers/misc/gadget.c: In function 'gadget_create':",
      'drivers/misc/gadget.c:40:8: warning: initialized auxiliary device never released [CWE-401] [auxbus-leak-initialized]',
      'drivers/misc/gadget.c:38:8: note: (1) auxiliary_device_add() fails',
      'drivers/misc/gadget.c:40:8: note: (2) auxiliary_device_init() succeeded at line 33 but the path returns at line 41 without auxiliary_device_uninit()',
      `drivers/misc/gadget.c:40:8: note: fix: ${VIOLATIONS['leak-initialized'].fix}`,
      `drivers/misc/gadget.c:40:8: note: a real kernel shows: ${VIOLATIONS['leak-initialized'].kernelSymptom} (docs/kernel-auxbus.md §1.3, §2.2, §5 B3)`,
    ]);
    expect(lines[6]).toBe("drivers/misc/widget aux.c: In function 'widget_create':");
    expect(lines[7]).toBe('drivers/misc/widget aux.c:131:3: warning: double-free of an allocation [CWE-415] [auxbus-double-free]');
    expect(lines[lines.length - 1]).toBe('drivers/misc/gadget.c:60:1: note: not analysed (function gadget_init): a syntax error the parser could not recover from');
    // The form editors and CI parse: file:line:col: severity: text.
    for (const l of lines) expect(l).toMatch(/^[^:]+:\d+:\d+: (warning|note): |^[^:]+: In function '\w+':$/);
  });

  it('the path\'s steps are numbered notes at their own places, in display columns (a tab to the next multiple of 8, as gcc)', () => {
    const steps = [
      { file: 'a.c', line: 5, column: 12, displayColumn: 19, text: 'allocated by kzalloc() at line 5' },
      { file: 'a.c', line: 9, column: 2, displayColumn: 9, text: 'taking the true branch' },
    ];
    const one: CheckResult = { files: 1, functions: 1, notAnalysed: [], findings: [{ code: 'memory-leak', function: 'f', at: { file: 'a.c', line: 10, column: 3, displayColumn: 17 }, message: 'kfree(p) is missing (on this path: allocated by kzalloc() at line 5)', steps }] };
    expect(formatGcc(one).split('\n').slice(1, 5)).toEqual([
      'a.c:10:17: warning: allocation leaked [CWE-401] [auxbus-memory-leak]',
      'a.c:5:19: note: (1) allocated by kzalloc() at line 5',
      'a.c:9:9: note: (2) taking the true branch',
      'a.c:10:17: note: (3) kfree(p) is missing',
    ]);
  });

  it('colour when asked: bold places, magenta warnings, cyan notes; none by default', () => {
    const text = formatGcc(RESULT, { color: true });
    expect(text).toContain('\u001b[01;35mwarning:\u001b[m');
    expect(text).toContain('\u001b[01;36mnote:\u001b[m');
    expect(text.replace(/\u001b\[[\d;]*m/g, '')).toBe(formatGcc(RESULT));
    expect(formatGcc(RESULT)).not.toMatch(/\u001b/);
    expect(() => formatGcc(RESULT, { color: 'yes' as never })).toThrow(ParameterError);
  });

  it('a clean result prints nothing', () => {
    expect(formatGcc({ files: 3, functions: 4, findings: [], notAnalysed: [] })).toBe('');
  });
});

describe('check output: JSON', () => {
  it('round-trips and carries each finding\'s bug class, symptom and fix from the violation table', () => {
    const j = JSON.parse(JSON.stringify(toCheckJson(RESULT, '9.9.9'))) as ReturnType<typeof toCheckJson>;
    expect(j.version).toBe('9.9.9');
    expect(j.clean).toBe(false);
    expect(j.findings.map((f) => [f.code, f.bugClass])).toEqual([['leak-initialized', 'B3'], ['double-free', 'B4']]);
    expect(j.findings[1]!.fix).toBe(VIOLATIONS['double-free'].fix);
    expect(j.findings.map((f) => f.cwe)).toEqual(['CWE-401', 'CWE-415']);
    expect(j.notAnalysed).toEqual(RESULT.notAnalysed);
  });
});

describe('check output: SARIF 2.1.0', () => {
  const sarif = toSarif(RESULT, '9.9.9');

  it('declares SARIF 2.1.0 and one rule per violation code, from the model\'s table', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    const run = sarif.runs[0]!;
    expect(run.tool.driver.name).toBe('auxbus-model');
    expect(run.tool.driver.version).toBe('9.9.9');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(VIOLATION_CODES.map((c) => `auxbus-${c}`));
    const df = run.tool.driver.rules.find((r) => r.id === 'auxbus-double-free')!;
    expect(df.help.text).toContain(`Fix: ${VIOLATIONS['double-free'].fix}`);
    expect(df.properties.bugClass).toBe('B4');
    expect(df.properties.tags).toContain('external/cwe/cwe-415');
    for (const r of run.tool.driver.rules) expect(r.properties.tags).toContain(`external/cwe/cwe-${CHECK_RULES[r.id.replace('auxbus-', '') as 'double-free'].cwe}`);
  });

  it('each result points at its rule by id and index, at the offending call, and at the failing call as a related location; paths become URIs', () => {
    const run = sarif.runs[0]!;
    expect(run.results).toHaveLength(2);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);
    const df = run.results.find((r) => r.ruleId === 'auxbus-double-free')!;
    expect(df.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'drivers/misc/widget%20aux.c', uriBaseId: 'SRCROOT' }, region: { startLine: 131, startColumn: 3 } });
    expect(run.originalUriBaseIds.SRCROOT.uri).toBe(pathToFileURL(`${process.cwd()}/`).href);
    // The path as a code flow: the failing call, then the offending call.
    expect(df.codeFlows[0]!.threadFlows[0]!.locations.map((l) => [l.location.physicalLocation.region.startLine, l.location.message.text])).toEqual([
      [125, 'auxiliary_device_add() fails'], [131, RESULT.findings[1]!.message],
    ]);
    expect(df.locations[0]!.logicalLocations).toEqual([{ name: 'widget_create', kind: 'function' }]);
    expect(df.relatedLocations![0]!.physicalLocation.region).toEqual({ startLine: 125, startColumn: 8 });
    expect(df.message.text).toContain('(auxbus-double-free, B4)');
  });

  it('what was not analysed is a tool notification, not a result', () => {
    const n = sarif.runs[0]!.invocations[0]!.toolExecutionNotifications;
    expect(n).toHaveLength(1);
    expect(n[0]!.level).toBe('note');
    expect(n[0]!.message.text).toContain('gadget_init');
  });
});

describe('check output: what a verdict assumed (model.md §4.6: a release callback the checker cannot see)', () => {
  const assumption = {
    file: 'drivers/misc/wren.c', function: 'wren_add', line: 44, release: 'wren_core_release',
    text: 'release callback wren_core_release is not in this file: assumed unknown (it may free the container or not); findings that depend on what it frees are not reported',
  };
  const WITH = { ...RESULT, assumptions: [assumption] };

  it('text: one "note: assumed" line per assumption, after the findings and before what was not analysed', () => {
    const lines = formatGcc(WITH).split('\n');
    const at = lines.indexOf(`drivers/misc/wren.c:44:1: note: assumed (function wren_add): ${assumption.text}`);
    expect(at).toBe(lines.length - 2);
    expect(lines[lines.length - 1]).toMatch(/not analysed \(function gadget_init\)/);
    expect(formatGcc(RESULT)).not.toMatch(/assumed/);
  });

  it('JSON: the assumptions as they are, [] when there are none', () => {
    expect(toCheckJson(WITH, '1').assumptions).toEqual([assumption]);
    expect(toCheckJson(RESULT, '1').assumptions).toEqual([]);
  });

  it('SARIF: a note notification with descriptor "assumption", the function and the line, never a result', () => {
    const run = toSarif(WITH, '1').runs[0]!;
    expect(run.results).toHaveLength(2);
    const n = run.invocations[0]!.toolExecutionNotifications;
    expect(n).toHaveLength(2);
    const a = n.find((x) => 'descriptor' in x)!;
    expect(a).toMatchObject({ level: 'note', descriptor: { id: 'assumption' }, properties: { release: 'wren_core_release' } });
    expect(a.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'drivers/misc/wren.c', uriBaseId: 'SRCROOT' }, region: { startLine: 44 } });
  });

  it('assumptions that are not an array are a ParameterError', () => {
    expect(() => toCheckJson({ ...RESULT, assumptions: 'none' as never }, '1')).toThrow(/result\.assumptions/);
  });
});

describe('check output: bad input', () => {
  it('a result without findings or with an unknown code is a ParameterError', () => {
    expect(() => formatGcc({} as never)).toThrow(ParameterError);
    expect(() => toSarif({ ...RESULT, findings: [{ ...RESULT.findings[0]!, code: 'oops' as never }] }, '1')).toThrow(/finding.code/);
    expect(() => toCheckJson(null as never, '1')).toThrow(ParameterError);
  });
});
