import { ParameterError, requireBool, requireInt, requireObject } from '../common/errors.js';
import { requireArray, requireBuffer, requireFunction, requireInteger, requireMethods, requireOneOf } from '../common/checks.js';
import {
  allocNeedsMemory as allocNeedsMemoryUnchecked, applyIdaEffect as applyIdaEffectUnchecked, idaAllocEvent as idaAllocEventUnchecked,
  idaClaimEvent as idaClaimEventUnchecked, idaEvent as idaEventUnchecked, idaFreeEvent as idaFreeEventUnchecked, idaIsEmpty as idaIsEmptyUnchecked,
  leakedIds as leakedIdsUnchecked, lowestFree as lowestFreeUnchecked, stepIda as stepIdaUnchecked,
  type IdaComponent, type IdaEventBuffers, type IdaInterpreter, type IdaStep,
} from './ida.facts.js';
import { allocReturn as allocReturnUnchecked, leakReport as leakReportUnchecked, type IdaArgs } from './ida.logic.js';
import { idaMachine } from './ida.machine.js';
import { serializeIdaModel as serializeIdaModelUnchecked, xstateIda as xstateIdaUnchecked, type IdaModelSnapshot, type IdaSnapshot } from './ida.model.js';
import { requireOwner, SortedIdSet, type IdSet, type IdSetView } from './ida.set.js';
import { KERNEL_IDA_CAPACITY, type IdaCall, type IdaEvent, type IdaEventType } from './ida.types.js';

/**
 * The IDA helpers as the package exports them: each checks its arguments, then calls the one in
 * `ida.facts.ts` / `ida.logic.ts` / `ida.model.ts`. Those stay unchecked because the runtime, the
 * world and the explorers call them millions of times with values they built themselves; only
 * `src/index.ts` imports this module (test/index.test.ts checks that no other module does).
 */

const IDA_TYPES: readonly IdaEventType[] = ['ALLOC', 'FREE', 'CLAIM', 'DESTROY', 'END'];
const VIEW_METHODS = ['firstFree', 'ownerOf', 'countIn', 'forEach'] as const;
const SET_METHODS = [...VIEW_METHODS, 'markAllocated', 'clearId', 'setOwner', 'clearAll'] as const;

/**
 * Checks an id set to read facts from: a {@link SortedIdSet} (valid by construction), or an object
 * with the {@link IdSetView} members, capacity and size in range.
 * @example requireIdSetView('idaIsEmpty(set)', SortedIdSet.empty(4)) // the set
 */
export function requireIdSetView(parameter: string, set: unknown, methods: readonly string[] = VIEW_METHODS): IdSetView {
  const expected = methods === VIEW_METHODS ? 'an id set (a SortedIdSet, or an IdSetView)' : 'an id set the effects can change (a SortedIdSet, or an IdSet)';
  const o = requireObject(parameter, set, expected);
  if (o instanceof SortedIdSet) return o;
  const s = requireMethods(parameter, o, methods, expected);
  const capacity = requireInt(`${parameter}.capacity`, s.capacity, 1, KERNEL_IDA_CAPACITY, 'the id space is [0, capacity - 1]');
  requireInt(`${parameter}.size`, s.size, 0, capacity, 'ids allocated');
  return o as IdSetView;
}

/** Checks an id set the IDA machine's set effects can change (see {@link IdSet}): the view and the four changes. */
function requireIdSet(parameter: string, set: unknown): void {
  requireIdSetView(parameter, set, SET_METHODS);
}

const CALL_SHAPES: Readonly<Record<IdaEventType, string>> = {
  ALLOC: "{ type: 'ALLOC', min, max, owner, fault }",
  FREE: "{ type: 'FREE', id, owner }",
  CLAIM: "{ type: 'CLAIM', id, owner }",
  DESTROY: "{ type: 'DESTROY' }",
  END: "{ type: 'END', excused: [owner, ...] }",
};

/**
 * Checks an IDA call (see `IdaCall`), of type `only` when given: a known type with each of its
 * fields of the right type. Integers only where the kernel takes any int (min, max, id: the
 * machine decides what a negative or out-of-range one does); owners are owner tokens.
 * @example requireIdaCall('stepIda(call)', { type: 'FREE', id: -1, owner: 0 }) // the call
 */
