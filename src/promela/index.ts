export { worldPromela, type WorldPromela } from './generate.js';
export { runSpin, onPath, type SpinResult } from './spin.js';
export { UnsupportedPromelaError } from './errors.js';
