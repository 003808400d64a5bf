/** The model: the only place lifecycle decisions live. */
export * from './device/index.js';
export * from './ida/index.js';
export * from './driver/index.js';
export * from './memory/index.js';
export * from './world/index.js';
export * from './violations.js';
export * from './errno.js';
export * from './common/effects.js';
export * from './common/errors.js';
export * from './routine/index.js';
