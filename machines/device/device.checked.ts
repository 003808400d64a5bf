import { requireInt, requireObject } from '../common/errors.js';
import { refcount as refcountUnchecked } from './device.logic.js';
import type { DeviceContext } from './device.types.js';

/**
 * The device helper as the package exports it: checked, then the one in `device.logic.ts`, which
 * the kunit predictor and the runtime's checks call with contexts the machine made. Only
 * `src/index.ts` imports this module (test/index.test.ts checks that no other module does).
 */

/**
 * The device's whole reference count as the kernel's kref holds it (caller's + bus's). Throws
 * {@link ParameterError} unless `context` is a device machine context (`refs`, `busRefs` counts).
 * @example refcount({ refs: 1, busRefs: 2, put: false, hasRelease: true, flagged: false, devm: false }) // 3
 */
export function refcount(context: DeviceContext): number {
  const c = requireObject('refcount(context)', context, 'a device machine context { refs, busRefs, ... } (snapshot.context)') as Record<string, unknown>;
  requireInt('refcount(context).refs', c.refs, 0, 2 ** 31 - 1, "the caller's references");
  requireInt('refcount(context).busRefs', c.busRefs, 0, 2, "the bus's references (0, or 2 while added)");
  return refcountUnchecked(context);
}
