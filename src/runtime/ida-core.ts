import {
  IDA_SET_EFFECTS, idaEvent, idaEventBuffers, idaSetEffects, KERNEL_IDA_CAPACITY,
  type IdaCall, type IdaContext, type IdaEvent, type KernelLogParams, type ReturnsParams, type ViolationParams,
} from '../../machines/index.js';
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
    markAllocated: (core, _params, event) => { core.set = idaSetEffects.markAllocated(core.set, event); },
    clearId: (core, _params, event) => { core.set = idaSetEffects.clearId(core.set, event); },
    setOwner: (core, _params, event) => { core.set = idaSetEffects.setOwner(core.set, event); },
    clearAll: (core, _params, event) => { core.set = idaSetEffects.clearAll(core.set, event); },
    returns: (core, params) => {
      if (core.returned === undefined) core.returned = (params as ReturnsParams).value;
    },
    violation: (core, params) => { core.sink.violation(params as ViolationParams); },
    kernelLog: (core, params, event) => { core.sink.kernelLog(params as KernelLogParams, event); },
  },
});

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
   * The machine event for a call: the call with the facts read from the set. An ALLOC, FREE or
   * CLAIM event is this core's buffer of its type, valid until the next call of that type.
   */
  event(call: IdaCall): IdaEvent {
    return idaEvent(this.set, call, this.events);
  }

  /** One step of the machine; returns the value the call returns (an id or -errno), if it names one. */
  step(event: IdaEvent): number | undefined {
    this.returned = undefined;
    runIda(this, NO_CONTEXT, event);
    return this.returned;
  }
}
