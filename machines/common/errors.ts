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
  constructor(
    /** A stable machine-readable code, e.g. `invalid-parameter`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
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
    super('invalid-parameter', `${parameter}: got ${describe(received)}, expected ${expected}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}

/**
 * Checks that `value` is an integer in [min, max] and returns it; throws {@link ParameterError}.
 * @example requireInt('devices', 3, 1, 6) // 3
 */
export function requireInt(parameter: string, value: unknown, min: number, max: number, why = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParameterError(parameter, value, `an integer from ${min} to ${max}${why ? ` (${why})` : ''}`);
  }
  return value;
}

/**
 * Checks that `value` is a boolean and returns it; throws {@link ParameterError}.
 * @example requireBool('faults', true) // true
 */
export function requireBool(parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ParameterError(parameter, value, 'true or false');
  return value;
}
