import {
  resolveWorldParams, stepWorld, initialWorldState, worldEvents, requireBool, requireInt, ParameterError,
  type ViolationCode, type WorldEvent, type WorldFinding, type WorldParams, type WorldParamsInput,
} from '../../../machines/index.js';
import { ANY_CALL, type WorldCode } from './code.js';
import { InternedComponents } from './components.js';
import { WorldCodec, type ExploredState } from './encode.js';
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
  if (typeof code !== 'object' || code === null || typeof code.events !== 'function') throw new ParameterError('code', code, 'a WorldCode such as ANY_CALL or routineCode()');

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

  for (let i = 0; i < store.size; i++) {
    const state = codec.decode(store.data, i * codec.words);
    const events = enabled(x, state);
    for (let e = 0; e < events.length; e++) {
      const event = events[e]!;
      comps.at(i * EVENTS_PER_STATE + e);
      const r = stepWorld(k, params, state.world, event);
      transitions++;
      for (const f of r.findings) {
        if (!seen.has(f.code)) {
          seen.add(f.code);
          const to = concretePath(x, i);
          violations.push({ code: f.code, path: [...to.events, mapEvent(event, to.slots)], findings: r.findings.map((g) => mapFinding(g, to.slots)) });
        }
      }
      if (event.type === 'END' && r.findings.length === 0) cleanEnds++;
      const perm = codec.encode({ world: r.state, code: code.after(state.code, event, r.returned) }, scratch);
      if (store.find(scratch) >= 0) continue;
      if (store.size >= maxStates) {
        complete = false;
        continue;
      }
      store.add(scratch, i, e, perm);
    }
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

/** The events the code makes from a state. @internal */
export function enabled(x: ExplorationInternals, state: ExploredState): WorldEvent[] {
  const events = x.code.events(state.world, state.code, worldEvents(x.comps.world, x.params, state.world));
  if (events.length > EVENTS_PER_STATE) throw new ParameterError('code', events.length, `at most ${EVENTS_PER_STATE} events per state`);
  return events;
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
