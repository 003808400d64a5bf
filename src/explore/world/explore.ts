import {
  resolveWorldParams, stepWorld, initialWorldState, slotEvents, sharedEvents, requireBool, requireInt, ParameterError,
  type ViolationCode, type WorldEvent, type WorldFinding, type WorldParams, type WorldParamsInput,
} from '../../../machines/index.js';
import { ANY_CALL, type WorldCode } from './code.js';
import { InternedComponents } from './components.js';
import { WorldCodec, type ExploredState, type RawState } from './encode.js';
import { Store } from './store.js';

/**
 * Exhaustive exploration of a composed world (K devices sharing one IDA of M ids, drivers, fault
 * injection): every reachable state, breadth first, so the first path found to anything is a
 * shortest one. It steps the same world wiring (`machines/world/world.step.ts`) as the XState
 * world that `xstate/graph` explores, over compiled and interned component machines, with states
 * packed into a few words and, optionally, reduced by the symmetry of interchangeable devices.
 */

/** Options of {@link exploreWorld}. */
export interface WorldExploreOptions {
  /** Reduce by the symmetry of interchangeable device slots (default true). */
  symmetry?: boolean;
  /** Stop after this many states (default 100 million); the result then says it is incomplete. */
  maxStates?: number;
  /** Called about every `progressEvery` new states (default 1,000,000) while exploring. */
  onProgress?: (p: WorldProgress) => void;
  progressEvery?: number;
}

/** Progress of a running exploration. */
export interface WorldProgress {
  states: number;
  /** States found but not yet expanded. */
  queue: number;
  transitions: number;
  seconds: number;
}

/** A violation the exploration reached, with the shortest path that reaches it. */
export interface WorldCounterexample {
  code: ViolationCode;
  /** The events from the initial state, the last one raising the violation. */
  path: WorldEvent[];
  /** The findings of the last step. */
  findings: WorldFinding[];
}

/** What {@link exploreWorld} found. */
export interface WorldExploration {
  params: WorldParams;
  /** Whose calls were explored (`ANY_CALL`, or a routine). */
  code: string;
  symmetry: boolean;
  /** Distinct reachable states (canonical ones, with symmetry reduction). */
  states: number;
  /** Transitions (state, event) taken. */
  transitions: number;
  /** Whether every reachable state was expanded (false when `maxStates` stopped it). */
  complete: boolean;
  seconds: number;
  /** Bytes of the visited set, queue and path links. */
  bytes: number;
  /** Each violation code reached, with a shortest counterexample, in the order first reached. */
  violations: WorldCounterexample[];
  /** END steps that found nothing: how often the scenario can end clean. */
  cleanEnds: number;
  /** @internal the explorer's tables, for path reconstruction and coverage */
  readonly internals: ExplorationInternals;
}

/** @internal what path reconstruction and coverage need */
export interface ExplorationInternals {
  comps: InternedComponents;
  codec: WorldCodec;
  store: Store;
  code: WorldCode;
  params: WorldParams;
}

/** Events a state may have at most (the store keeps an event's position in a byte). */
export const EVENTS_PER_STATE = 256;

/**
 * Explores every reachable state of a world, breadth first, with the calls `code` makes
 * (default: any call, misuse included, as `xstate/graph` explores the XState world).
 * Throws {@link ParameterError} on bad params or options.
 * @example
 * const r = exploreWorld({ devices: 3, idaRange: { min: 0, max: 2 } });
 * r.states; r.violations.map((v) => v.code);
 */
