import { AuxbusError } from '../machines/index.js';

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
    super('usage', message);
  }
}

/**
 * A path given to replay or draw is not what was expected: unreadable JSON, an event the
 * machine does not know, a step missing its payload, a path number out of range.
 * @example new PathInputError('step 3: event type "FOO" is not an event of the device machine', 'one of INIT, ADD, ...')
 */
export class PathInputError extends AuxbusError {
  constructor(what: string, expected: string) {
    super('invalid-path', `${what}; expected ${expected}`);
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
    super('model-too-large', `${what}: the model has ${states} states, more than the ${limit} this strategy accepts; ${advice}`);
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
    super('file', `cannot ${operation} ${path}: ${reason}`);
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
    super('unknown-code', `unknown violation code "${received}"; known codes: ${known.join(', ')}`);
  }
}
