import { describe, expect, it } from 'vitest';
import { displayColumn } from '../../src/check/index.js';

/** Display columns as gcc 12 prints them (-fdiagnostics-column-unit=display, -ftabstop=8). */

describe('displayColumn', () => {
  it('a tab moves to the next multiple of 8: gcc puts the + of "\\treturn y + x;" at 18 and of "\\t  return y + x;" at 20', () => {
    expect(displayColumn('\treturn y + x;', 11)).toBe(18);
    expect(displayColumn('\t  return y + x;', 13)).toBe(20);
    expect(displayColumn('\t\tkfree(p);', 3)).toBe(17);
  });
  it('spaces and other characters count one each, a character outside the BMP once (not as two UTF-16 units)', () => {
    expect(displayColumn('    f();', 5)).toBe(5);
    expect(displayColumn('/* 😀 */ f();', 10)).toBe(9);
  });
});
