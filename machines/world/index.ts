export { createWorld, serializeWorld, type WorldLogic } from './world.logic.js';
export { resolveWorldParams, DEFAULT_WORLD, WORLD_LIMITS } from './world.params.js';
export { worldEventAlphabet } from './world.events.js';
export * from './world.types.js';
