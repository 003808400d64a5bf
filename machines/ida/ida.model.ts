import { initialTransition, transition, type ActorLogic, type ActorSystem, type EventObject, type SnapshotFrom } from 'xstate';
import { ParameterError } from '../common/errors.js';
import { stepIda, type IdaComponent, type IdaEffect, type IdaInterpreter } from './ida.facts.js';
import { idaMachine } from './ida.machine.js';
import { SortedIdSet } from './ida.set.js';
import type { IdaCall } from './ida.types.js';
import { KERNEL_IDA_CAPACITY } from './ida.types.js';

/**
 * The IDA as the model runs it with XState itself: the machine's snapshot beside a
 * {@link SortedIdSet}, stepped by `stepIda`. The composed world uses it as its IDA component;
 * `idaModel` wraps it as actor logic so that `xstate/graph` can generate paths over the IDA on
 * its own (the machine alone has no id set to compute facts from).
 */

/** A snapshot of the IDA machine (its context is empty: see `IdaContext`). */
export type IdaSnapshot = SnapshotFrom<typeof idaMachine>;

/** The IDA component under XState: the machine's snapshot and the id set. */
export type IdaModelState = IdaComponent<IdaSnapshot, SortedIdSet>;

/**
 * XState's own `transition` as an IDA interpreter: the reference every faster one is checked against.
 * @example xstateIda(initialTransition(idaMachine)[0], { type: 'DESTROY' })[0].value // 'empty'
 */
export const xstateIda: IdaInterpreter<IdaSnapshot> = (state, event) => transition(idaMachine, state, event) as [IdaSnapshot, IdaEffect[]];

/**
 * A fresh IDA component under XState: the machine's initial state and no id allocated, in an id
 * space of `capacity` ids (default the kernel's 2^31). Throws {@link ParameterError} on a bad capacity.
 * @example initialIdaComponent(4).set.capacity // 4
 */
export function initialIdaComponent(capacity: number = KERNEL_IDA_CAPACITY): IdaModelState {
  const set = SortedIdSet.empty(capacity);
  return { machine: initialTransition(idaMachine)[0], set };
}

/** Input of {@link idaModel}: the size of the id space. */
export interface IdaModelInput {
  capacity?: number;
}

/** A snapshot of {@link idaModel}. */
export interface IdaModelSnapshot {
  status: 'active';
  output: undefined;
  error: undefined;
  /** The IDA component: the machine's snapshot and the id set. */
  context: IdaModelState;
}

/** The IDA model as XState actor logic: calls in, `stepIda` under XState. */
export type IdaModelLogic = ActorLogic<IdaModelSnapshot, IdaCall, IdaModelInput | undefined, ActorSystem<any>, EventObject>;

/**
 * The IDA machine with its id set, as actor logic whose `transition` is pure: `xstate/graph`
 * generates paths of IDA calls over it. The machine event each call became is `idaEvent` of the
 * set before it (see `idaMachinePath`), so coverage of the machine itself is read from the same paths.
 * @example
 * import { getShortestPaths } from 'xstate/graph';
 * getShortestPaths(idaModel, idaTraversal({ capacity: 2 })).length;
 */
export const idaModel: IdaModelLogic = {
  config: idaMachine,
  transition: (snapshot, call) => {
    const r = stepIda(xstateIda, snapshot.context, call);
    return r.state === snapshot.context ? snapshot : { status: 'active', output: undefined, error: undefined, context: r.state };
  },
  getInitialSnapshot: (_scope, input) => {
    if (input !== undefined && (typeof input !== 'object' || input === null)) throw new ParameterError('input', input, 'an object { capacity? }');
    return { status: 'active', output: undefined, error: undefined, context: initialIdaComponent(input?.capacity) };
  },
  getPersistedSnapshot: (snapshot) => snapshot,
};

/**
 * An IDA model snapshot's identity: the machine's state and the id set (JSON-canonical).
 * @example serializeIdaModel(idaModel.getInitialSnapshot(undefined as never, { capacity: 2 })) // '["empty",{"capacity":2,"ids":[],"owners":[]}]'
 */
export function serializeIdaModel(snapshot: IdaModelSnapshot): string {
  return JSON.stringify([snapshot.context.machine.value, snapshot.context.set]);
}