export function requireIdaCall(parameter: string, call: unknown, only?: IdaEventType): IdaCall {
  const expected = only ? `an IDA call ${CALL_SHAPES[only]}` : `an IDA call (${IDA_TYPES.map((t) => CALL_SHAPES[t]).join(', ')})`;
  const c = requireObject(parameter, call, expected) as Record<string, unknown>;
  const type = only ? requireOneOf(`${parameter}.type`, c.type, [only]) : requireOneOf(`${parameter}.type`, c.type, IDA_TYPES);
  switch (type) {
    case 'ALLOC':
      requireInteger(`${parameter}.min`, c.min);
      requireInteger(`${parameter}.max`, c.max);
      requireOwner(`${parameter}.owner`, c.owner);
      requireBool(`${parameter}.fault`, c.fault);
      break;
    case 'FREE':
    case 'CLAIM':
      requireInteger(`${parameter}.id`, c.id);
      requireOwner(`${parameter}.owner`, c.owner);
      break;
    case 'END':
      requireArray(`${parameter}.excused`, c.excused, 'an array of owner tokens').forEach((o, i) => requireOwner(`${parameter}.excused[${i}]`, o));
      break;
    default:
      break;
  }
  return call as IdaCall;
}

/**
 * Checks an IDA machine event (see `IdaEvent`): the call's fields and the facts `idaEvent` adds
 * (`lowest`, `holder`, `last`, `leaked`), each of the right type.
 * @example requireIdaEvent('xstateIda(event)', { type: 'END', leaked: [] }) // the event
 */
export function requireIdaEvent(parameter: string, event: unknown): IdaEvent {
  const c = requireObject(parameter, event, 'an IDA machine event (idaEvent(set, call))') as Record<string, unknown>;
  const type = requireOneOf(`${parameter}.type`, c.type, IDA_TYPES);
  switch (type) {
    case 'ALLOC':
      requireIdaCall(parameter, event, type);
      requireInt(`${parameter}.lowest`, c.lowest, -1, KERNEL_IDA_CAPACITY - 1, 'the lowest free id of the range, -1 for none');
      break;
    case 'FREE':
      requireIdaCall(parameter, event, type);
      requireInt(`${parameter}.holder`, c.holder, -1, 2 ** 31 - 1, "the id's owner token, -1 when it is not allocated");
      requireBool(`${parameter}.last`, c.last);
      break;
    case 'CLAIM':
      requireIdaCall(parameter, event, type);
      requireInt(`${parameter}.holder`, c.holder, -1, 2 ** 31 - 1, "the id's owner token, -1 when it is not allocated");
      break;
    case 'END':
      requireArray(`${parameter}.leaked`, c.leaked, 'an array of ids').forEach((id, i) => requireInt(`${parameter}.leaked[${i}]`, id, 0, KERNEL_IDA_CAPACITY - 1, 'an id'));
      break;
    default:
      break;
  }
  return event as IdaEvent;
}

/**
 * Checks a snapshot of the IDA machine (XState's, as `initialIdaComponent().machine`): the
 * snapshot names its machine, so one of another machine is told apart at no cost.
 * @example requireIdaSnapshot('xstateIda(state)', initialIdaComponent(4).machine) // the snapshot
 */
export function requireIdaSnapshot(parameter: string, snapshot: unknown): IdaSnapshot {
  const expected = 'a snapshot of the IDA machine (initialIdaComponent().machine)';
  const s = requireObject(parameter, snapshot, expected) as { machine?: unknown };
  if (s.machine !== idaMachine) throw new ParameterError(parameter, snapshot, expected);
  return snapshot as IdaSnapshot;
}

/**
 * Checks the IDA component of the XState model: the machine's snapshot and a {@link SortedIdSet}.
 * @example requireIdaModelState('serializeIdaModel(snapshot).context', initialIdaComponent(4))
 */
export function requireIdaModelState(parameter: string, state: unknown): void {
  const c = requireObject(parameter, state, 'an IDA component { machine, set } (initialIdaComponent())') as Record<string, unknown>;
  requireIdaSnapshot(`${parameter}.machine`, c.machine);
  const set = requireObject(`${parameter}.set`, c.set, 'a SortedIdSet');
  if (!(set instanceof SortedIdSet)) throw new ParameterError(`${parameter}.set`, c.set, 'a SortedIdSet');
}

