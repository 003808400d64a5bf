import {
  SortedIdSet, stepIda,
  type DeviceContext, type DeviceEvent, type DriverContext, type DriverEvent, type IdaCall, type IdaComponent, type IdaContext,
  type IdaInterpreter, type WorldAction, type WorldComponents,
} from '../../../machines/index.js';
import type { AnyTransitionDefinition } from 'xstate';
import type { CompiledMachine, CompiledState } from '../../model/compile.js';
import { tables } from '../../runtime/tables.js';

/**
 * The component machines for the fast explorer: the same compiled tables the runtime steps, with
 * every state a component reaches interned to a small integer and every (state, event) step
 * computed once and remembered. A world state is then a handful of small integers, and a step of
 * a component costs one array read. The machines stay the only source of the logic: a remembered
 * step is the compiled machine's own answer. The IDA component is the compiled IDA machine's state
 * with a pure id set ({@link SortedIdSet}), stepped by `stepIda` like every other runner of it.
 */

type Step = readonly [number, readonly WorldAction[]];

/** What stepping one component state gives: the next state, its effects, the transition taken. */
interface ComponentStep<S> {
  next: S;
  effects: readonly WorldAction[];
  taken: AnyTransitionDefinition | undefined;
}

/** Interned states of one component, with its steps remembered per (state, event key). */
class Interned<S, E> {
  readonly states: S[] = [];
  private readonly index = new Map<string, number>();
  private readonly memo: Array<Map<string, Step>> = [];
  /** Every compiled transition some step took (for coverage), with the first step that took it. */
  readonly taken = new Map<AnyTransitionDefinition, number>();
  /** Set by the explorer: which world step is running, so coverage can name the first one. */
  current = -1;

  constructor(private readonly keyOf: (s: S) => string, private readonly stepOf: (s: S, e: E) => ComponentStep<S>) {}

  intern(s: S): number {
    const key = this.keyOf(s);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.states.length;
      this.states.push(s);
      this.index.set(key, i);
      this.memo.push(new Map());
    }
    return i;
  }

  /**
   * Every remembered step: (state, event key, next state, effects), in the order first taken (read
   * by the Promela generator, which writes the component tables the world reached).
   */
  *steps(): Generator<readonly [number, string, number, readonly WorldAction[]]> {
    for (let i = 0; i < this.memo.length; i++) {
      for (const [key, [next, effects]] of this.memo[i]!) yield [i, key, next, effects];
    }
  }

  step(i: number, event: E, eventKey: string): Step {
    const memo = this.memo[i]!;
    let r = memo.get(eventKey);
    if (r === undefined) {
      const from = this.states[i]!;
      const s = this.stepOf(from, event);
      if (s.taken !== undefined && !this.taken.has(s.taken)) this.taken.set(s.taken, this.current);
      // A list that may be kept: the transition's frozen one, or the step's own.
      r = [s.next === from ? i : this.intern(s.next), s.effects];
      memo.set(eventKey, r);
    }
    return r;
  }
}

/** A step of a compiled machine, with the transition it takes. */
function compiledStep<C extends object, E extends { type: string }>(machine: CompiledMachine<C, E>) {
  return (from: CompiledState<C>, event: E): ComponentStep<CompiledState<C>> => {
    const taken = machine.selected(from, event);
    const next = machine.advance(from, event);
    return { next, effects: machine.effects, taken };
  };
}

/** The compiled IDA table as an IDA interpreter (what `stepIda` steps). */
const compiledIda: IdaInterpreter<CompiledState<IdaContext>> = (state, event) => [tables.ida.advance(state, event), tables.ida.effects];

/** An IDA component of the explorer: the compiled machine's state and the pure id set. */
type IdaState = IdaComponent<CompiledState<IdaContext>, SortedIdSet>;

function deviceEventKey(e: DeviceEvent): string {
  switch (e.type) {
    case 'INIT': return `I${+e.parent}${+e.name}`;
    case 'ADD': return `A${+e.modname}${+e.nameTaken}${e.fault}`;
    case 'PROBE': return `P${e.result}`;
    case 'READ': return `R${e.field}`;
    case 'WRITE': return `W${e.field}`;
    case 'SET_RELEASE': return `S${+e.present}`;
    default: return e.type;
  }
}

