import { describe, expect, it } from 'vitest';
import { colors } from '../../src/cli/output.js';
import { worldSummary } from '../../src/cli/start-world.js';

describe('npm start: the contract over a composed world (3 devices, 3 ids, a driver, every fault)', () => {
  it('§2.2: the documented routine reaches no violation; each misuse reaches its own, by the shortest path a reviewer would write down', () => {
    const { rows, text } = worldSummary(colors({ isTTY: false }, {}));
    const by = Object.fromEntries(rows.map((r) => [r.code, r]));
    expect(by['documented routine']!.reached).toEqual([]);
    expect(text).toContain('documented routine');
    // Shortest paths counted by hand from the routine: ida_alloc, kzalloc, init, add, then the mistake.
    const expected: Record<string, [string, number]> = {
      'no-uninit-on-add-failure': ['leak-initialized', 5], // ... add fails, END
      'kfree-after-uninit': ['double-free', 6], // ... add fails, uninit, kfree
      'ida-free-after-uninit': ['ida-double-free', 6], // ... add fails, uninit, ida_free
      'kfree-instead-of-uninit': ['free-after-init', 5], // ... add fails, kfree
      'uninit-on-init-failure': ['put-uninitialized', 4], // ida_alloc, kzalloc, init fails, uninit
      'uninit-without-delete': ['uninit-without-delete', 5], // ... add, uninit
      'double-delete': ['double-delete', 6], // ... add, delete, delete
      'read-id-after-uninit': ['use-after-release', 6], // ... add fails, uninit, ida_free(adev->id)
      'kfree-after-empty-release': ['free-outside-release', 7], // ... add, delete, uninit, kfree
    };
    for (const [misuse, [code, steps]] of Object.entries(expected)) {
      expect(by[misuse]!.reached, misuse).toContain(code);
      expect(by[misuse]!.steps, misuse).toBe(steps);
    }
    expect(rows.length).toBe(1 + Object.keys(expected).length);
  });
});
