import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, StateValue } from 'xstate';
import { asText, AuxbusError, ParameterError, requireObject } from '../../machines/common/errors.js';

/**
 * A machine definition read as data and compiled, once, into a transition table: for each leaf
 * state and event type, the guarded alternatives in the order XState tries them (the leaf's own,
 * then each ancestor's: a child with no enabled transition lets its parent's apply). Guards and
 * context updates are the machine's own named implementations, called directly, so the logic
 * stays in `machines/` while a step costs a few array reads instead of a full XState transition.
 */

/** An effect a step asks its runner to carry out: the action's type and resolved params. */
export interface Effect {
  type: string;
  params: unknown;
}

const NO_EFFECTS: readonly Effect[] = Object.freeze([]);

/** A compiled machine's state: the active leaf and the context. */
export interface CompiledState<C> {
  readonly leaf: number;
  readonly context: C;
}

/** What guards, context updates and params functions take, as XState passes them. */
export type Args<C, E> = { context: C; event: E };
/** A transition's action, compiled: a context update or an effect (static or computed params). */
export type Op<C, E> =
  | { kind: 'assign'; fn: (args: Args<C, E>) => Partial<C> }
  | { kind: 'effect'; type: string; params: unknown; dynamic: boolean; effect: Effect; index: number };

/**
 * One guarded alternative of a leaf's event, as the table holds it (read by code generators such
 * as `generateRunner`; never changed after compilation).
 */
export interface CompiledTransition<C, E> {
  guard: ((args: Args<C, E>) => boolean) | undefined;
  /** The effects it names, in order (static params; dynamic ones are resolved per step). */
  effects: readonly Effect[];
  /** Leaf to go to, or -1 for a targetless transition. */
  target: number;
  ops: Array<Op<C, E>>;
  /**
   * Nothing to run per step: no context update and no params computed from `{ context, event }`.
   * Such a step only hands out the frozen `effects` (most transitions are like this).
   */
  simple: boolean;
  /** `effects` as a plain (unfrozen, packed) array: copied per step when some params are dynamic. */
  template: Effect[];
  /** The XState definition this was compiled from (for coverage and diagnostics). */
  definition: AnyTransitionDefinition;
}

/** What a leaf state is. */
export interface LeafInfo {
  /** The state node id, e.g. `device.live.refcounted.added.bound`. */
  id: string;
  /** XState's state value for this leaf, e.g. `{ live: { refcounted: { added: 'bound' } } }`. */
  value: StateValue;
  /** Tags of the leaf and its ancestors. */
  tags: ReadonlySet<string>;
}

/** The machine's definition uses something the compiled interpreter does not implement. */
export class UnsupportedMachineError extends AuxbusError {
  constructor(
    machine: string,
    what: string,
    expected = 'a machine with named guards, assign/effect actions and no entry/exit, invoke, after, always or parallel states',
  ) {
    super('unsupported-machine', `machine '${asText(machine)}': ${asText(what)}; expected ${asText(expected)}`);
  }
}

/**
 * A machine compiled to a transition table. `step` is pure: it returns the next state and pushes
 * the effects the transition names (in order) onto `effects`.
 * @example
 * const device = compileMachine<DeviceContext, DeviceEvent>(deviceMachine);
 * const effects: Effect[] = [];
 * const s1 = device.step(device.initial({ hasRelease: true }), { type: 'INIT', parent: true, name: true }, effects);
 * device.leaves[s1.leaf]!.id; // 'device.live.refcounted.initialized'
 */
export class CompiledMachine<C extends object, E extends { type: string }> {
  readonly leaves: LeafInfo[] = [];
  private readonly leafIndex = new Map<AnyStateNode, number>();
  private readonly table: Array<Map<string, Array<CompiledTransition<C, E>>>> = [];
  /** Per leaf, event type → the function that picks the transition: the lookup every step makes. */
  private readonly fast: Array<Selector<C, E>> = [];
  private readonly initialLeaf: number;
  private readonly settled = new Map<string, boolean[]>();
  private lastSettledEvent: string | undefined;
  private lastSettled: boolean[] | undefined;
  private readonly scratch = { context: undefined as unknown as C, event: undefined as unknown as E };

