import { ParameterError, requireObject } from './errors.js';

/**
 * Shape checks the public, checked versions of the model's helpers share (see `machines/checked.ts`).
 * Not exported from the package: each public function names what it expected in its own words.
 * Every check reads a value only after it knows the value can be read, so a revoked proxy or a
 * Symbol anywhere in an argument ends in a {@link ParameterError}, never a TypeError from inside.
 */

/**
 * `Array.isArray`, false instead of a TypeError for a revoked proxy.
 * @example isArray([]) // true
 */
export function isArray(value: unknown): value is unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Checks that `value` is an array (not a revoked proxy) and returns it; throws {@link ParameterError}.
 * @example requireArray('ids', [0, 1], 'an array of ids') // [0, 1]
 */
export function requireArray(parameter: string, value: unknown, expected: string): unknown[] {
  if (!isArray(value)) throw new ParameterError(parameter, value, expected);
  return value;
}

/**
 * Checks that `value` is an array the function may push its results onto (a frozen or sealed one
 * would make the push throw a TypeError after some results were pushed).
 * @example requireOutArray('events', []) // []
 */
export function requireOutArray(parameter: string, value: unknown): unknown[] {
  const expected = 'an array the results are pushed onto (not frozen or sealed)';
  const a = requireArray(parameter, value, expected);
  const length = Object.getOwnPropertyDescriptor(a, 'length');
  if (!Object.isExtensible(a) || length?.writable !== true) throw new ParameterError(parameter, value, expected);
  return a;
}

/**
 * Checks that `value` is a function and returns it; throws {@link ParameterError}.
 * @example requireFunction('interpret', xstateIda, 'an IDA interpreter') // xstateIda
 */
export function requireFunction(parameter: string, value: unknown, expected: string): (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new ParameterError(parameter, value, expected);
  return value as (...args: never[]) => unknown;
}

/**
 * Checks that `value` is one of `values` (compared with ===) and returns it.
 * @example requireOneOf('event.via', 'saved', ['saved', 'field']) // 'saved'
 */
export function requireOneOf<T>(parameter: string, value: unknown, values: readonly T[]): T {
  if (!values.includes(value as T)) throw new ParameterError(parameter, value, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
  return value as T;
}

/**
 * Checks that `value` is an integer (any sign, within ±2^53 - 1) and returns it.
 * @example requireInteger('call.min', -1) // -1
 */
export function requireInteger(parameter: string, value: unknown): number {
  if (!Number.isSafeInteger(value)) throw new ParameterError(parameter, value, 'an integer');
  return value as number;
}

/**
 * Checks that `value` is an object whose `fields` are all functions (an interface of callbacks,
 * such as the device part of `WorldComponents`), and returns it.
 * @example requireMethods('k.device', XSTATE_COMPONENTS.device, ['step', 'hasTag'], 'the device interpreter')
 */
export function requireMethods(parameter: string, value: unknown, fields: readonly string[], expected: string): Record<string, unknown> {
  const o = requireObject(parameter, value, `${expected}: an object with functions ${fields.join(', ')}`) as Record<string, unknown>;
  for (const f of fields) requireFunction(`${parameter}.${f}`, o[f], `a function (${expected})`);
  return o;
}

/**
 * Checks that `value` is an object of `type` whose `fields` the function may write (an event
 * buffer from `idaEventBuffers()`): all of them own, writable data properties. Checked before
 * any write, so a refused buffer is left as it was.
 * @example requireBuffer('into', idaEventBuffers().ALLOC, 'ALLOC', ['lowest', 'min']) // returns the buffer
 */
export function requireBuffer(parameter: string, value: unknown, type: string, fields: readonly string[]): object {
  const expected = `undefined or a writable ${type} event buffer (idaEventBuffers().${type})`;
  const o = requireObject(parameter, value, expected) as Record<string, unknown>;
  if (o.type !== type) throw new ParameterError(parameter, value, expected);
  for (const f of fields) {
    const d = Object.getOwnPropertyDescriptor(o, f);
    if (d === undefined || d.writable !== true) throw new ParameterError(`${parameter}.${f}`, d?.value, `${expected}: a writable field`);
  }
  return o;
}
