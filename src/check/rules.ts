import { ParameterError, VIOLATIONS, VIOLATION_CODES, type ViolationCode } from '../../machines/index.js';

/**
 * What a diagnostic of `auxbus check` says in a few words, and which CWE weakness each code is:
 * the headline of the gcc-style warning and the SARIF rule's tags. The full sentence, the
 * kernel's symptom and the fix stay in the model's violation table (machines/violations.ts).
 */

/**
 * One code's headline and weakness.
 * @example const r: CheckRule = { short: 'double-free of an allocation', cwe: 415 };
 */
export interface CheckRule {
  /** The warning's text, as short as gcc's ("double-free of the allocation"). */
  short: string;
  /** The CWE weakness number (cwe.mitre.org), e.g. 415 for a double free. */
  cwe: number;
}

/**
 * Every violation code's headline and CWE.
 * @example CHECK_RULES['double-free'].cwe // 415
 */
export const CHECK_RULES: Readonly<Record<ViolationCode, CheckRule>> = Object.freeze({
  'free-after-init': { short: 'container freed directly after auxiliary_device_init() succeeded', cwe: 416 },
  'put-uninitialized': { short: 'put of a device whose auxiliary_device_init() never succeeded', cwe: 908 },
  'leak-initialized': { short: 'initialized auxiliary device never released', cwe: 401 },
  'memory-leak': { short: 'allocation leaked', cwe: 401 },
  'double-free': { short: 'double-free of an allocation', cwe: 415 },
  'ida-double-free': { short: 'ida_free() of an id that is not allocated', cwe: 1341 },
  'ida-free-reallocated': { short: "ida_free() of an id re-allocated to another owner", cwe: 672 },
  'id-leak': { short: 'IDA id leaked', cwe: 772 },
  'uninit-without-delete': { short: 'last reference dropped while the device is still added', cwe: 404 },
  'double-delete': { short: 'auxiliary device deleted twice', cwe: 1341 },
  'delete-unadded': { short: 'delete of an auxiliary device that was never added', cwe: 666 },
  'add-uninitialized': { short: 'auxiliary_device_add() before a successful auxiliary_device_init()', cwe: 908 },
  'double-add': { short: 'auxiliary device added twice', cwe: 666 },
  'use-after-release': { short: 'use of an auxiliary device after its release', cwe: 416 },
  'missing-release': { short: 'auxiliary device without a release callback', cwe: 404 },
  'free-outside-release': { short: 'container freed outside its release callback', cwe: 416 },
  'driver-incomplete': { short: 'auxiliary driver registered without probe or id_table', cwe: 665 },
  'unregister-unregistered': { short: 'unregister of an auxiliary driver that is not registered', cwe: 666 },
  'reference-leak': { short: 'device reference never put', cwe: 911 },
  'get-uninitialized': { short: 'get_device() on a device whose auxiliary_device_init() never succeeded', cwe: 908 },
  'double-init': { short: 'auxiliary device initialized twice', cwe: 666 },
  'double-register': { short: 'auxiliary driver registered twice', cwe: 415 },
  'wrong-error-check': { short: "failure test that does not match the call's failure value (NULL vs ERR_PTR)", cwe: 754 },
  'null-device': { short: 'NULL auxiliary device given to delete/uninit/destroy', cwe: 476 },
  'null-dereference': { short: 'NULL member dereferenced in a release callback of a half-built device', cwe: 476 },
});

/**
 * The rule id a diagnostic shows, `auxbus-CODE` (gcc's `[-Wanalyzer-...]` place). Throws
 * ParameterError for anything but a violation code.
 * @example diagnosticId('double-free') // 'auxbus-double-free'
 */
export function diagnosticId(code: ViolationCode): string {
  if (typeof code !== 'string' || !Object.hasOwn(VIOLATIONS, code)) throw new ParameterError('diagnosticId(code)', code, `a violation code (${VIOLATION_CODES.join(', ')})`);
  return `auxbus-${code}`;
}
