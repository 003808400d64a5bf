export { createWorld, serializeWorld, worldEventAlphabet, XSTATE_COMPONENTS, type WorldLogic } from './world.logic.js';
export { resolveWorldParams, DEFAULT_WORLD, WORLD_LIMITS } from './world.params.js';
export { worldEvents, slotEvents, sharedEvents } from './world.events.js';
export {
  stepWorld, initialWorldState, deviceOwner, idField,
  type WorldComponents, type WorldState, type WorldStepResult, type WorldAction, type WorldCall,
} from './world.step.js';
export * from './world.types.js';