export function exploreWorld(input: WorldParamsInput = {}, options: WorldExploreOptions = {}, code: WorldCode = ANY_CALL): WorldExploration {
  const params = resolveWorldParams(input);
  if (typeof options !== 'object' || options === null) throw new ParameterError('options', options, 'an object { symmetry?, maxStates?, onProgress?, progressEvery? }');
  const symmetry = requireBool('symmetry', options.symmetry ?? true);
  const maxStates = requireInt('maxStates', options.maxStates ?? 100_000_000, 1, 2 ** 31 - 1);
  const every = requireInt('progressEvery', options.progressEvery ?? 1_000_000, 1, 2 ** 31 - 1);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new ParameterError('onProgress', onProgress, 'a function');
  if (typeof code !== 'object' || code === null || typeof code.slotCalls !== 'function' || typeof code.sharedCalls !== 'function' || typeof code.after !== 'function') throw new ParameterError('code', code, 'a WorldCode such as ANY_CALL or routineCode()');

  const comps = new InternedComponents();
  const codec = new WorldCodec(params, comps, code, symmetry);
  const store = new Store(codec.words);
  const x: ExplorationInternals = { comps, codec, store, code, params };
  const k = comps.world;
  const started = performance.now();
  const scratch = new Uint32Array(codec.words);
  const initial: ExploredState = {
    world: initialWorldState(k, params),
    code: { slots: Array.from({ length: params.devices }, () => code.initialSlot()), drivers: params.drivers.map(() => code.initialDriver()) },
  };
  const perm0 = codec.encode(initial, scratch);
  store.add(scratch, -1, 0, perm0);

  const violations: WorldCounterexample[] = [];
  const seen = new Set<ViolationCode>();
  let transitions = 0;
  let cleanEnds = 0;
  let complete = true;
  let nextProgress = every;
  const raw = codec.emptyRaw();
  const next = codec.emptyRaw();
  const slots = new SlotSteps(x);

  /** Records a step's findings (the first of each code, with its path) and stores its result. */
  const arrive = (i: number, e: number, event: WorldEvent, findings: readonly WorldFinding[], perm: number[] | undefined) => {
    for (const f of findings) {
      if (!seen.has(f.code)) {
        seen.add(f.code);
        const to = concretePath(x, i);
        violations.push({ code: f.code, path: [...to.events, mapEvent(event, to.slots)], findings: findings.map((g) => mapFinding(g, to.slots)) });
      }
    }
    if (store.find(scratch) >= 0) return;
    if (store.size >= maxStates) {
      complete = false;
      return;
    }
    store.add(scratch, i, e, perm);
  };

  for (let i = 0; i < store.size; i++) {
    codec.readRaw(store.data, i * codec.words, raw);
    if (raw.ended === 1) continue;
    let e = 0;
    slots.enter(raw);
    // Calls on one device slot: their result depends on that slot, the IDA and the drivers only,
    // so it is computed once per such projection (SlotSteps) and reused across states.
    for (let s = 0; s < params.devices; s++) {
      const calls = slots.calls(raw.slots[s]!, s);
      for (let c = 0; c < calls.length; c++, e++) {
        comps.at(i * EVENTS_PER_STATE + e);
        const r = slots.step(raw, s, c, calls[c]!);
        transitions++;
        for (let n = 0; n < params.devices; n++) next.slots[n] = raw.slots[n]!;
        next.slots[s] = r.slot;
        next.ida = r.ida;
        next.order = raw.order;
        for (let n = 0; n < next.drivers.length; n++) next.drivers[n] = raw.drivers[n]!;
        next.ended = 0;
        arrive(i, e, calls[c]!, r.findings, codec.writeRaw(next, scratch));
      }
    }
    // Driver calls and END reach every slot: the world's step runs on the whole state.
    const state = codec.toState(raw);
    const shared = code.sharedCalls(state.code, sharedEvents(k, params, state.world, []));
    for (let c = 0; c < shared.length; c++, e++) {
      const event = shared[c]!;
      comps.at(i * EVENTS_PER_STATE + e);
      const r = stepWorld(k, params, state.world, event);
      transitions++;
      if (event.type === 'END' && r.findings.length === 0) cleanEnds++;
      arrive(i, e, event, r.findings, codec.encode({ world: r.state, code: code.after(state.code, event, r.returned) }, scratch));
    }
    if (e > EVENTS_PER_STATE) throw new ParameterError('code', e, `at most ${EVENTS_PER_STATE} events per state`);
    if (onProgress !== undefined && store.size >= nextProgress) {
      nextProgress = store.size + every;
      onProgress({ states: store.size, queue: store.size - i - 1, transitions, seconds: (performance.now() - started) / 1000 });
    }
  }
  return {
    params,
    code: code.name,
    symmetry,
    states: store.size,
    transitions,
    complete,
    seconds: (performance.now() - started) / 1000,
    bytes: store.bytes,
    violations,
    cleanEnds,
    internals: x,
  };
}

/**
 * The events the code makes from a state, in the order the explorer numbers them: each slot's
 * calls, then the driver calls and END.
 * @internal
 */
export function enabled(x: ExplorationInternals, state: ExploredState): WorldEvent[] {
  const w = state.world;
  if (w.ended) return [];
  const k = x.comps.world;
  const out: WorldEvent[] = [];
  for (let s = 0; s < x.params.devices; s++) out.push(...x.code.slotCalls(state.code.slots[s]!, slotEvents(k, x.params, w.devices[s]!, w.ids[s]!, s, [])));
  out.push(...x.code.sharedCalls(state.code, sharedEvents(k, x.params, w, [])));
  return out;
}

/** The result of one call on one device slot: what the slot, the IDA and the findings become. */
interface SlotStep {
  slot: number;
  ida: number;
  findings: readonly WorldFinding[];
}

/**
 * Calls on one device slot, computed once per projection and remembered. A call on slot s reads
 * that slot, the IDA, the drivers (a probe) and, for add, which ids other slots hold on the bus
 * (is the name taken); it writes only slot s and the IDA. So (slot s, s, call, IDA, drivers, the
 * other slots' ids on the bus when it is an add) determines the result, which the world's own
 * step computes on the first state that needs it. A step that writes anything else is an
 * internal error: the projection would be wrong.
 */
class SlotSteps {
  private readonly callMemo = new Map<number, WorldEvent[]>();
  private readonly memo = new Map<number, Map<number, SlotStep>>();
  private readonly idMin: number;

