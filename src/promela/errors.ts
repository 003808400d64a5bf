import { AuxbusError, asText } from '../../machines/common/errors.js';

/**
 * A world the Promela generator cannot write exactly: it names what (a parameter, an effect, a
 * call) so the caller knows what to leave out. The generator refuses rather than emit Promela
 * that would explore a different world.
 * @example new UnsupportedPromelaError('drivers', 'worlds with auxiliary drivers are not generated yet')
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
