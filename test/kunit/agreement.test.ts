/**
 * The model against a kernel (src/kunit/agreement.ts): each generated case agrees (the kernel ran
 * it and every expectation held), disagrees (one failed), or is missing (never reported).
 */
import { describe, expect, it } from 'vitest';
import { createWorld, DEFAULT_WORLD, type WorldEvent } from '../../machines/index.js';
import { agreement, formatAgreement, parseKtap, predictSteps, type KtapRun, type KunitCase, type KunitSuite } from '../../src/kunit/index.js';

const PARAMS = { ...DEFAULT_WORLD, devices: 1, idaRange: { min: 0, max: 0 } };
const world = createWorld(PARAMS);

function kcase(name: string, events: WorldEvent[], teardownFrom: number): KunitCase {
  const steps = predictSteps(world, events, teardownFrom);
  expect(steps, name).not.toBeNull();
  return { name, world: 0, covers: [], steps: steps! };
}

const KZ: WorldEvent = { type: 'KZALLOC', dev: 0, fail: false };
const INIT: WorldEvent = { type: 'INIT', dev: 0, ok: true };
const ADD: WorldEvent = { type: 'ADD', dev: 0, fault: 'none' };
const DELETE: WorldEvent = { type: 'DELETE', dev: 0 };
const UNINIT: WorldEvent = { type: 'UNINIT', dev: 0 };
const END: WorldEvent = { type: 'END' };

/** Three cases by hand: init/uninit, init/add (+ teardown), kzalloc/kfree. */
const SUITE: KunitSuite = {
  name: 'auxbus_model',
  worlds: [PARAMS],
  cases: [
    kcase('w0_000_init', [KZ, INIT, UNINIT, END], 3),
    kcase('w0_001_add', [KZ, INIT, ADD, DELETE, UNINIT, END], 3),
    kcase('w0_002_kfree', [KZ, { type: 'KFREE', dev: 0 }, END], 2),
  ],
  sweeps: [],
  violations: [],
  examples: { cases: [], violations: [], omitted: [] },
  coverage: [],
};

/**
 * The kernel ran the first two: the first passed, the second failed its kref expectation after
 * the add and its release count after uninit. KUnit prints each expectation's message at column
 * 0 (lib/kunit/assert.c kunit_assert_print_msg; see ktap.test.ts).
 */
const RUN: KtapRun = parseKtap([
  'KTAP version 1',
  '1..1',
  '    KTAP version 1',
  '    # Subtest: auxbus_model',
  '    1..3',
  '    ok 1 w0_000_init',
  '    # w0_001_add: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:174',
  '    Expected kref_read(&dev->kobj.kref) == kref, but',
  '        kref_read(&dev->kobj.kref) == 2 (0x2)',
  '        kref == 3 (0x3)',
  'step 3: dev0 kref',
  '    # w0_001_add: EXPECTATION FAILED at drivers/base/test/auxbus-model-test.c:181',
  '    Expected c->released[slot] == times, but',
  '        c->released[slot] == 0 (0x0)',
  '        times == 1 (0x1)',
  'step 5: dev0 release calls',
  '    not ok 2 w0_001_add',
  // The kernel died here: case 3 never reported.
].join('\n'));

describe('agreement', () => {
  it('counts: one agrees, one disagrees, one missing, out of the suite\'s three cases; the kernel and config are kept', () => {
    expect(RUN.incomplete).toBe(true);
    const a = agreement(SUITE, RUN, '6.12.118', 'plain');
    expect(a).toMatchObject({ kernel: '6.12.118', config: 'plain', cases: 3, agreeing: 1, disagreeing: 1, missing: 1 });
    expect(a.verdicts.map((v) => [v.name, v.outcome])).toEqual([
      ['w0_000_init', 'agrees'],
      ['w0_001_add', 'disagrees'],
      ['w0_002_kfree', 'missing'],
    ]);
  });

  it('§3.4: a disagreement\'s first observation is the first failed expectation (kref 2 where the model says 3 after the add), not a later one', () => {
    const v = agreement(SUITE, RUN, '6.12.118', 'plain').verdicts[1]!;
    expect(v.first).toContain('step 3: dev0 kref');
    expect(v.first).toContain('kref_read(&dev->kobj.kref) == 2 (0x2)');
    expect(v.first).not.toContain('step 5');
    expect(v.first).not.toContain('\n');
    // Agreeing and missing cases carry no observation.
    const a = agreement(SUITE, RUN, '6.12.118', 'plain');
    expect(a.verdicts[0]!.first).toBeUndefined();
    expect(a.verdicts[2]!.first).toBeUndefined();
  });

  it('the path of each verdict is the case\'s calls, numbered, the appended teardown marked', () => {
    const v = agreement(SUITE, RUN, '6.12.118', 'plain').verdicts[1]!;
    expect(v.path).toEqual([
      '1. dev0: kzalloc()',
      '2. dev0: auxiliary_device_init()',
      '3. dev0: auxiliary_device_add()',
      '4. (teardown) dev0: auxiliary_device_delete()',
      '5. (teardown) dev0: auxiliary_device_uninit()',
      '6. (teardown) end of the scenario (what kmemleak would find)',
    ]);
  });

  it('results of another suite with the same case names do not count; a skipped case does not agree', () => {
    const other = parseKtap([
      '    # Subtest: other_suite',
      '    1..1',
      '    ok 1 w0_002_kfree',
      'ok 1 other_suite',
      '    # Subtest: auxbus_model',
      '    1..3',
      '    ok 1 w0_000_init # SKIP no parent device',
      '    ok 2 w0_001_add',
      'ok 2 auxbus_model',
    ].join('\n'));
    const a = agreement(SUITE, other, '6.12.118', 'plain');
    expect(a.verdicts.map((v) => v.outcome)).toEqual(['disagrees', 'agrees', 'missing']);
    expect(a.verdicts[0]!.first).toMatch(/skip/i);
  });

  it('a run that reported nothing: every case missing', () => {
    const a = agreement(SUITE, parseKtap(''), '6.12.118', 'kasan');
    expect(a).toMatchObject({ cases: 3, agreeing: 0, disagreeing: 0, missing: 3 });
  });
});

