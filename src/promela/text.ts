/** Small builders of Promela text, shared by the generator's parts. */

/**
 * The Promela condition `v` is one of `states` (numbers as the model stores them).
 * @example oneOf('dev[0]', [1, 4]) // '(dev[0] == 1 || dev[0] == 4)'
 */
export function oneOf(v: string, states: readonly number[]): string {
  return states.length === 0 ? 'false' : `(${states.map((s) => `${v} == ${s}`).join(' || ')})`;
}

/**
 * An `if` of the given alternatives (each `guard -> statements`).
 * @example block(['x == 1 -> skip', 'else -> skip'])
 */
export const block = (alts: string[]) => `if\n${alts.map((a) => `:: ${a}`).join('\n')}\nfi`;

/**
 * Statements in sequence (`skip` for none).
 * @example seq(['x = 1', 'y = 2']) // 'x = 1;\ny = 2'
 */
export const seq = (stmts: string[]) => (stmts.length === 0 ? 'skip' : stmts.join(';\n'));
