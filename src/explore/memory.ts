import { ParameterError, requireInt } from '../../machines/index.js';

/**
 * The explorers' memory bound. Both measure the process's resident set (what the system runs
 * out of) above what it held when they started, sampled every so many states or runs rather than
 * at every one, and stop cleanly when it nears the bound instead of letting V8 die of a full heap.
 */

/**
 * The default memory bound of both explorers: 4 GiB, a fair share of a small shared machine.
 * @example exploreWorld(params, { maxMemory: DEFAULT_MAX_MEMORY / 4 })
 */
export const DEFAULT_MAX_MEMORY = 4 * 2 ** 30;

/**
 * The smallest memory bound accepted (16 MiB): below it the explorers' own tables do not fit.
 * @example explore(s, { maxMemory: MIN_MAX_MEMORY })
 */
export const MIN_MAX_MEMORY = 16 * 2 ** 20;

/**
 * Checks a memory bound in bytes (an integer from {@link MIN_MAX_MEMORY} to 2^53 - 1) and returns it,
 * or the default when undefined; throws ParameterError naming `parameter`.
 * @example requireMaxMemory('maxMemory', undefined) // 4294967296
 */
export function requireMaxMemory(parameter: string, value: unknown): number {
  return requireInt(parameter, value ?? DEFAULT_MAX_MEMORY, MIN_MAX_MEMORY, Number.MAX_SAFE_INTEGER, 'bytes');
}

const BYTES = 'a number of bytes, from 0 to 2^53 - 1';

/** A reading the gauge can compare: finite, not negative, and exact as a double. */
function isBytes(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER;
}

/**
 * What an exploration holds in memory: the resident set above its level at the start, and the
 * highest resident set seen.
 * @example
 * const gauge = new MemoryGauge();
 * if (gauge.sample() > bound) stop();
 */
export class MemoryGauge {
  /** The resident set when the gauge was made, in bytes. */
  readonly baseline: number;
  /** The highest resident set sampled, in bytes. */
  peak: number;

  /**
   * `read`: the resident set in bytes (default: the process's). Throws {@link ParameterError}
   * when `read` is not a function or its first reading is not a number of bytes.
   * @example new MemoryGauge(() => process.memoryUsage.rss())
   */
  constructor(private readonly read: () => number = () => process.memoryUsage.rss()) {
    if (typeof read !== 'function') throw new ParameterError('read', read, 'a function returning the resident set in bytes');
    this.baseline = read();
    if (!isBytes(this.baseline)) throw new ParameterError('read()', this.baseline, BYTES);
    this.peak = this.baseline;
  }

  /**
   * Bytes the process holds above the baseline now (0 when it holds less). Throws
   * {@link ParameterError}, leaving `peak` as it was, when `read` returns no number of bytes.
   * @example if (gauge.sample() > maxMemory / 2) compact();
   */
  sample(): number {
    const rss = this.read();
    // Checked before peak moves: a refused reading leaves the gauge as it was.
    if (!isBytes(rss)) throw new ParameterError('read()', rss, BYTES);
    if (rss > this.peak) this.peak = rss;
    return Math.max(0, rss - this.baseline);
  }
}
