import { ParameterError } from '../../machines/index.js';

/** The longest label or name the runtime keeps: it is printed in every finding about the object. */
export const MAX_LABEL_LENGTH = 256;

/**
 * Checks a label or name (of an allocation, a parent, a field, a devres action, a device on the
 * bus): a non-empty string of at most {@link MAX_LABEL_LENGTH} characters; throws ParameterError.
 * @example requireLabel('foo', 'kzalloc(label)') // passes
 */
export function requireLabel(label: unknown, parameter = 'label', what = 'a non-empty string'): asserts label is string {
  if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_LENGTH) {
    throw new ParameterError(parameter, label, `${what} of at most ${MAX_LABEL_LENGTH} characters`);
  }
}