  constructor(private readonly x: ExplorationInternals) {
    this.idMin = x.params.idaRange.min;
  }

  /** The calls the code makes on slot s whose value is v (as `enabled` lists them). */
  calls(v: number, s: number): WorldEvent[] {
    const key = v * 8 + s;
    let calls = this.callMemo.get(key);
    if (calls === undefined) {
      const { codec, code, comps, params } = this.x;
      calls = code.slotCalls(codec.slotCode(v), slotEvents(comps.world, params, codec.slotDevice(v), codec.slotId(v), s, []));
      this.callMemo.set(key, calls);
    }
    return calls;
  }

  /** Bit per id field (`max(id, 0)`) held on the bus by slots other than s: what decides -EEXIST. */
  private busMask(raw: RawState, s: number): number {
    const { codec } = this.x;
    let mask = 0;
    for (let j = 0; j < raw.slots.length; j++) {
      if (j === s || !codec.slotOnBus(raw.slots[j]!)) continue;
      const field = Math.max(codec.slotId(raw.slots[j]!), 0);
      mask |= 1 << (field < this.idMin ? 0 : field - this.idMin + 1);
    }
    return mask;
  }

  /** The results for the IDA and drivers of the state about to be expanded (the same for all its slot calls). */
  private current = new Map<number, SlotStep>();

  /** Called once per expanded state, before its slot calls. */
  enter(raw: RawState): void {
    const outer = raw.ida * 2048 + this.x.codec.driverKey(raw);
    let byOuter = this.memo.get(outer);
    if (byOuter === undefined) {
      byOuter = new Map();
      this.memo.set(outer, byOuter);
    }
    this.current = byOuter;
  }

  step(raw: RawState, s: number, c: number, event: WorldEvent): SlotStep {
    const v = raw.slots[s]!;
    const inner = ((v * 8 + s) * 64 + c) * 2 ** 17 + (event.type === 'ADD' ? this.busMask(raw, s) : 0);
    const byOuter = this.current;
    let r = byOuter.get(inner);
    if (r === undefined) {
      r = this.compute(raw, s, event);
      byOuter.set(inner, r);
    }
    return r;
  }

  private compute(raw: RawState, s: number, event: WorldEvent): SlotStep {
    const { codec, code, comps, params } = this.x;
    const state = codec.toState(raw);
    const r = stepWorld(comps.world, params, state.world, event);
    const after = code.after(state.code, event, r.returned);
    const w = r.state;
    for (let j = 0; j < params.devices; j++) {
      if (j !== s && (w.devices[j] !== state.world.devices[j] || w.ids[j] !== state.world.ids[j] || w.onBus[j] !== state.world.onBus[j] || w.boundTo[j] !== state.world.boundTo[j] || after.slots[j] !== state.code.slots[j])) {
        throw new Error(`internal error: a call on slot ${s} (${event.type}) changed slot ${j}; the explorer's slot projection is wrong`);
      }
    }
    if (w.ended || w.driverOrder.join() !== state.world.driverOrder.join() || w.drivers.join() !== state.world.drivers.join() || after.drivers.join() !== state.code.drivers.join()) {
      throw new Error(`internal error: a call on slot ${s} (${event.type}) changed the drivers; the explorer's slot projection is wrong`);
    }
    return { slot: codec.slotValue(w.devices[s]!, w.ids[s]!, w.onBus[s]!, w.boundTo[s]!, after.slots[s]!), ida: w.ida, findings: r.findings };
  }
}

/** An event with its device slot renamed (`map[slot]`); driver and END events are unchanged. */
export function mapEvent(e: WorldEvent, map: readonly number[]): WorldEvent {
  return 'dev' in e ? { ...e, dev: map[e.dev]! } : e;
}

/** A finding with its device slot renamed as its event was. */
function mapFinding(f: WorldFinding, map: readonly number[]): WorldFinding {
  return f.dev === undefined ? f : { ...f, dev: map[f.dev]! };
}

/**
 * The concrete events from the initial state to state `target`: each stored step names its event
 * on the canonical representative of its source, and the permutation that made its result
 * canonical; following them from the root turns representative slots back into the slots of one
 * real run. `slots[r]` is the concrete slot of the target representative's slot r.
 * @internal
 */
export function concretePath(x: ExplorationInternals, target: number): { events: WorldEvent[]; slots: number[] } {
  const chain: number[] = [];
  for (let s = target; s > 0; s = x.store.parent(s)) chain.push(s);
  chain.reverse();
  let map: number[] = Array.from({ length: x.params.devices }, (_, i) => i);
  const out: WorldEvent[] = [];
  let from = 0;
  for (const s of chain) {
    const events = enabled(x, x.codec.decode(x.store.data, from * x.codec.words));
    out.push(mapEvent(events[x.store.event(s)]!, map));
    const perm = x.store.perm(s);
    if (perm !== undefined) map = perm.map((r) => map[r]!);
    from = s;
  }
  return { events: out, slots: map };
}
