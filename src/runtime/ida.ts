import {
  CODE_OWNER, idaIsEmpty, KERNEL_IDA_CAPACITY, ParameterError, requireInt, requireObject,
  type IdaCall, type IdaContext, type IdaEvent,
} from '../../machines/index.js';
import { AuxDevice } from './device.js';
import { IdaCore } from './ida-core.js';
import type { Kernel } from './kernel.js';
import { KernelObject } from './object.js';
import type { StepRef } from './report.js';
import { tables } from './tables.js';

const U32_MAX = 2 ** 32 - 1;
const INT_MIN = -(2 ** 31);

/**
 * A `struct ida` (kernel-auxbus.md §4): lowest-free ids in an inclusive range, `-ENOSPC` when
 * full, and `free` that WARNs on an id that is not allocated. The model also sees a release
 * callback freeing an id its device no longer owns (`ida-free-reallocated`).
 *
 * The IDA machine decides every call; this object holds the id set the machine decides about (a
 * hierarchical bitmap) in an `IdaCore`: each call's facts are read from it (`idaEvent`), the
 * machine's step generated from its definition runs, and the set effects it names are carried
 * out on it before the rest.
 * @example
 * const ida = k.idaInit('foo_ida');
 * const id = ida.alloc();            // 0, then 1, ...
 * const hi = ida.alloc({ min: 10, max: 19 });
 * ida.free(id);
 */
export class Ida extends KernelObject<IdaContext, IdaEvent> {
  /** @internal where each allocated id was handed out, for the leak report */
  readonly allocatedAt = new Map<number, StepRef>();
  /** @internal the machine's step and the id set it decides about: memory changed only by its effects */
  private readonly core = new IdaCore({
    violation: (params) => this.kernel.raise(params, this),
    kernelLog: (params, event) => this.kernel.printk(params, this.logFields(event)),
  }, KERNEL_IDA_CAPACITY);
  /**
   * The calls and events of this IDA, filled in for each call rather than allocated: nothing
   * keeps them (the machine reads an event while it steps; the IDA's effects never call out).
   */
  private readonly calls = {
    ALLOC: { type: 'ALLOC' as const, min: 0, max: 0, owner: CODE_OWNER, fault: false },
    FREE: { type: 'FREE' as const, id: 0, owner: CODE_OWNER },
    CLAIM: { type: 'CLAIM' as const, id: 0, owner: CODE_OWNER },
  };

  /** @internal use `Kernel.idaInit` */
  constructor(kernel: Kernel, readonly label: string) {
    super(kernel, tables.ida);
  }

  describe(): string {
    return `IDA ${this.label}`;
  }

  /**
   * `ida_alloc_range(ida, min, max, GFP_KERNEL)`; `ida_alloc` without a range, `ida_alloc_min` /
   * `ida_alloc_max` with one bound. Returns the id, -ENOSPC or -ENOMEM.
   */
  alloc(range: { min?: number; max?: number } = {}): number {
    requireObject('alloc(range)', range, 'an object { min?, max? }');
    const min = requireInt('alloc.min', range.min ?? 0, 0, U32_MAX, 'ida_alloc_range takes unsigned bounds');
    const max = requireInt('alloc.max', range.max ?? KERNEL_IDA_CAPACITY - 1, 0, U32_MAX, 'ida_alloc_range takes unsigned bounds');
    return this.kernel.call('ida_alloc', this, [min, max], () => {
      const call = this.calls.ALLOC;
      call.min = min;
      call.max = max;
      call.fault = true;
      // An allocation can only fail where the kernel would allocate: the machine says whether a
      // failing allocation would get that far (not when the range is full).
      const event = this.core.allocEvent(call);
      const fallible = this.guardFor(event) === 'allocFault';
      event.fault = fallible && this.kernel.faults.shouldFail('ida_alloc');
      const id = this.stepped(() => this.core.stepAlloc(event)) ?? -1;
      if (id >= 0) this.allocatedAt.set(id, this.kernel.here());
      return id;
    });
  }

