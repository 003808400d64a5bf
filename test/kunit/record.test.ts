/**
 * A run kept as data (src/kunit/record.ts): what the README's table of the kernel is generated from.
 */
import { describe, expect, it } from 'vitest';
import { createWorld, DEFAULT_WORLD } from '../../machines/index.js';
import { agreement, kernelRecord, predictSteps, recordMarkdown, type KunitSuite } from '../../src/kunit/index.js';

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
  });
});
