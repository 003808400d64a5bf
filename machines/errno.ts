/**
 * Linux errno numbers the model returns.
 *
 * The kernel returns these negated (`-EINVAL`); keeping the real Linux numbers lets a test
 * compare a model result with a value seen in a kernel log (`adding auxiliary device failed!: -17`).
 * Frozen so no caller can renumber an errno for everyone else.
 *
 * @example
 * ```ts
 * Errno.EEXIST; // 17
 * ```
 */
export const Errno = Object.freeze({
  EINVAL: 22,
  ENOMEM: 12,
  EEXIST: 17,
  ENOSPC: 28,
  EBUSY: 16,
  ENOENT: 2,
} as const);

/**
 * One of the errno names the model knows.
 *
 * @example
 * ```ts
 * const name: ErrnoName = 'ENOSPC';
 * ```
 */
export type ErrnoName = keyof typeof Errno;

/**
 * The negative return values, spelled as the kernel spells them (`-EINVAL` is `NEG.EINVAL`).
 *
 * Written out literally rather than computed so each value keeps its literal type.
 *
 * @example
 * ```ts
 * if (ret === NEG.ENOSPC) { // the IDA range is full
 * }
 * ```
 */
export const NEG = Object.freeze({
  EINVAL: -22,
  ENOMEM: -12,
  EEXIST: -17,
  ENOSPC: -28,
  EBUSY: -16,
  ENOENT: -2,
} as const);

const ERRNO_NAMES = Object.freeze(Object.keys(Errno) as ErrnoName[]);

/**
 * Name of a negative errno value, for diagnostics that should read like a kernel log.
 *
 * Only negative values are recognised, because the model (like the kernel) never returns a
 * positive errno: a positive number here is a bug in the caller, not an errno.
 *
 * @param value - a return value such as `-22`.
 * @returns the name, or `undefined` for 0, positive or unknown values.
 * @example
 * ```ts
 * errnoName(-22); // 'EINVAL'
 * errnoName(22);  // undefined
 * ```
 */
export function errnoName(value: number): ErrnoName | undefined {
  return ERRNO_NAMES.find((name) => NEG[name] === value);
}
