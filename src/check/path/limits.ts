/**
 * The bounds on one path, alone in this file so that the public type declarations can name them
 * without pulling in the interpreter's (and the parser's) types.
 */

/**
 * Steps one path may take (instructions across every frame).
 * @example MAX_PATH_STEPS // 20000
 */
export const MAX_PATH_STEPS = 20_000;
/**
 * Same-file calls nested deeper than this are not followed (their result is unknown).
 * @example MAX_CALL_DEPTH // 8
 */
export const MAX_CALL_DEPTH = 8;
/**
 * Iterations a loop whose condition the path cannot know is explored for (0, 1, ... this many).
 * @example UNKNOWN_LOOP_BOUND // 2
 */
export const UNKNOWN_LOOP_BOUND = 2;
/**
 * Iterations of a loop whose condition the path knows, before the path is cut.
 * @example KNOWN_LOOP_BOUND // 64
 */
export const KNOWN_LOOP_BOUND = 64;
/**
 * Runs a summary of a helper that cannot change anything (path/pure.ts) may take, where it is
 * called, before the helper is run inline instead, as any other.
 * @example MAX_SUMMARY_RUNS // 256
 */
export const MAX_SUMMARY_RUNS = 256;