function idaCallKey(e: IdaCall): string {
  switch (e.type) {
    case 'ALLOC': return `A${e.min},${e.max},${e.owner},${+e.fault}`;
    case 'FREE': return `F${e.id},${e.owner}`;
    case 'CLAIM': return `C${e.id},${e.owner}`;
    case 'END': return `E${e.excused.join(',')}`;
    default: return e.type;
  }
}

function driverEventKey(e: DriverEvent): string {
  return e.type === 'REGISTER' ? `R${+e.probe}${+e.idTable}${+e.nameTaken}${e.fault}` : e.type;
}

/** The interned component machines of one exploration, and the world interpreter over them. */
export class InternedComponents {
  readonly device = new Interned<CompiledState<DeviceContext>, DeviceEvent>((s) => {
    const c = s.context;
    return `${s.leaf},${c.refs},${c.busRefs},${+c.put},${+c.hasRelease},${+c.flagged},${+c.devm}`;
  }, compiledStep(tables.device));
  /** IDA components: the machine's leaf and the id set (its JSON fields) make the key. */
  readonly ida = new Interned<IdaState, IdaCall>(
    (s) => `${s.machine.leaf},${s.set.capacity},${s.set.ids.join(' ')},${s.set.owners.join(' ')}`,
    (from, call) => {
      const r = stepIda(compiledIda, from, call);
      return { next: r.state, effects: r.effects, taken: tables.ida.selected(from.machine, r.event) };
    },
  );
  readonly driver = new Interned<CompiledState<DriverContext>, DriverEvent>((s) => String(s.leaf), compiledStep(tables.driver));
  /** Remapped IDA states, per IDA state: token map (as a number) → remapped state. */
  private readonly remapped: Array<Map<number, number>> = [];

  /** The world's interpreter over interned states (what `stepWorld` and `worldEvents` take). */
  readonly world: WorldComponents<number, number, number> = {
    device: {
      initial: (hasRelease, devm = false) => this.device.intern(tables.device.initial({ hasRelease, devm })),
      step: (s, e) => this.device.step(s, e, deviceEventKey(e)),
      hasTag: (s, tag) => tables.device.hasTag(this.device.states[s]!, tag),
      flagged: (s) => this.device.states[s]!.context.flagged,
      refs: (s) => this.device.states[s]!.context.refs,
      devm: (s) => this.device.states[s]!.context.devm,
    },
    ida: {
      initial: (capacity) => this.ida.intern({ machine: tables.ida.initial(), set: SortedIdSet.empty(capacity) }),
      step: (s, call) => this.ida.step(s, call, idaCallKey(call)),
      set: (s) => this.ida.states[s]!.set,
    },
    driver: {
      initial: () => this.driver.intern(tables.driver.initial()),
      step: (s, e) => this.driver.step(s, e, driverEventKey(e)),
      registered: (s) => tables.driver.hasTag(this.driver.states[s]!, 'registered'),
    },
  };

  /** Sets the world step that coverage attributes first-taken transitions to. */
  at(step: number): void {
    this.device.current = step;
    this.ida.current = step;
    this.driver.current = step;
  }

  /** Per IDA state: the owner token of each id from the range's min (-1: free). */
  private readonly owners: Array<Int32Array | undefined> = [];

  /**
   * The owner token of every id of IDA state `ida`, indexed by `id - min` (-1 for a free id):
   * built once per IDA state, read on every canonical sort.
   */
  ownerTable(ida: number, min: number): Int32Array {
    let t = this.owners[ida];
    if (t === undefined) {
      const c = this.ida.states[ida]!.set;
      const top = c.ids.length ? c.ids[c.ids.length - 1]! - min + 1 : 0;
      t = new Int32Array(Math.max(top, 0)).fill(-1);
      c.ids.forEach((id, i) => {
        if (id >= min) t![id - min] = c.owners[i]!;
      });
      this.owners[ida] = t;
    }
    return t;
  }

  /**
   * The IDA state with device owner tokens renamed (token t → map[t]; the code's token stays):
   * what the IDA looks like after the device slots are permuted.
   */
  remapIda(ida: number, map: readonly number[], mapKey: number): number {
    const byMap = (this.remapped[ida] ??= new Map());
    let r = byMap.get(mapKey);
    if (r === undefined) {
      const s = this.ida.states[ida]!;
      r = this.ida.intern({ machine: s.machine, set: s.set.withOwners(map) });
      byMap.set(mapKey, r);
    }
    return r;
  }
}
