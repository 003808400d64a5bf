import { describe, expect, it } from 'vitest';
import { colors } from '../../src/cli/output.js';
import { exampleSummary } from '../../src/cli/start-examples.js';

describe('npm start: the bundled examples explored (the main job)', () => {
  it('§5 B4, B11, B3, B18: one line per example with its paths, clean paths and each distinct problem with the paths that show it', () => {
    const { text, results } = exampleSummary(colors({ isTTY: false }, {}));
    expect(results.map((r) => r.summary.paths)).toEqual([6, 6, 6, 6, 6, 6]);
    const rows = text.split('\n').filter((l) => /^[a-z-]+ +\d+ +\d+ /.test(l)).map((l) => l.replace(/ {2,}/g, '|'));
    expect(rows).toEqual([
      'correct-ida|6|6|none',
      'double-free-add-failure|6|4|double-free (B4) on #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)',
      'id-double-free|6|4|ida-double-free (B4) on #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)',
      'use-after-uninit|6|4|use-after-release (B11) on #0 no fault, #5 fail-nth 5 (probe)',
      'missing-uninit|6|4|leak-initialized (B3) on #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)',
      // model.md §4.6: the teardown's kfree and the add-failure unwind's kfree, two places to fix.
      'empty-release|6|2|free-outside-release (B18) on #0 no fault, #5 fail-nth 5 (probe); free-outside-release (B18) on #3 fail-nth 3 (dev_set_name), #4 fail-nth 4 (device_add)',
    ]);
  });
});
