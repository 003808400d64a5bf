import {
  IDA_SET_EFFECTS, idaAllocEvent, idaClaimEvent, idaEvent, idaEventBuffers, idaFreeEvent, idaSetEffects, KERNEL_IDA_CAPACITY,
  type IdaCall, type IdaContext, type IdaEvent, type KernelLogParams, type ReturnsParams, type ViolationParams,
} from '../../machines/index.js';
import { UnsupportedMachineError } from '../model/compile.js';
import { generateRunner, type RunnerHost } from '../model/runner.js';
import { BitmapIdSet } from './ida-bitmap.js';
import { tables } from './tables.js';

/**
 * Where an IDA's effects that call out go: the kernel's report and log for the runtime's `Ida`.
 * @example const quiet: IdaSink = { violation: (p) => { throw new Error(p.code); }, kernelLog: () => {} };
 */
export interface IdaSink {
  /** A contract breach the machine reported at this step (`ida-double-free`, `id-leak`, ...). */
  violation(params: ViolationParams): void;
  /** A line the kernel prints at this step (ida_free's WARN). */
  kernelLog(params: KernelLogParams, event: IdaEvent): void;
}

/** The IDA machine keeps no context (its facts come in its events). */
const NO_CONTEXT: IdaContext = Object.freeze({});

/**
 * The IDA machine's step, generated once from its compiled table (`generateRunner`): the set
 * effects carried out first, as a context update would be (they happen even when a violation of
 * the same step throws in strict mode), then the others in the machine's order.
 */
const runIda = generateRunner<IdaContext, IdaEvent, IdaCore>(tables.ida, {
  first: IDA_SET_EFFECTS,
  handlers: {
    ...idaSetEffects,
    returns: (core, params) => {
      if (core.returned === undefined) core.returned = (params as ReturnsParams).value;
    },
    violation: (core, params) => { core.sink.violation(params as ViolationParams); },
    kernelLog: (core, params, event) => { core.sink.kernelLog(params as KernelLogParams, event); },
  },
});

/** The step of each call type the runtime makes, for a caller that knows its type. */
const onAlloc = stepOf('ALLOC');
const onFree = stepOf('FREE');
const onClaim = stepOf('CLAIM');

function stepOf<T extends IdaEvent['type']>(type: T): (core: IdaCore, context: IdaContext, event: Extract<IdaEvent, { type: T }>) => boolean {
  const step = runIda.on[type];
  if (step === undefined) throw new UnsupportedMachineError('ida', `no transition takes ${type}`, 'an IDA machine that takes every call the runtime makes');
  return step;
}

type AllocCall = Extract<IdaCall, { type: 'ALLOC' }>;
type FreeCall = Extract<IdaCall, { type: 'FREE' }>;
type ClaimCall = Extract<IdaCall, { type: 'CLAIM' }>;
type AllocEvent = Extract<IdaEvent, { type: 'ALLOC' }>;
type FreeEvent = Extract<IdaEvent, { type: 'FREE' }>;
type ClaimEvent = Extract<IdaEvent, { type: 'CLAIM' }>;

/**
 * An IDA as the runtime steps it: the machine's leaf, the id set the machine decides about (a
 * {@link BitmapIdSet}), and the machine's generated step. Each call's facts are read from the set
 * (`idaEvent`), the step takes the transition the machine selects and carries out the effects it
 * names. The runtime's `Ida` wraps one with the kernel's call bookkeeping; it holds no rule of
 * its own.
 * @internal
 * @example
 * const core = new IdaCore({ violation: () => {}, kernelLog: () => {} });
 * core.step(core.event({ type: 'ALLOC', min: 0, max: 9, owner: 0, fault: false })); // 0
 */
export class IdaCore implements RunnerHost {
  /** The IDA machine's leaf (`empty` or `inUse`). */
  leaf: number = tables.ida.initial().leaf;
  /** The ids and their owners: changed only by the machine's set effects. */
  set: BitmapIdSet;
  /** The value the current step's first `returns` effect named. */
  returned: number | undefined = undefined;
  /** Events filled in for each call rather than allocated: nothing keeps them. */
  private readonly events = idaEventBuffers();

  constructor(
    /** Where violations and kernel log lines go. */
    readonly sink: IdaSink,
    capacity: number = KERNEL_IDA_CAPACITY,
  ) {
    this.set = new BitmapIdSet(capacity);
  }

  /**
   * The machine event for a call: the call with the facts read from the set (`idaEvent`). An
   * ALLOC, FREE or CLAIM event is this core's buffer of its type, valid until the next call of
   * that type.
   */
  event(call: IdaCall): IdaEvent {
    return idaEvent(this.set, call, this.events);
  }

  /** One step of the machine on any event; returns the value the call returns, if it names one. */
  step(event: IdaEvent): number | undefined {
    this.returned = undefined;
    runIda(this, NO_CONTEXT, event);
    return this.returned;
  }

  /** `event` for an ALLOC call (the lowest free id of its range), without dispatching on the type. */
  allocEvent(call: AllocCall): AllocEvent {
    return idaAllocEvent(this.set, call, this.events.ALLOC);
  }

  /** `event` for a FREE call (who holds the id, whether it is the last). */
  freeEvent(call: FreeCall): FreeEvent {
    return idaFreeEvent(this.set, call, this.events.FREE);
  }

  /** `event` for a CLAIM call (who holds the id). */
  claimEvent(call: ClaimCall): ClaimEvent {
    return idaClaimEvent(this.set, call, this.events.CLAIM);
  }

  /** `step` for an ALLOC event: the machine's ALLOC step, without dispatching on the type. */
  stepAlloc(event: AllocEvent): number | undefined {
    this.returned = undefined;
    onAlloc(this, NO_CONTEXT, event);
    return this.returned;
  }

  /** `step` for a FREE event (ida_free returns nothing). */
  stepFree(event: FreeEvent): void {
    onFree(this, NO_CONTEXT, event);
  }

  /** `step` for a CLAIM event. */
  stepClaim(event: ClaimEvent): void {
    onClaim(this, NO_CONTEXT, event);
  }
}
