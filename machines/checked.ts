/**
 * The model's hot helpers as the package exports them, each checking its arguments before it
 * runs (issue 16 item 7: wrong input ends in a ParameterError, never a TypeError from inside).
 *
 * Why a module of its own: the runtime, the world and the explorers call these helpers millions
 * of times with values they built themselves, so they import the unchecked functions from
 * `machines/index.ts` and the files beside them; a check per call would cost them throughput for
 * nothing. Only `src/index.ts` imports this module, and its named exports there take the place of
 * the unchecked ones `export *` would give (test/index.test.ts checks that no other module
 * imports it).
 */
export {
  allocNeedsMemory, allocReturn, applyIdaEffect, idaAllocEvent, idaClaimEvent, idaEvent, idaFreeEvent, idaIsEmpty, leakedIds, leakReport,
  lowestFree, serializeIdaModel, stepIda, xstateIda,
} from './ida/ida.checked.js';
export {
  deviceOwner, idField, initialWorldState, serializeWorld, sharedEvents, slotEvents, stepWorld, worldEventAlphabet, worldEvents,
} from './world/world.checked.js';
export { refcount } from './device/device.checked.js';