  constructor(readonly machine: AnyStateMachine) {
    requireObject('compileMachine(machine)', machine, 'an XState machine (createMachine / setup().createMachine)');
    if (typeof machine.root !== 'object' || machine.root === null || typeof machine.id !== 'string') {
      throw new ParameterError('compileMachine(machine)', machine, 'an XState machine (createMachine / setup().createMachine)');
    }
    const root = machine.root;
    this.collectLeaves(root);
    this.initialLeaf = this.enter(root);
    for (const [node, i] of this.leafIndex) {
      this.table[i] = this.compileLeaf(node);
      this.fast[i] = leafSelector(this.table[i]!);
    }
  }

  /** The initial state for `input` (the machine's context factory, no XState actor). */
  initial(input?: unknown): CompiledState<C> {
    const factory = this.machine.config.context as unknown;
    const context = typeof factory === 'function'
      ? (factory as (a: { input: unknown }) => C)({ input })
      : structuredClone(factory as C);
    return { leaf: this.initialLeaf, context };
  }

  /**
   * One event. Unknown events and events no enabled transition takes leave the state as it is
   * (XState ignores them too).
   */
  step(state: CompiledState<C>, event: E, effects: Effect[]): CompiledState<C> {
    const next = this.advance(state, event);
    for (const e of this.effects) effects.push(e);
    return next;
  }

  /**
   * The effects of the last `advance`: the transition's own frozen list when its params are
   * static (most are), so a step allocates no effect objects, else a list of the step's own.
   * Either may be kept: no later step changes it.
   */
  effects: readonly Effect[] = NO_EFFECTS;

