import type { ViolationCode } from '../violations.js';

/**
 * Effect actions every machine may name. The machines never implement them: a runtime supplies
 * them with `.provide(...)` (or an interpreter reads them as data from the transition's action
 * list), which is what lets one definition drive the simulated bus, the explorers and the checker.
 */

/** Params of the `returns` effect: the value the kernel call returns (0, an id, or -errno). */
export interface ReturnsParams { value: number }
/** Params of the `violation` effect: a contract breach found at this step. */
export interface ViolationParams {
  code: ViolationCode;
  /** The ids concerned, for IDA findings. */
  ids?: number[];
}
/** Params of the `kernelLog` effect: what a real kernel prints at this step. */
export interface KernelLogParams { level: 'err' | 'warn'; text: string }

/**
 * The action object that makes a call return `value`.
 * @example ret(-22) // { type: 'returns', params: { value: -22 } }
 */
export function ret(value: number) {
  return { type: 'returns', params: { value } } as const;
}

/**
 * The action object that reports a violation. A machine whose context tracks "a violation was
 * reported against me" (for §4.3's one-finding-per-root-cause rule) pairs it with its own flag.
 * @example report('double-delete') // { type: 'violation', params: { code: 'double-delete' } }
 */
export function report(code: ViolationCode) {
  return { type: 'violation', params: { code } } as const;
}

/**
 * The action object for a kernel log line (pr_err / WARN text as the kernel prints it).
 * @example log('err', 'auxiliary device modname is NULL')
 */
export function log(level: KernelLogParams['level'], text: string) {
  return { type: 'kernelLog', params: { level, text } } as const;
}

/** Default (no-op) implementations: effects belong to whoever runs the machine. */
export const effectStubs = {
  returns: (_: unknown, _params: ReturnsParams) => {},
  violation: (_: unknown, _params: ViolationParams) => {},
  kernelLog: (_: unknown, _params: KernelLogParams) => {},
};
