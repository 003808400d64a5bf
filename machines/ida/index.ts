export { idaMachine, type IdaMachine } from './ida.machine.js';
export { idaGuards, idaUpdates, idaIsEmpty, lowestFree, ownerOf, leakedIds, type IdaArgs } from './ida.logic.js';
export { idaEventAlphabet } from './ida.events.js';
export * from './ida.types.js';
