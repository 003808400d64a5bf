import { asText, AuxbusError, describeValue } from '../machines/index.js';

/**
 * Typed errors of the tools around the model (diagrams, path export, command line). Each says
 * what was wrong and what was expected; the command line turns every {@link AuxbusError} into a
 * one-line message and exit code 2, never a stack trace.
 */

/**
 * The command line was used wrongly: an unknown flag, a missing or bad value, an unknown command.
 * @example new UsageError('unknown option --foo', 'auxbus paths --help')
 */
export class UsageError extends AuxbusError {
  constructor(
    message: string,
    /** Where the user can read the right usage, e.g. `auxbus paths --help`. */
    readonly helpHint?: string,
  ) {
    super('usage', asText(message));
  }
}

/**
 * A path given to replay or draw is not what was expected: unreadable JSON, an event the
 * machine does not know, a step missing its payload, a path number out of range.
 * @example new PathInputError('step 3: event type "FOO" is not an event of the device machine', 'one of INIT, ADD, ...')
 */
export class PathInputError extends AuxbusError {
  constructor(what: string, expected: string) {
    super('invalid-path', `${asText(what)}; expected ${asText(expected)}`);
  }
}

/**
 * A generation was refused because the model is too large for it (simple paths are exponential).
 * @example new ModelTooLargeError('simple paths', 54, 16)
 */
export class ModelTooLargeError extends AuxbusError {
  constructor(
    readonly what: string,
    readonly states: number,
    readonly limit: number,
    advice: string,
  ) {
    super('model-too-large', `${asText(what)}: the model has ${asText(states)} states, more than the ${asText(limit)} this strategy accepts; ${asText(advice)}`);
  }
}

/**
 * A file could not be read or written.
 * @example new FileError('out/x.json', 'read', 'ENOENT: no such file or directory')
 */
export class FileError extends AuxbusError {
  constructor(
    readonly path: string,
    operation: 'read' | 'write',
    reason: string,
  ) {
    super('file', `cannot ${asText(operation)} ${asText(path)}: ${asText(reason)}`);
  }
}

/**
 * A violation code that is not in the table.
 * @example new UnknownCodeError('double-dlete', VIOLATION_CODES)
 */
export class UnknownCodeError extends AuxbusError {
  constructor(
    readonly received: string,
    readonly known: readonly string[],
  ) {
    super('unknown-code', `unknown violation code ${describeValue(received)}; known codes: ${listText(known)}`);
  }
}

/** A list of names as text; anything else described (never throws). */
function listText(known: unknown): string {
  try {
    if (Array.isArray(known)) return known.map(asText).join(', ');
  } catch {
    // a revoked proxy: described below
  }
  return asText(known);
}
