/**
 * Typed errors of auxbus-model. Every error says what was wrong and what was expected, so a
 * caller can act on it without reading our source; `code` is stable for programs.
 */

/**
 * The base of every error this package throws on bad input or misuse of its own API.
 * @example
 * try { createWorld({ devices: -1 }) } catch (e) { if (e instanceof AuxbusError) console.error(e.code) }
 */
export class AuxbusError extends Error {
  /** A stable machine-readable code, e.g. `invalid-parameter`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(asText(message));
    this.code = asText(code);
    this.name = new.target.name;
  }
}

/**
 * A parameter (a count, a range, a bound) was out of its domain. Names the parameter, what it
 * got and what it expected.
 * @example new ParameterError('devices', -1, 'an integer from 1 to 6') // message: "devices: got -1, expected an integer from 1 to 6"
 */
export class ParameterError extends AuxbusError {
  constructor(
    /** The parameter's name as the caller wrote it (e.g. `devices`, `idaRange.max`). */
    readonly parameter: string,
    /** The value received. */
    readonly received: unknown,
    /** What would have been accepted. */
    readonly expected: string,
  ) {
    super('invalid-parameter', `${asText(parameter)}: got ${describeValue(received)}, expected ${asText(expected)}`);
  }
}

/** The longest text of a received string a message quotes: input may be huge or hostile. */
const QUOTE_LIMIT = 200;

/**
 * A received value in words, safely: never runs the value's code (no getters, no toString),
 * never throws (a Symbol, a revoked Proxy), and quotes at most {@link QUOTE_LIMIT} characters.
 * @example describeValue('x'.repeat(1000)) // '"xxx…" (1000 characters)'
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= QUOTE_LIMIT ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, QUOTE_LIMIT))}… (${value.length} characters)`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value == null) return String(value);
  if (typeof value === 'symbol') return 'a symbol';
  try {
    if (Array.isArray(value)) return `an array of ${value.length}`;
    Object.getPrototypeOf(value);
  } catch {
    return 'a revoked proxy';
  }
  return typeof value === 'function' ? 'a function' : 'an object';
}

/**
 * Checks that `value` is an object that can be read (not null, not a revoked proxy), and returns
 * it; throws {@link ParameterError}. Reading a revoked proxy throws a TypeError from anywhere
 * inside, so public functions taking objects check this first.
 * @example requireObject('options', {}, 'an object { ... }') // {}
 */
export function requireObject(parameter: string, value: unknown, expected: string): object {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) throw new ParameterError(parameter, value, expected);
  try {
    Object.getPrototypeOf(value);
  } catch {
    throw new ParameterError(parameter, value, expected);
  }
  return value;
}

/**
 * Reads `key` of `obj` as data, without running code: an own or inherited data property's value,
 * or undefined when there is none. A getter (which could touch a kernel object, or throw) is
 * refused with {@link ParameterError} on `parameter`.
 * @example dataField({ name: 'x' }, 'name', 'spec.name') // 'x'
 */
export function dataField(obj: object, key: string, parameter: string): unknown {
  let d: PropertyDescriptor | undefined;
  try {
    for (let o: object | null = obj; d === undefined && o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
      d = Object.getOwnPropertyDescriptor(o, key);
    }
  } catch {
    throw new ParameterError(parameter, obj, 'a readable object (not a revoked proxy)');
  }
  if (d === undefined) return undefined;
  if (!('value' in d)) throw new ParameterError(parameter, obj, `"${key}" as a plain data property, not a getter (reading it would run code)`);
  return d.value as unknown;
}

/**
 * Any value as message text: strings as they are, anything else described (a Symbol or a revoked
 * proxy in a template literal would throw a TypeError instead of the typed error being built).
 * @example asText(Symbol('x')) // 'a symbol'
 */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : describeValue(value);
}

/**
 * Checks that `value` is an integer in [min, max] and returns it; throws {@link ParameterError}.
 * @example requireInt('devices', 3, 1, 6) // 3
 */
export function requireInt(parameter: string, value: unknown, min: number, max: number, why = ''): number {
  // The bounds before any comparison: a Symbol would make `<` throw a TypeError, NaN would let any integer through.
  if (!isBound(min)) throw new ParameterError('requireInt(min)', min, 'a number');
  if (!isBound(max)) throw new ParameterError('requireInt(max)', max, 'a number');
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParameterError(parameter, value, `an integer from ${min} to ${max}${why ? ` (${asText(why)})` : ''}`);
  }
  return value;
}

const isBound = (b: unknown): b is number => typeof b === 'number' && !Number.isNaN(b);

/**
 * Checks that `value` is a boolean and returns it; throws {@link ParameterError}.
 * @example requireBool('faults', true) // true
 */
export function requireBool(parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ParameterError(parameter, value, 'true or false');
  return value;
}