/** Checks guard arguments `{ context, event }` as XState passes them to the IDA machine's params. */
function requireIdaArgs(parameter: string, args: unknown): void {
  const a = requireObject(parameter, args, 'the arguments XState passes a params function: { context, event }') as Record<string, unknown>;
  requireIdaEvent(`${parameter}.event`, a.event);
}

/**
 * Whether `ida_alloc_range` must allocate memory to hand out `lowest`, so that an injected
 * allocation failure can make it fail (§4): not for an id of the first slot's inline value entry
 * or existing bitmap, possibly anywhere else. Throws {@link ParameterError} unless `set` is an id
 * set and `lowest` an id of it or -1.
 * @example allocNeedsMemory(SortedIdSet.empty(4), 0) // false: the first ida_alloc allocates nothing
 */
export function allocNeedsMemory(set: IdSetView, lowest: number): boolean {
  const s = requireIdSetView('allocNeedsMemory(set)', set);
  requireInt('allocNeedsMemory(lowest)', lowest, -1, s.capacity - 1, "the id ida_alloc_range would hand out (lowestFree), -1 for none");
  return allocNeedsMemoryUnchecked(s, lowest);
}

/**
 * Params of the `returns` effect of a successful ALLOC: the id it hands out (§4); -1 for any
 * other event. Throws {@link ParameterError} unless `args.event` is an IDA machine event.
 * @example allocReturn({ context: {}, event: { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 2 } }) // { value: 2 }
 */
export function allocReturn(args: IdaArgs): { value: number } {
  requireIdaArgs('allocReturn(args)', args);
  return allocReturnUnchecked(args);
}

/**
 * Params of the id-leak report at the end: which ids leak (model.md §4.3). Throws
 * {@link ParameterError} unless `args.event` is an IDA machine event.
 * @example leakReport({ context: {}, event: { type: 'END', leaked: [3] } }) // { code: 'id-leak', ids: [3] }
 */
export function leakReport(args: IdaArgs): ReturnType<typeof leakReportUnchecked> {
  requireIdaArgs('leakReport(args)', args);
  return leakReportUnchecked(args);
}

/**
 * Whether `ida_is_empty()` is true: no id allocated (§4). Throws {@link ParameterError} unless
 * `set` is an id set.
 * @example idaIsEmpty(SortedIdSet.empty(4)) // true
 */
export function idaIsEmpty(set: IdSetView): boolean {
  return idaIsEmptyUnchecked(requireIdSetView('idaIsEmpty(set)', set));
}

/**
 * The id `ida_alloc_range` would return: the lowest free id in the inclusive range, or -1 when
 * there is none (§4: `(int)min < 0`, `min > max` and a full range all give -ENOSPC; a `max`
 * beyond the id space, or negative as an int, is clamped to the top of the space). Throws
 * {@link ParameterError} unless `set` is an id set and `min`, `max` integers.
 * @example lowestFree(SortedIdSet.of(4, [[0, 0], [2, 0]]), 0, 3) // 1
 */
export function lowestFree(set: IdSetView, min: number, max: number): number {
  const s = requireIdSetView('lowestFree(set)', set);
  requireInteger('lowestFree(min)', min);
  requireInteger('lowestFree(max)', max);
  return lowestFreeUnchecked(s, min, max);
}

/**
 * Ids still allocated at the end whose owner is not excused (model.md §4.3), ascending. Throws
 * {@link ParameterError} unless `set` is an id set and `excused` an array of owner tokens.
 * @example leakedIds(SortedIdSet.of(4, [[0, 0], [1, 5]]), [5]) // [0]
 */
export function leakedIds(set: IdSetView, excused: readonly number[]): number[] {
  const s = requireIdSetView('leakedIds(set)', set);
  requireArray('leakedIds(excused)', excused, 'an array of owner tokens').forEach((o, i) => requireOwner(`leakedIds(excused)[${i}]`, o));
  return leakedIdsUnchecked(s, excused);
}

