/**
 * A run kept as data (src/kunit/record.ts): what the README's table of the kernel is generated from.
 */
import { describe, expect, it } from 'vitest';
import { createWorld, DEFAULT_WORLD } from '../../machines/index.js';
import { agreement, kernelRecord, predictSteps, recordMarkdown, recordSummary, type KunitSuite } from '../../src/kunit/index.js';

const PARAMS = { ...DEFAULT_WORLD, devices: 1, idaRange: { min: 0, max: 0 } };
const world = createWorld(PARAMS);
const KZ = { type: 'KZALLOC', dev: 0, fail: false } as const;
const FREE = { type: 'KFREE', dev: 0 } as const;

const suite: KunitSuite = {
  name: 'auxbus_model',
  worlds: [PARAMS, { ...PARAMS, deferredRelease: true }],
  cases: [{ name: 'w0_000_x', world: 0, covers: [], steps: predictSteps(world, [KZ, FREE, { type: 'END' }], 2)! }],
  sweeps: [],
  violations: [
    { name: 'v_double_free', code: 'double-free', world: 0, covers: [], steps: predictSteps(world, [KZ, FREE, FREE], 3, true)! },
    { name: 'v_double_free_2', code: 'double-free', world: 0, covers: [], steps: predictSteps(world, [KZ, FREE, FREE], 3, true)! },
  ],
  examples: { cases: [], violations: [], omitted: [] },
  coverage: [],
};

describe('kernelRecord', () => {
  it('§5 B4: counts per code, the kernel line without its build-specific offsets, and how the cases divide', () => {
    const run = { suites: [{ name: 'auxbus_model', planned: 1, cases: [{ name: 'w0_000_x', result: 'ok' as const, diagnostics: [], log: [] }] }], incomplete: false };
    const boots = [
      { name: 'v_double_free', log: ['BUG: KASAN: double-free in v_double_free+0x13f/0x220'], reported: true, kasan: true },
      { name: 'v_double_free_2', log: ['    ok 1 v_double_free_2'], reported: true, kasan: true },
    ];
    const a = agreement(suite, run, '6.12.118', 'kasan', boots);
    const r = kernelRecord(suite, a, [{ machine: 'ida', taken: 18, total: 18, missing: [] }], 0);
    expect(r.made).toEqual({ transitions: 1, deferred: 0, sweeps: 0, violations: 2 });
    expect(r.misuses).toEqual([{ code: 'double-free', bugClass: 'B4', cases: 2, agreeing: 1, saw: 'BUG: KASAN: double-free in v_double_free' }]);
    expect(r.coverage).toEqual([{ machine: 'ida', taken: 18, total: 18 }]);
    expect([r.cases, r.agreeing]).toEqual([3, 2]);
    const md = recordMarkdown(r).split('\n');
    expect(md[0]).toContain('**2 of 3 cases agree**');
    expect(md[0]).toContain('ida 18/18');
    expect(md[0]).toContain('no `W=1` warnings');
    expect(md[md.length - 1]).toBe('| `double-free` (B4) | 2 | 1 | BUG: KASAN: double-free in v_double_free |');
    // The README's table: the kernel, cases, how many agree (rounded down), transitions taken.
    expect(recordSummary(r).split('\n')[2]).toBe('| Linux 6.12.118, ARCH=um, kasan | 3 | 2 (66%) | ida 18/18 |');
  });

  it('the bundled examples\' paths: per example, the paths run and agreeing, what the kernel printed at each misuse, and the paths left out with why', () => {
    const origin = (path: number) => ({ scenario: 'double-free-add-failure', path, faults: [], calls: [], created: '-12 (-ENOMEM)' });
    const withExamples: KunitSuite = {
      ...suite,
      cases: [],
      violations: [],
      examples: {
        cases: [{ name: 'example_double_free_add_failure_nth1', world: 0, covers: [], steps: predictSteps(world, [KZ, FREE, { type: 'END' }], 2)!, example: origin(1) }],
        violations: [{ name: 'example_double_free_add_failure_nth3', code: 'double-free', world: 0, covers: [], steps: predictSteps(world, [KZ, FREE, FREE], 3, true)!, example: origin(3) }],
        omitted: [{ scenario: 'double-free-add-failure', path: 2, name: 'example_double_free_add_failure_nth2', reason: 'its ida_alloc() fails where the kernel allocates nothing' }],
      },
    };
    const run = { suites: [{ name: 'auxbus_model', planned: 1, cases: [{ name: 'example_double_free_add_failure_nth1', result: 'ok' as const, diagnostics: [], log: [] }] }], incomplete: false };
    const boots = [{ name: 'example_double_free_add_failure_nth3', log: ['BUG: KASAN: double-free in example_double_free_add_failure_nth3.cold+0x1d0/0x308'], reported: true, kasan: true }];
    const a = agreement(withExamples, run, '6.12.118', 'kasan', boots);
    expect([a.cases, a.agreeing]).toEqual([2, 2]);
    const r = kernelRecord(withExamples, a, [], 0);
    // The examples are counted apart: the transition and violation counts are the model's own cases.
    expect(r.made).toEqual({ transitions: 0, deferred: 0, sweeps: 0, violations: 0 });
    expect(r.misuses).toEqual([]);
    expect(r.examples).toEqual([{
      scenario: 'double-free-add-failure', cases: 2, agreeing: 2,
      misuses: [{ path: 'nth3', code: 'double-free', agrees: true, saw: 'BUG: KASAN: double-free in example_double_free_add_failure_nth3.cold' }],
      omitted: [{ path: 'nth2', reason: 'its ida_alloc() fails where the kernel allocates nothing' }],
    }]);
    const md = recordMarkdown(r);
    expect(md).toContain('2 paths of the bundled examples');
    expect(md).toContain('**2 of 2 agree**');
    expect(md).toContain('| `double-free-add-failure` | 2 | 2 | nth3 `double-free`: BUG: KASAN: double-free in example_double_free_add_failure_nth3.cold | nth2: its ida_alloc() fails where the kernel allocates nothing |');
    // A record made before the examples ran has no examples table.
    expect(recordMarkdown({ ...r, examples: undefined })).not.toContain('bundled examples');
  });
});
