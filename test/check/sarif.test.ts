import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource, relativeUri, toSarif, type CheckResult } from '../../src/check/index.js';
import { validate } from '../support/json-schema.js';

/**
 * SARIF output against the official SARIF 2.1.0 schema (test/fixtures/sarif, from the OASIS
 * sarif-spec repository, sarif-2.1/schema/sarif-schema-2.1.0.json), and the URI rules code
 * scanning depends on.
 */

const SCHEMA = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');

describe('SARIF 2.1.0', () => {
  it('the validator rejects what the schema forbids (so a pass means something)', () => {
    expect(validate(SCHEMA, { version: '2.1.0', runs: [] })).toEqual([]);
    expect(validate(SCHEMA, { version: '2.0.0', runs: [] })).not.toEqual([]);
    expect(validate(SCHEMA, { version: '2.1.0', runs: [{ tool: { driver: {} } }] }).join()).toMatch(/missing required name/);
    expect(validate(SCHEMA, { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'loud' }] }] }).join()).toMatch(/not one of/);
  });

  it('§5 B4, B2, B3: findings from the corpus, with code flows, a notification and an assumption, validate against the official schema', async () => {
    const result: CheckResult = { files: 0, functions: 0, findings: [], notAnalysed: [], assumptions: [] };
    for (const f of ['double-free-bad-1.c', 'put-uninitialized-bad-1.c', 'leak-initialized-bad-1.c', 'correct-foreign-release.c']) {
      const r = await checkSource(readFileSync(join(CORPUS, f), 'utf8'), `drivers/misc/${f}`);
      result.findings.push(...r.findings);
      result.assumptions!.push(...r.assumptions);
    }
    result.notAnalysed.push({ file: 'drivers/misc/x.c', function: 'f', line: 3, reason: 'a syntax error' });
    const sarif = JSON.parse(JSON.stringify(toSarif(result, '0.1.0'))) as { runs: Array<{ results: Array<{ codeFlows: unknown[] }> }> };
    expect(sarif.runs[0]!.results.length).toBeGreaterThanOrEqual(3);
    expect(sarif.runs[0]!.results.every((r) => r.codeFlows.length === 1)).toBe(true);
    expect(result.assumptions!.length).toBeGreaterThan(0);
    expect(validate(SCHEMA, sarif)).toEqual([]);
  });

  it('a # or % in a file name is escaped in the URI; a file outside the root gets an absolute file: URI', () => {
    expect(relativeUri('drivers/a#b/c%d e.c')).toBe('drivers/a%23b/c%25d%20e.c');
    const result: CheckResult = {
      files: 2, functions: 2, notAnalysed: [],
      findings: [
        { code: 'memory-leak', function: 'f', at: { file: '/src/linux/drivers/x#1.c', line: 3, column: 1 }, message: 'm' },
        { code: 'memory-leak', function: 'g', at: { file: '/elsewhere/y.c', line: 4, column: 1 }, message: 'm' },
      ],
    };
    const run = toSarif(result, '1', { root: '/src/linux' }).runs[0]!;
    expect(run.originalUriBaseIds).toEqual({ SRCROOT: { uri: 'file:///src/linux/' } });
    expect(run.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation)).toEqual([
      { uri: 'drivers/x%231.c', uriBaseId: 'SRCROOT' },
      { uri: 'file:///elsewhere/y.c' },
    ]);
    expect(validate(SCHEMA, JSON.parse(JSON.stringify(toSarif(result, '1', { root: '/src/linux' }))))).toEqual([]);
  });
});
