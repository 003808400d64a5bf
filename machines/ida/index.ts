export { idaMachine, type IdaMachine } from './ida.machine.js';
export { idaGuards, allocReturn, leakReport, type IdaArgs } from './ida.logic.js';
export { idaCallAlphabet } from './ida.events.js';
export {
  lowestFree, leakedIds, idaIsEmpty, allocNeedsMemory, IDA_BITMAP_BITS, IDA_VALUE_BITS, idaEvent, idaAllocEvent, idaFreeEvent, idaClaimEvent, idaEventBuffers, applyIdaEffect, idaSetEffects, stepIda, IDA_SET_EFFECTS,
  type IdaSetEffects, type IdSetHolder, type IdaEventBuffers, type IdaEffect, type IdaInterpreter, type IdaComponent, type IdaStep,
} from './ida.facts.js';
export {
  SortedIdSet, IdSetStateError, requireIdaCapacity, requireId, requireOwner, requireFreeRange,
  type IdSet, type IdSetView,
} from './ida.set.js';
export {
  idaModel, xstateIda, initialIdaComponent, serializeIdaModel,
  type IdaSnapshot, type IdaModelState, type IdaModelInput, type IdaModelSnapshot, type IdaModelLogic,
} from './ida.model.js';
export * from './ida.types.js';