  /** `step` for hot paths: the effects are left in `effects` instead of being copied out. */
  advance(state: CompiledState<C>, event: E): CompiledState<C> {
    this.effects = NO_EFFECTS;
    // Guards, updates and params are pure and never keep their argument, so one scratch object
    // serves every call: a step allocates only what it changes.
    const args = this.scratch;
    args.context = state.context;
    args.event = event;
    const selected = this.fast[state.leaf]!(args);
    if (selected === undefined) return state;
    const leaf = selected.target < 0 ? state.leaf : selected.target;
    if (selected.simple) {
      // The common case: no update, static params. Nothing is allocated unless the leaf changes.
      this.effects = selected.effects;
      return leaf === state.leaf ? state : { leaf, context: state.context };
    }
    let context = state.context;
    const ops = selected.ops;
    let dynamic: Effect[] | undefined;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.kind === 'assign') {
        context = { ...context, ...op.fn(args) };
        args.context = context;
      } else if (op.dynamic) {
        // Params computed from the context and event: resolved in order (after the updates
        // before them), as XState does, into a copy of the transition's list.
        const params = (op.params as (a: Args<C, E>) => unknown)(args);
        dynamic ??= selected.template.slice();
        dynamic[op.index] = { type: op.type, params };
      }
    }
    this.effects = dynamic ?? selected.effects;
    return leaf === state.leaf && context === state.context ? state : { leaf, context };
  }

  /** The XState transition definition a step would take (undefined when none is enabled). */
  selected(state: CompiledState<C>, event: E): AnyTransitionDefinition | undefined {
    const args = this.scratch;
    args.context = state.context;
    args.event = event;
    return this.fast[state.leaf]!(args)?.definition;
  }

  /**
   * Whether nothing more can be learned from a state at the end: its leaf is never left (no
   * transition from it or its ancestors has a target) and `endEvent` raises nothing there. A
   * runtime stops tracking an object for its end check once it is in such a leaf (e.g. freed).
   */
  isSettled(state: CompiledState<C>, endEvent: string): boolean {
    if (endEvent === this.lastSettledEvent) return this.lastSettled![state.leaf]!;
    let settled = this.settled.get(endEvent);
    if (settled === undefined) {
      settled = this.table.map((byEvent) => {
        for (const [type, list] of byEvent) {
          if (list.some((t) => t.target >= 0)) return false;
          if (type === endEvent && list.some((t) => t.ops.some((o) => o.kind === 'effect' && o.type === 'violation'))) return false;
        }
        return true;
      });
      this.settled.set(endEvent, settled);
    }
    this.lastSettledEvent = endEvent;
    this.lastSettled = settled;
    return settled[state.leaf]!;
  }

  /** Whether the state's leaf (or an ancestor) carries `tag`. */
  hasTag(state: CompiledState<C>, tag: string): boolean {
    return this.leaves[state.leaf]!.tags.has(tag);
  }

  /**
   * A leaf's compiled alternatives per event type, in the order a step tries them (the leaf's
   * own, then its ancestors'): what a code generator reads to write a step of its own.
   */
  transitionsOf(leaf: number): ReadonlyMap<string, ReadonlyArray<CompiledTransition<C, E>>> {
    const byEvent = this.table[leaf];
    if (byEvent === undefined) throw new ParameterError('leaf', leaf, `a leaf index of machine '${this.machine.id}', from 0 to ${this.leaves.length - 1}`);
    return byEvent;
  }

  /** The leaf index of a state node id, e.g. `device.dead.freed`. */
  leafOf(id: string): number {
    const i = this.leaves.findIndex((l) => l.id === id);
    if (i < 0) throw new UnsupportedMachineError(this.machine.id, `no leaf state '${id}'`);
    return i;
  }

  private collectLeaves(node: AnyStateNode): void {
    if (node.type === 'parallel') throw new UnsupportedMachineError(this.machine.id, `parallel state '${node.id}'`);
    if (node.entry.length || node.exit.length) throw new UnsupportedMachineError(this.machine.id, `entry/exit actions on '${node.id}'`);
    if (node.always?.length || node.config.invoke || node.config.after) {
      throw new UnsupportedMachineError(this.machine.id, `always/invoke/after on '${node.id}'`);
    }
    const children = Object.values(node.states) as AnyStateNode[];
    if (children.length === 0) {
      this.leafIndex.set(node, this.leaves.length);
      const tags = new Set<string>();
      for (let n: AnyStateNode | undefined = node; n; n = n.parent) for (const t of n.tags) tags.add(t);
      this.leaves.push({ id: node.id, value: valueOf(node.path), tags });
      return;
    }
    for (const child of children) this.collectLeaves(child);
  }

  /** The leaf entered when `node` is entered: follow initial children down. */
  private enter(node: AnyStateNode): number {
    let n = node;
    while (Object.keys(n.states).length > 0) {
      const initial = n.initial?.target?.[0];
      if (!initial) throw new UnsupportedMachineError(this.machine.id, `compound state '${n.id}' has no initial state`);
      n = initial as AnyStateNode;
    }
    return this.leafIndex.get(n)!;
  }

  private compileLeaf(leaf: AnyStateNode): Map<string, Array<CompiledTransition<C, E>>> {
    const byEvent = new Map<string, Array<CompiledTransition<C, E>>>();
    for (let n: AnyStateNode | undefined = leaf; n; n = n.parent) {
      for (const [eventType, defs] of n.transitions) {
        if (eventType.includes('*')) throw new UnsupportedMachineError(this.machine.id, `wildcard event '${eventType}'`);
        const list = byEvent.get(eventType) ?? [];
        for (const def of defs) list.push(this.compileTransition(def));
        byEvent.set(eventType, list);
      }
    }
    return byEvent;
  }

  private compileTransition(def: AnyTransitionDefinition): CompiledTransition<C, E> {
    const impl = this.machine.implementations as { guards: Record<string, unknown>; actions: Record<string, unknown> };
    let guard: CompiledTransition<C, E>['guard'];
    if (def.guard !== undefined) {
      const g = def.guard as unknown;
      if (typeof g === 'function') guard = g as CompiledTransition<C, E>['guard'];
      else {
        const name = typeof g === 'string' ? g : (g as { type: string }).type;
        const fn = impl.guards[name];
        if (typeof fn !== 'function' || 'check' in fn) {
          throw new UnsupportedMachineError(this.machine.id, `guard '${name}' is not a plain named guard`);
        }
        guard = fn as CompiledTransition<C, E>['guard'];
      }
    }
    const ops: Array<Op<C, E>> = [];
    let effectCount = 0;
    for (const action of def.actions as unknown[]) {
      const type = typeof action === 'string' ? action : (action as { type?: string }).type;
      const params = typeof action === 'object' && action !== null ? (action as { params?: unknown }).params : undefined;
      if (typeof type !== 'string') throw new UnsupportedMachineError(this.machine.id, `an inline action on ${def.source.id}:${def.eventType}`);
      const implementation = impl.actions[type] as { type?: string; assignment?: unknown } | undefined;
      if (implementation?.type === 'xstate.assign') {
        if (typeof implementation.assignment !== 'function') {
          throw new UnsupportedMachineError(this.machine.id, `assign '${type}' must take a function`);
        }
        ops.push({ kind: 'assign', fn: implementation.assignment as (a: Args<C, E>) => Partial<C> });
      } else {
        ops.push({ kind: 'effect', type, params, dynamic: typeof params === 'function', effect: Object.freeze({ type, params }), index: effectCount++ });
      }
    }
    const targetNode = def.target?.[0] as AnyStateNode | undefined;
    if ((def.target?.length ?? 0) > 1) throw new UnsupportedMachineError(this.machine.id, 'multiple targets');
    const template = ops.flatMap((o) => (o.kind === 'effect' ? [o.effect] : []));
    const effects = Object.freeze(template.slice());
    const simple = ops.every((o) => o.kind === 'effect' && !o.dynamic);
    return { guard, effects, target: targetNode ? this.enter(targetNode) : -1, ops, simple, template, definition: def };
  }
}

