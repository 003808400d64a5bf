import type { KernelLogParams, ReturnsParams, ViolationParams } from '../../machines/index.js';
import type { CompiledMachine, CompiledState, Effect } from '../model/compile.js';
import type { Kernel } from './kernel.js';
import type { StepRef } from './report.js';

/**
 * What every runtime object shares: a compiled machine it steps, the kernel it belongs to, and
 * the one place where the effects common to all machines (`returns`, `violation`, `kernelLog`)
 * are carried out. Subclasses carry out their machine's own effects in `onEffect`.
 */
export abstract class KernelObject<C extends object, E extends { type: string }> {
  /** A number unique within its kernel (0 is reserved for "the code", model.md §4.4). */
  readonly handle: number;
  /** The call that created it. */
  readonly createdAt: StepRef;
  /**
   * @internal The machine's leaf (an index of the table's leaves): only a step of the machine
   * changes it. Kept apart from the context, not as one state object, so that a generated step
   * (`generateRunner`, the device's) can take this object as its host and allocate nothing for it.
   */
  leaf: number;
  /** @internal The machine's context: replaced, never changed in place, by a step that updates it. */
  context: C;

  constructor(
    /** The kernel this object belongs to. */
    readonly kernel: Kernel,
    /** @internal */
    protected readonly table: CompiledMachine<C, E>,
    input?: unknown,
  ) {
    this.handle = kernel.adopt(this as never);
    this.createdAt = kernel.here();
    const initial = table.initial(input);
    this.leaf = initial.leaf;
    this.context = initial.context;
  }

  /**
   * @internal The machine state as the compiled table takes it: this object itself, whose `leaf`
   * and `context` are a `CompiledState` (the table reads a state and never keeps or changes it).
   */
  protected get state(): CompiledState<C> {
    return this;
  }

  /** How reports name this object, e.g. `auxiliary device mod.foo.1`. */
  abstract describe(): string;

  /** The machine's current state id, e.g. `device.live.refcounted.added.bound`. */
  get stateId(): string {
    return this.table.leaves[this.leaf]!.id;
  }

  /** Whether the machine's state carries `tag` (e.g. `onBus`, `dead`). */
  hasTag(tag: string): boolean {
    return this.table.hasTag(this.state, tag);
  }

  /**
   * Steps the machine with `event` and carries out the effects it names, in order. Returns the
   * value the call returns, if the machine names one.
   * @internal
   */
  send(event: E): number | undefined {
    const before = this.leaf;
    const table = this.table;
    const next = table.advance(this.state, event);
    this.leaf = next.leaf;
    this.context = next.context;
    // Taken before any effect runs: an effect may step this or another object again.
    const effects = table.effects;
    this.onStep(effects, event);
    if (next.leaf !== before && table.isSettled(next, 'END')) this.kernel.settle(this as never);
    let returned: number | undefined;
    for (let i = 0; i < effects.length; i++) {
      const e = effects[i]!;
      switch (e.type) {
        case 'returns':
          returned ??= (e.params as ReturnsParams).value;
          break;
        case 'violation':
          this.kernel.raise(e.params as ViolationParams, this);
          break;
        case 'kernelLog':
          this.kernel.printk(e.params as KernelLogParams, this.logFields(event));
          break;
        default:
          this.onEffect(e, event);
      }
    }
    return returned;
  }

  /**
   * The guard of the transition `event` would take now (undefined when unguarded or none): how a
   * caller asks the machine how far a call would get before deciding where a fault can strike.
   */
  protected guardFor(event: E): string | undefined {
    const g = this.table.selected(this.state, event)?.guard as string | { type?: string } | undefined;
    return typeof g === 'string' ? g : g?.type;
  }

  /**
   * The values a kernel log line of this object fills in (`<name>`, `<ptr>`, ...): what the
   * kernel would print for it. `%p` prints a hashed pointer; the handle stands in for it.
   */
  protected logFields(_event: E): Record<string, string> {
    return { ptr: (Math.imul(this.handle, 2654435761) >>> 0).toString(16).padStart(16, '0') };
  }

  /**
   * Effects that change memory this object holds (the IDA's id set), carried out with the step
   * itself, before any effect that calls out: like a context update, they happen even when a
   * violation reported by the same step throws in strict mode (model.md §4.2).
   */
  protected onStep(_effects: readonly Effect[], _event: E): void {}

  /**
   * The machine's own effects (release, probe, bus membership ...), with the event that named
   * them (an effect may take its operands from it).
   */
  protected onEffect(_effect: Effect, _event: E): void {}

  /**
   * What the end check finds on this object now (model.md §4.3), without changing it: the
   * machine's END transition, evaluated on the current state and thrown away.
   * @internal
   */
  endFindings(event: E): ViolationParams[] {
    const effects: Effect[] = [];
    this.table.step(this.state, event, effects);
    return effects.filter((e) => e.type === 'violation').map((e) => e.params as ViolationParams);
  }
}
