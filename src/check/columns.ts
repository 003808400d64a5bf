import { ParameterError, requireInt } from '../../machines/index.js';

/**
 * Columns as gcc prints them (its default -fdiagnostics-column-unit=display, -ftabstop=8): a tab
 * moves to the next multiple of 8, every other character is one column, counted in Unicode code
 * points, not UTF-16 units. gcc 12 prints `\treturn y + x;`'s `+` at column 18.
 */

/**
 * gcc's default tab stop.
 * @example TAB_STOP // 8
 */
export const TAB_STOP = 8;

/**
 * The 1-based display column of a 1-based UTF-16 column on `line`. Throws ParameterError unless
 * `line` is a string and `column` an integer from 0 (taken as 1) to 2^53 - 1.
 * @example displayColumn('\treturn y + x;', 11) // 18
 */
export function displayColumn(line: string, column: number): number {
  if (typeof line !== 'string') throw new ParameterError('displayColumn(line)', line, 'the text of the line (a string)');
  requireInt('displayColumn(column)', column, 0, Number.MAX_SAFE_INTEGER, 'a 1-based UTF-16 column (0 is taken as 1)');
  let display = 0;
  const before = line.slice(0, Math.max(column - 1, 0));
  for (const ch of before) display = ch === '\t' ? (Math.floor(display / TAB_STOP) + 1) * TAB_STOP : display + 1;
  return display + 1 + Math.max(column - 1 - before.length, 0);
}