  /**
   * `ida_free(ida, id)`. `id` is C's `unsigned int`: an integer from -2^31 (a negative errno,
   * as in `ida_free(ida, ida_alloc(ida, GFP_KERNEL))` when the allocation failed) to 2^32 - 1.
   * Whatever is negative as an `int` (an errno, or an id above INT_MAX, which no IDA hands out)
   * returns silently, no WARN, as lib/idr.c does since fc82bbf4dede (§4).
   *
   * `owner` says on whose behalf the id is freed: the device whose id it is, or `'code'` for an id
   * never set on a device. With it the model sees a stale free of an id re-allocated meanwhile
   * (`ida-free-reallocated`) wherever it happens. Without it, a free inside a device's release
   * callback of that device's own id is that device's; elsewhere a plain number carries no
   * identity, so the free is taken as the current owner's, and a stale free shows up only later,
   * as `ida-double-free` when the new owner frees its id.
   */
  free(id: number, owner?: AuxDevice | 'code'): void {
    requireInt('ida_free(id)', id, INT_MIN, U32_MAX, 'ida_free takes an unsigned int; a negative int is an errno, ignored as the kernel ignores it');
    if (owner !== undefined && owner !== 'code') {
      this.kernel.requireOwn(owner, AuxDevice, 'ida_free(owner)', "an AuxDevice or 'code'");
    }
    this.kernel.call('ida_free', this, id, () => {
      const call = this.calls.FREE;
      call.id = id;
      call.owner = owner === undefined ? this.kernel.freerOf(this, id) : owner === 'code' ? CODE_OWNER : owner.handle;
      this.stepped(() => this.core.stepFree(this.core.freeEvent(call)));
    });
  }

  /** `ida_destroy(ida)`: drops every id without a WARN (§4). */
  destroy(): void {
    this.kernel.call('ida_destroy', this, undefined, () => { this.send(this.eventFor({ type: 'DESTROY' })); });
  }

  /** `ida_is_empty(ida)`. */
  isEmpty(): boolean {
    return idaIsEmpty(this.core.set);
  }

  /** Ids currently allocated, ascending. */
  get allocated(): readonly number[] {
    return this.core.set.ids();
  }

  protected override logFields(event: IdaEvent): Record<string, string> {
    return { ...super.logFields(event), id: event.type === 'FREE' ? String(event.id) : '' };
  }

  /**
   * @internal The IDA's step is its machine's generated step (`IdaCore.step`): the same
   * transition, effects and order as every object's `send`, without the generic loop.
   */
  override send(event: IdaEvent): number | undefined {
    return this.stepped(() => this.core.step(event));
  }

  /**
   * Runs a step of the core; then (also when a violation threw out of it, in strict mode: the
   * machine is where the transition took it) this object's state follows the core's leaf.
   */
  private stepped<T>(step: () => T): T {
    const before = this.leaf;
    try {
      return step();
    } finally {
      const leaf = this.core.leaf;
      if (leaf !== before) {
        this.leaf = leaf;
        if (this.table.isSettled(this.state, 'END')) this.kernel.settle(this as never);
      }
    }
  }

  /**
   * @internal Everything of this IDA a later call can depend on: its machine state, the ids and
   * their owners (each owner token as `owner` names it; default: the token itself). An id whose
   * owner `owner` names `null` is left out (a caller that knows nothing later can reach it).
   */
  modelKey(owner: (token: number) => string | null = String): string {
    const ids: string[] = [];
    for (const id of this.allocated) {
      const who = owner(this.ownerOf(id));
      if (who !== null) ids.push(`${id}:${who}`);
    }
    return `${this.leaf}|${ids.join(',')}`;
  }

  /** @internal the owner token of an allocated id, NO_HOLDER (-1) for a free one */
  ownerOf(id: number): number {
    return this.core.set.ownerOf(id);
  }

  /** @internal `adev->id = id` made the id the device's (model.md §4.4): the machine decides whether it may */
  claim(id: number, owner: number): void {
    const call = this.calls.CLAIM;
    call.id = id;
    call.owner = owner;
    this.stepped(() => this.core.stepClaim(this.core.claimEvent(call)));
  }

  /**
   * @internal What the end check finds on this IDA now (model.md §4.3): ids still allocated by
   * owners not in `excused`, as the machine's END transition reports them. Changes nothing.
   */
  endCheck(excused: readonly number[]) {
    return this.endFindings(this.eventFor({ type: 'END', excused: [...excused] }));
  }

  /** The machine event for a call: the facts read from this IDA's id set. */
  private eventFor(call: IdaCall): IdaEvent {
    return this.core.event(call);
  }
}