/** The fields `idaEvent` writes into the buffer of each type. */
const BUFFER_FIELDS = { ALLOC: ['lowest', 'min', 'max', 'owner', 'fault'], FREE: ['holder', 'id', 'owner', 'last'], CLAIM: ['holder', 'id', 'owner'] } as const;

/**
 * The IDA machine's event for a call: the call with the facts the kernel reads at that call, read
 * from `set`. With `buffers` (from `idaEventBuffers()`), an ALLOC, FREE or CLAIM event is written
 * into the buffer of its type and returned; otherwise it is a new object. Throws
 * {@link ParameterError} for a set, call or buffer that is not one, before writing anything.
 * @example idaEvent(SortedIdSet.of(4, [[0, 0]]), { type: 'FREE', id: 0, owner: 0 }) // { type: 'FREE', id: 0, owner: 0, holder: 0, last: true }
 */
export function idaEvent(set: IdSetView, call: IdaCall, buffers?: IdaEventBuffers): IdaEvent {
  const s = requireIdSetView('idaEvent(set)', set);
  const c = requireIdaCall('idaEvent(call)', call);
  if (buffers !== undefined) {
    const b = requireObject('idaEvent(buffers)', buffers, 'undefined or event buffers { ALLOC, FREE, CLAIM } (idaEventBuffers())') as Record<string, unknown>;
    if (c.type === 'ALLOC' || c.type === 'FREE' || c.type === 'CLAIM') requireBuffer(`idaEvent(buffers).${c.type}`, b[c.type], c.type, BUFFER_FIELDS[c.type]);
  }
  return idaEventUnchecked(s, c, buffers);
}

type AllocCall = Extract<IdaCall, { type: 'ALLOC' }>;
type AllocEvent = Extract<IdaEvent, { type: 'ALLOC' }>;
type FreeEvent = Extract<IdaEvent, { type: 'FREE' }>;
type ClaimEvent = Extract<IdaEvent, { type: 'CLAIM' }>;

/**
 * `idaEvent` for an ALLOC call: its facts (the lowest free id of the range, §4). With `into`, the
 * event is written into that buffer (from `idaEventBuffers()`) and returned. Throws
 * {@link ParameterError} for a set, call or buffer that is not one, before writing anything.
 * @example idaAllocEvent(SortedIdSet.of(4, [[0, 0]]), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }).lowest // 1
 */
export function idaAllocEvent(set: IdSetView, call: AllocCall, into?: AllocEvent): AllocEvent {
  const s = requireIdSetView('idaAllocEvent(set)', set);
  requireIdaCall('idaAllocEvent(call)', call, 'ALLOC');
  if (into !== undefined) requireBuffer('idaAllocEvent(into)', into, 'ALLOC', BUFFER_FIELDS.ALLOC);
  return idaAllocEventUnchecked(s, call, into);
}

/**
 * `idaEvent` for a FREE call: who holds the id, and whether it is the last one allocated. With
 * `into`, written into that buffer. Throws {@link ParameterError} for a set, call or buffer that
 * is not one, before writing anything.
 * @example idaFreeEvent(SortedIdSet.of(4, [[2, 5]]), { type: 'FREE', id: 2, owner: 5 }).last // true
 */
export function idaFreeEvent(set: IdSetView, call: Extract<IdaCall, { type: 'FREE' }>, into?: FreeEvent): FreeEvent {
  const s = requireIdSetView('idaFreeEvent(set)', set);
  requireIdaCall('idaFreeEvent(call)', call, 'FREE');
  if (into !== undefined) requireBuffer('idaFreeEvent(into)', into, 'FREE', BUFFER_FIELDS.FREE);
  return idaFreeEventUnchecked(s, call, into);
}

/**
 * `idaEvent` for a CLAIM call: who holds the id. With `into`, written into that buffer. Throws
 * {@link ParameterError} for a set, call or buffer that is not one, before writing anything.
 * @example idaClaimEvent(SortedIdSet.of(4, [[2, 0]]), { type: 'CLAIM', id: 2, owner: 7 }).holder // 0
 */