type Selector<C, E> = (args: Args<C, E>) => CompiledTransition<C, E> | undefined;

/**
 * A leaf's transitions as one function: it switches on the event's type and tries that type's
 * guarded alternatives in order, returning the first enabled one (undefined: none). It is
 * generated (`new Function`) so that each guard is called from a call site of its own, which V8
 * can inline, and the event type is matched by a switch rather than a table lookup; a loop over
 * a list would call the guards of every machine from one shared site, an indirect call each. Event
 * types go into the code as JSON string literals; everything else is passed in by index.
 */
function leafSelector<C, E>(byEvent: ReadonlyMap<string, ReadonlyArray<CompiledTransition<C, E>>>): Selector<C, E> {
  const names: string[] = [];
  const values: unknown[] = [];
  const body: string[] = ['switch (args.event.type) {'];
  for (const [type, list] of byEvent) {
    body.push(`  case ${JSON.stringify(type)}:`);
    let open = true;
    for (const t of list) {
      const ti = `t${values.length}`;
      names.push(ti);
      values.push(t);
      if (t.guard === undefined) {
        body.push(`    return ${ti};`);
        open = false;
        break;
      }
      const gi = `g${values.length}`;
      names.push(gi);
      values.push(t.guard);
      body.push(`    if (${gi}(args)) return ${ti};`);
    }
    if (open) body.push('    return undefined;');
  }
  body.push('  default:', '    return undefined;', '}');
  const factory = new Function(...names, `return function select(args) {\n${body.join('\n')}\n};`) as (...v: unknown[]) => Selector<C, E>;
  return factory(...values);
}

function valueOf(path: readonly string[]): StateValue {
  let value: StateValue = path[path.length - 1]!;
  for (let i = path.length - 2; i >= 0; i--) value = { [path[i]!]: value };
  return value;
}

/**
 * Compiles a machine (see {@link CompiledMachine}).
 * @example const ida = compileMachine<IdaContext, IdaEvent>(idaMachine);
 */
export function compileMachine<C extends object, E extends { type: string }>(machine: AnyStateMachine): CompiledMachine<C, E> {
  return new CompiledMachine<C, E>(machine);
}
