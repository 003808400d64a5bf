export { worldPromela, type WorldPromela, type WorldPromelaOptions } from './generate.js';
export { runSpin, onPath, type SpinResult, type SpinOptions } from './spin.js';
export { UnsupportedPromelaError, SpinIncompleteError } from './errors.js';