export function idaClaimEvent(set: IdSetView, call: Extract<IdaCall, { type: 'CLAIM' }>, into?: ClaimEvent): ClaimEvent {
  const s = requireIdSetView('idaClaimEvent(set)', set);
  requireIdaCall('idaClaimEvent(call)', call, 'CLAIM');
  if (into !== undefined) requireBuffer('idaClaimEvent(into)', into, 'CLAIM', BUFFER_FIELDS.CLAIM);
  return idaClaimEventUnchecked(s, call, into);
}

/**
 * Carries out one effect the IDA machine named for `event` on `set` (see `idaSetEffects`);
 * returns the set after it. Any other effect (`returns`, `violation`, `kernelLog`) is not the
 * set's: the set comes back as it was. Throws {@link ParameterError} unless `set` is an id set,
 * `effect` a string and `event` an IDA machine event; {@link IdSetStateError} when the set does
 * not allow the change.
 * @example applyIdaEffect(SortedIdSet.empty(4), 'markAllocated', { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false, lowest: 0 }).ids // [0]
 */
export function applyIdaEffect<S extends IdSet<S>>(set: S, effect: string, event: IdaEvent): S {
  requireIdSet('applyIdaEffect(set)', set);
  if (typeof effect !== 'string') throw new ParameterError('applyIdaEffect(effect)', effect, 'the name of an effect, e.g. "markAllocated"');
  requireIdaEvent('applyIdaEffect(event)', event);
  return applyIdaEffectUnchecked(set, effect, event);
}

/**
 * XState's own `transition` as an IDA interpreter: the reference every faster one is checked
 * against. Throws {@link ParameterError} unless `state` is a snapshot of the IDA machine and
 * `event` an IDA machine event.
 * @example xstateIda(initialIdaComponent(4).machine, { type: 'DESTROY' })[0].value // 'empty'
 */
export const xstateIda: IdaInterpreter<IdaSnapshot> = (state, event) => {
  requireIdaSnapshot('xstateIda(state)', state);
  requireIdaEvent('xstateIda(event)', event);
  return xstateIdaUnchecked(state, event);
};

/**
 * One call through an IDA component: the facts read from its set, the machine stepped by
 * `interpret`, and the set effects it names carried out, in order. Throws {@link ParameterError}
 * unless `interpret` is a function, `from` a component `{ machine, set }` (for `xstateIda`, its
 * machine a snapshot of the IDA machine) and `call` an IDA call.
 * @example stepIda(xstateIda, initialIdaComponent(4), { type: 'ALLOC', min: 0, max: 3, owner: 0, fault: false }).state.set.ids // [0]
 */
export function stepIda<M, S extends IdSet<S>>(interpret: IdaInterpreter<M>, from: IdaComponent<M, S>, call: IdaCall): IdaStep<M, S> {
  requireFunction('stepIda(interpret)', interpret, 'an IDA interpreter (state, event) => [state, effects], e.g. xstateIda');
  const c = requireObject('stepIda(from)', from, 'an IDA component { machine, set } (initialIdaComponent())') as Record<string, unknown>;
  const xstate = interpret === (xstateIda as unknown) || interpret === (xstateIdaUnchecked as unknown);
  if (xstate) requireIdaSnapshot('stepIda(from).machine', c.machine);
  requireIdSet('stepIda(from).set', c.set);
  requireIdaCall('stepIda(call)', call);
  // The events stepIda builds are valid: XState's interpreter need not check each one again.
  return stepIdaUnchecked(xstate ? (xstateIdaUnchecked as unknown as IdaInterpreter<M>) : interpret, from, call);
}

/**
 * An IDA model snapshot's identity: the machine's state and the id set (JSON-canonical). Throws
 * {@link ParameterError} unless `snapshot` is one of `idaModel`'s.
 * @example serializeIdaModel(idaModel.getInitialSnapshot(undefined as never, { capacity: 2 })) // '["empty",{"capacity":2,"ids":[],"owners":[]}]'
 */
export function serializeIdaModel(snapshot: IdaModelSnapshot): string {
  const s = requireObject('serializeIdaModel(snapshot)', snapshot, "a snapshot of idaModel ({ status, context: { machine, set } })") as Record<string, unknown>;
  requireIdaModelState('serializeIdaModel(snapshot).context', s.context);
  return serializeIdaModelUnchecked(snapshot);
}
