import { comingCommand } from './coming.js';

/** `auxbus check`: announced, not in this version. */
export const check = comingCommand(
  'check',
  'check a driver\'s C source against the model',
  'it will parse a driver\'s C code, follow its auxiliary-bus\ncalls along each path and replay them on the model, reporting violations in gcc style,\nJSON or SARIF.',
);
