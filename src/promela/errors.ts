import { AuxbusError, asText } from '../../machines/common/errors.js';

/**
 * A world the Promela generator cannot write exactly: it names what (a parameter, an effect, a
 * call) so the caller knows what to leave out. The generator refuses rather than emit Promela
 * that would explore a different world.
 * @example new UnsupportedPromelaError('a probe', 'a probe whose effects probe again')
 */
export class UnsupportedPromelaError extends AuxbusError {
  constructor(
    /** What cannot be generated: a parameter, an effect type, a table key. */
    readonly what: string,
    reason: string,
  ) {
    super('unsupported-promela', `cannot generate Promela for ${asText(what)}: ${asText(reason)}`);
  }
}

/**
 * Spin did not search exhaustively: the verifier's depth bound, or a limit of Spin itself (a
 * d_step longer than it takes); no count is reported then.
 * @example new SpinIncompleteError('max search depth too small (-m100000)')
 */
export class SpinIncompleteError extends AuxbusError {
  constructor(reason: string) {
    super('spin-incomplete', `Spin's search was not exhaustive: ${asText(reason)}`);
  }
}