describe('formatAgreement', () => {
  it('a Markdown table row with cases run (3 - 1 missing = 2), agreeing 1 of 3 (33.3%), 1 disagreeing, 1 not reported', () => {
    const text = formatAgreement(agreement(SUITE, RUN, '6.12.118', 'plain'));
    const lines = text.split('\n');
    expect(lines[0]).toContain('6.12.118');
    expect(lines[0]).toContain('plain');
    const header = lines.findIndex((l) => l.startsWith('| cases run'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^\|[-:|]+\|$/);
    expect(lines[header + 2]!.split('|').map((x) => x.trim())).toEqual(['', '2', '1 (33.3%)', '1', '1', '']);
  });

  it('a DISAGREES line names the case and its first observation, then its path; a missing case is NOT REPORTED with its path', () => {
    const text = formatAgreement(agreement(SUITE, RUN, '6.12.118', 'plain'));
    const lines = text.split('\n');
    const d = lines.findIndex((l) => l.startsWith('DISAGREES: w0_001_add: '));
    expect(d).toBeGreaterThan(0);
    expect(lines[d]).toContain('step 3: dev0 kref');
    expect(lines.slice(d + 1, d + 4)).toEqual(['    1. dev0: kzalloc()', '    2. dev0: auxiliary_device_init()', '    3. dev0: auxiliary_device_add()']);
    const m = lines.findIndex((l) => l.startsWith('NOT REPORTED: w0_002_kfree'));
    expect(m).toBeGreaterThan(d);
    expect(lines[m + 2]).toBe('    2. dev0: kfree(container)');
    // An agreeing case is not listed.
    expect(text).not.toContain('w0_000_init');
  });

  it('every case agreeing: 100% without decimals and no case listed', () => {
    const all = parseKtap(['    # Subtest: auxbus_model', '    1..3', '    ok 1 w0_000_init', '    ok 2 w0_001_add', '    ok 3 w0_002_kfree', 'ok 1 auxbus_model'].join('\n'));
    const text = formatAgreement(agreement(SUITE, all, '6.12.118', 'plain'));
    expect(text).toContain('| 3 | 3 (100%) | 0 | 0 |');
    expect(text).not.toMatch(/DISAGREES|NOT REPORTED/);
  });

  it('a violation case whose symptom agrees but one of its own expectations failed disagrees, with that expectation first', () => {
    const steps = predictSteps(world, [KZ, INIT, ADD, UNINIT], 4, true)!;
    const suite: KunitSuite = { ...SUITE, cases: [], violations: [{ name: 'v_uninit_without_delete', code: 'uninit-without-delete', world: 0, steps, covers: [] }] };
    const quiet = { name: 'v_uninit_without_delete', log: ['    ok 1 v_uninit_without_delete'], reported: true, kasan: true };
    expect(agreement(suite, { suites: [], incomplete: false }, '6.12.118', 'kasan', [quiet]).verdicts[0]!.outcome).toBe('agrees');
    const failed = { ...quiet, failed: 'Expected kref 2, got 1; step 4: dev0 kref' };
    const v = agreement(suite, { suites: [], incomplete: false }, '6.12.118', 'kasan', [failed]).verdicts[0]!;
    expect(v.outcome).toBe('disagrees');
    expect(v.first).toBe('Expected kref 2, got 1; step 4: dev0 kref');
  });
});
