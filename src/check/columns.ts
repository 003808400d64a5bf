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
 * The 1-based display column of a 1-based UTF-16 column on `line`.
 * @example displayColumn('\treturn y + x;', 11) // 18
 */
export function displayColumn(line: string, column: number): number {
  let display = 0;
  const before = line.slice(0, Math.max(column - 1, 0));
  for (const ch of before) display = ch === '\t' ? (Math.floor(display / TAB_STOP) + 1) * TAB_STOP : display + 1;
  return display + 1 + Math.max(column - 1 - before.length, 0);
}
