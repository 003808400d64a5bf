import {
  resolveWorldParams, stepWorld, initialWorldState, slotEvents, sharedEvents, requireBool, requireInt, requireObject, ParameterError, type ViolationCode, type WorldEvent, type WorldFinding, type WorldParams, type WorldParamsInput,
} from '../../../machines/index.js';
import { requireExplorable } from '../../../machines/world/world.params.js';
import { ANY_CALL, type WorldCode } from './code.js';
import { InternedComponents } from './components.js';
import { WorldCodec, type ExploredState } from './encode.js';
import { fieldFingerprint } from './fingerprint.js';
import { Store } from './store.js';
import { MemoryGauge, requireMaxMemory } from '../memory.js';
import { CodeBits, OTHER_CODES } from './arrays.js';
import { SlotSteps } from './slot-steps.js';
import { DriverSteps, SharedCalls } from './shared-steps.js';
import { ComposedDriverCalls } from './driver-steps.js';
import { EndSteps } from './end-steps.js';
import { concretePath, mapEvent, mapFinding } from './concrete.js';

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
  /**
   * Bytes the exploration may add to the process's resident set (default {@link DEFAULT_MAX_MEMORY},
   * 4 GiB). Nearing it, the explorer first drops its step caches, then switches the visited set
   * to hash compaction (`store: 'compact'`), then stops with what it explored (`stoppedBy: 'max-memory'`).
   */
  maxMemory?: number;
  /**
   * The visited set (default `exact`): `exact` keeps every state; `compact` keeps a 64-bit
   * fingerprint per state (hash compaction) and only the queue's states, at a small probability
   * of missing a state (`missProbability`).
   */
  store?: 'exact' | 'compact';
  /** Reads the resident set in bytes (default: the process's, `process.memoryUsage.rss`); sampled every 1,024 states. */
  readMemory?: () => number;
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
  /** The resident set above the exploration's start, in bytes, at the last sample. */
  memory: number;
  /** The visited set in use (it turns compact when the memory bound nears). */
  store: 'exact' | 'compact';
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
  /** Whether every reachable state was expanded (false when a bound stopped it). */
  complete: boolean;
  /** The bound that stopped it: `max-states` (the store was full), `max-memory`, or null. */
  stoppedBy: 'max-states' | 'max-memory' | null;
  /** States whose successors were all computed (all of them when complete). */
  expanded: number;
  /** The largest queue (states found, not yet expanded) reached: the widest breadth-first frontier. */
  largestQueue: number;
  seconds: number;
  /** Bytes of the visited set, queue and path links. */
  bytes: number;
  /** The memory bound, in bytes. */
  maxMemory: number;
  /** The highest resident set of the process sampled while exploring, in bytes. */
  peakRss: number;
  /** The visited set at the end: `exact`, or `compact` (hash compaction). */
  store: 'exact' | 'compact';
  /** States stored when the visited set became compact (0: asked for; null: it stayed exact). */
  compactedAt: number | null;
  /** The probability that hash compaction missed a state (about n² / 2^65); 0 with the exact store. */
  missProbability: number;
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
  /** The initial state (compact mode replays paths from it: expanded states' words are dropped). */
  root: ExploredState;
}

/** Events a state may have at most (the store keeps an event's position in a byte). */
export const EVENTS_PER_STATE = 256;

/** States expanded between two samples of the memory (a power of two). */
const MEMORY_EVERY = 1024;
/** Fractions of the memory bound: the exact store turns compact at the first, the exploration stops at the second. */
const COMPACT_AT = 0.6;
const STOP_AT = 0.9;


/**
 * Explores every reachable state of a world, breadth first, with the calls `code` makes
 * (default: any call, misuse included, as `xstate/graph` explores the XState world).
 * Throws {@link ParameterError} on bad params or options.
 * @example
 * const r = exploreWorld({ devices: 3, idaRange: { min: 0, max: 2 } });
 * r.states; r.violations.map((v) => v.code);
 */
export function exploreWorld(input: WorldParamsInput = {}, options: WorldExploreOptions = {}, code: WorldCode = ANY_CALL): WorldExploration {
  const started = performance.now();
  const params = requireExplorable(resolveWorldParams(input));
  requireObject('options', options, 'an object { symmetry?, maxStates?, onProgress?, progressEvery? }');
  const symmetry = requireBool('symmetry', options.symmetry ?? true);
  const maxStates = requireInt('maxStates', options.maxStates ?? 100_000_000, 1, 2 ** 31 - 1);
  const every = requireInt('progressEvery', options.progressEvery ?? 1_000_000, 1, 2 ** 31 - 1);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new ParameterError('onProgress', onProgress, 'a function');
  requireObject('code', code, 'a WorldCode such as ANY_CALL or routineCode()');
  if (typeof code.slotCalls !== 'function' || typeof code.sharedCalls !== 'function' || typeof code.after !== 'function') throw new ParameterError('code', code, 'a WorldCode such as ANY_CALL or routineCode()');
  const maxMemory = requireMaxMemory('maxMemory', options.maxMemory);
  const storeMode = options.store ?? 'exact';
  if (storeMode !== 'exact' && storeMode !== 'compact') throw new ParameterError('store', storeMode, "'exact' or 'compact'");
  if (options.readMemory !== undefined && typeof options.readMemory !== 'function') throw new ParameterError('readMemory', options.readMemory, 'a function returning the resident set in bytes');
  const gauge = new MemoryGauge(options.readMemory);

  const comps = new InternedComponents();
  const codec = new WorldCodec(params, comps, code, symmetry);
  const devices = params.devices;
  const store = new Store(codec.words, devices);
  const k = comps.world;
  const initial: ExploredState = {
    world: initialWorldState(k, params),
    code: { slots: Array.from({ length: devices }, () => code.initialSlot()), drivers: params.drivers.map(() => code.initialDriver()) },
  };
  const x: ExplorationInternals = { comps, codec, store, code, params, root: initial };
  const scratch = new Uint32Array(codec.maxWords);
  // The fields widen as interned states grow in number: the stored states are then re-packed.
  codec.onRelayout = (old) => store.relayout(codec.words, (data, base, out) => codec.convert(old, data, base, out));
  store.add(scratch, -1, 0, codec.encode(initial, scratch) < 0 ? undefined : codec.perm);
  const fingerprint = fieldFingerprint(codec);
  let compactedAt: number | null = null;
  if (storeMode === 'compact') {
    store.compact(fingerprint, 0);
    compactedAt = 0;
  }
  let stoppedBy: WorldExploration['stoppedBy'] = null;
  let largestQueue = 0;
  let memory = 0;

  const violations: WorldCounterexample[] = [];
  const seen = new Set<ViolationCode>();
  const bits = new CodeBits();
  /** The codes already reported, as `CodeBits` bits: a step whose codes are all in it reports nothing. */
  let seenMask = 0;
  let transitions = 0;
  let cleanEnds = 0;
  let complete = true;
  let nextProgress = every;
  const raw = codec.emptyRaw();
  /** The successor's slot values. */
  const next = new Int32Array(devices);
  const keys = new Float64Array(devices);
  // The step caches grow with the states (a driver call's result is kept per world): they are
  // dropped, and computed again as needed, when they pass a quarter of the memory bound.
  let slots = new SlotSteps(x, bits);
  const shared = new SharedCalls(x);
  const ends = new EndSteps(x, bits);
  let drivers = new DriverSteps(x, bits);
  const composed = new ComposedDriverCalls(x, bits);
  const dropCaches = () => {
    slots = new SlotSteps(x, bits);
    drivers = new DriverSteps(x, bits);
  };
  const nextDrivers = new Int32Array(params.drivers.length);

  /** Reports a step's findings whose codes were not reached before (the first of each, with its path). */
  const report = (i: number, event: WorldEvent, findings: readonly WorldFinding[]) => {
    for (const f of findings) {
      if (!seen.has(f.code)) {
        seen.add(f.code);
        seenMask |= bits.bit(f.code) & ~OTHER_CODES;
        const to = concretePath(x, i);
        violations.push({ code: f.code, path: [...to.events, mapEvent(event, to.slots)], findings: findings.map((g) => mapFinding(g, to.slots)) });
      }
    }
  };
  /** Stores the successor packed in `scratch` unless it is known (or the store is full). */
  const arrive = (i: number, e: number, permKey: number) => {
    if (store.size < maxStates) store.insert(scratch, i, e, permKey);
    else if (complete && !store.has(scratch)) {
      complete = false;
      stoppedBy = 'max-states';
    }
  };

  // Where a slot's field and the IDA's are in a packed state: a call on one slot without symmetry
  // reduction rewrites those two fields of its source state. (Read again when the fields widen.)
  let { words, slotWord, slotShift, slotMask, idaWord, idaShift, idaMask, version } = codec;
  let i = 0;
  // The chunk holding state i's words (a re-packing replaces every chunk).
  let data = store.chunk(0);
  const relaid = () => {
    ({ words, slotWord, slotShift, slotMask, idaWord, idaShift, idaMask, version } = codec);
    data = store.chunk(i);
  };

  for (; i < store.size; i++) {
    if ((i & (MEMORY_EVERY - 1)) === 0 && i > 0) {
      // Every MEMORY_EVERY states: the caches' size, the process's memory, and the store's next
      // growth if it comes before the next sample (a state has at most EVENTS_PER_STATE successors).
      if (slots.bytes + drivers.bytes > maxMemory / 4) dropCaches();
      memory = gauge.sample();
      const soon = memory + store.growthWithin(MEMORY_EVERY * EVENTS_PER_STATE);
      if (store.mode === 'exact' && soon >= maxMemory * COMPACT_AT) {
        dropCaches();
        store.compact(fingerprint, i);
        compactedAt = store.size;
      } else if (soon >= maxMemory * STOP_AT) {
        complete = false;
        stoppedBy = 'max-memory';
        break;
      }
      store.release(i);
    }
    const queue = store.size - i - 1;
    if (queue > largestQueue) largestQueue = queue;
    if (codec.version !== version) relaid();
    data = store.chunk(i);
    let base = store.offset(i);
    if (codec.isEnded(data, base)) continue;
    codec.readRaw(data, base, raw);
    const ida = raw.ida;
    const rs = raw.slots;
    let e = 0;
    // Calls on one device slot: their result depends on that slot, the IDA and the drivers only
    // (and, for add, on whether another slot's device on the bus has its name), so it is computed
    // once per such projection (SlotSteps) and reused across states.
    const ctx = slots.context(raw);
    // With symmetry reduction: the slots' sort keys (this state is canonical: they are sorted).
    if (symmetry) codec.keys(rs, ida, keys);
    let named = false;
    for (let s = 0; s < devices; s++) {
      const v = rs[s]!;
      const p = slots.projection(ctx, v, s);
      const n = slots.callCount[p]!;
      // A slot equal to the one before it, with an IDA that swapping the two leaves alone: this
      // state is its own image under the swap, so each call on this slot leads to the image of the
      // same call on the slot before it (one canonical state, stored by then, with the same codes).
      if (symmetry && s > 0 && v === rs[s - 1] && slots.swapInvariant(ida, s)) {
        transitions += n;
        e += n;
        continue;
      }
      // Which of the projection's two tables (name taken or not, for its add calls) applies.
      if (slots.hasAdd[p] === 1 && !named) {
        slots.names(rs);
        named = true;
      }
      const q2 = 2 * p + (slots.hasAdd[p] === 1 ? slots.taken[s]! : 0);
      if (slots.successorBase[q2]! < 0) {
        slots.successors(q2, raw, s, i * EVENTS_PER_STATE + e);
        if (codec.version !== version) {
          relaid();
          base = store.offset(i);
        }
      }
      transitions += n;
      if ((slots.codes[q2]! & ~seenMask) !== 0) {
        for (let c = 0; c < n; c++) {
          const ri = slots.result(q2, c);
          if ((slots.resMask[ri]! & ~seenMask) !== 0) report(i, slots.callsOf[p]![c]!, slots.findings[slots.resFind[ri]!]!);
        }
      }
      // The distinct successors of the calls (a call that changes nothing leads back to this state).
      const end = slots.successorBase[q2]! + slots.successorCount[q2]!;
      for (let q = slots.successorBase[q2]!; q < end; q++) {
        const nv = slots.sucSlot[q]!;
        const nida = slots.sucIda[q]!;
        const ev = e + slots.sucCall[q]!;
        // Without symmetry reduction, or when the slot keeps its place in the canonical order and
        // the IDA is unchanged, the successor is this state with one slot field (and the IDA's) rewritten.
        if (!symmetry || (nida === ida && codec.keepsPlace(keys, s, slots.sucKey[q]!))) {
          for (let w = 0; w < words; w++) scratch[w] = data[base + w]!;
          const sw = slotWord[s]!;
          const sh = slotShift[s]!;
          scratch[sw] = (scratch[sw]! & ~(slotMask << sh)) | (nv << sh);
          scratch[idaWord] = (scratch[idaWord]! & ~(idaMask << idaShift)) | (nida << idaShift);
          arrive(i, ev, -1);
        } else if (nida === ida) {
          // The IDA unchanged: only slot s moves in the canonical order.
          arrive(i, ev, codec.packMoved(data, base, rs, s, nv, slots.sucKey[q]!, keys, ida, raw.order, raw.drivers, scratch));
          if (codec.version !== version) {
            relaid();
            base = store.offset(i);
          }
        } else {
          arrive(i, ev, codec.packChanged(data, base, rs, s, nv, keys, nida, raw.order, raw.drivers, scratch, next));
          if (codec.version !== version) {
            relaid();
            base = store.offset(i);
          }
        }
      }
      e += n;
    }
    // Driver calls and END reach every slot. END is composed from each device's END and the
    // IDA's (EndSteps); a driver call's is composed from each slot's and the driver's
    // (ComposedDriverCalls), or else remembered per world (DriverSteps).
    const sh = shared.of(raw);
    let state: ExploredState | undefined;
    for (let c = 0; c < sh.events.length; c++, e++) {
      const event = sh.events[c]!;
      if (c === sh.endAt) {
        const mask = ends.step(raw, next, i * EVENTS_PER_STATE + e);
        transitions++;
        if (mask === 0) cleanEnds++;
        if ((mask & ~seenMask) !== 0) report(i, event, stepWorld(k, params, (state ??= codec.toState(raw)).world, event).findings);
        arrive(i, e, codec.pack(next, raw.order, raw.drivers, ends.ida, 1, scratch));
        continue;
      }
      if (event.type !== 'END') {
        // A driver call: the world's step, remembered per world (the code's state aside, which
        // the world's step never reads); the code's next state per (code state, call, returned).
        transitions++;
        // Composed per slot where it can be (ComposedDriverCalls); a composition made of a part
        // just remembered is checked against the world's step first.
        const m = composed.step(raw, event as Extract<WorldEvent, { type: 'DRV_REGISTER' | 'DRV_UNREGISTER' }>, next, i * EVENTS_PER_STATE + e);
        if (m >= 0) {
          if (composed.fresh) composed.verify(drivers, drivers.step(raw, event, i * EVENTS_PER_STATE + e), raw, next, m);
          if ((m & ~seenMask) !== 0) report(i, event, stepWorld(k, params, (state ??= codec.toState(raw)).world, event).findings);
          const after = shared.after(sh, c, raw, composed.returned);
          for (let s = 0; s < devices; s++) next[s]! |= after.slots[s]!;
          for (let j = 0; j < nextDrivers.length; j++) nextDrivers[j] = ((j === composed.driver ? composed.driverNext : raw.drivers[j]! >>> code.driverBits) << code.driverBits) | after.drivers[j]!;
          arrive(i, e, codec.pack(next, composed.order, nextDrivers, raw.ida, 0, scratch));
          continue;
        }
        const n = drivers.step(raw, event, i * EVENTS_PER_STATE + e);
        if ((drivers.resMask[n]! & ~seenMask) !== 0) report(i, event, drivers.findings[drivers.resFind[n]!]!);
        const after = shared.after(sh, c, raw, drivers.returned(n));
        drivers.successor(n, after, next, nextDrivers);
        arrive(i, e, codec.pack(next, drivers.resOrder[n]!, nextDrivers, drivers.resIda[n]!, 0, scratch));
        continue;
      }
      state ??= codec.toState(raw);
      comps.at(i * EVENTS_PER_STATE + e);
      const r = stepWorld(k, params, state.world, event);
      transitions++;
      if (r.findings.length === 0) cleanEnds++;
      if ((bits.mask(r.findings) & ~seenMask) !== 0) report(i, event, r.findings);
      arrive(i, e, codec.encode({ world: r.state, code: code.after(state.code, event, r.returned) }, scratch));
    }
    if (e > EVENTS_PER_STATE) throw new ParameterError('code', e, `at most ${EVENTS_PER_STATE} events per state`);
    if (onProgress !== undefined && store.size >= nextProgress) {
      nextProgress = store.size + every;
      onProgress({ states: store.size, queue: store.size - i - 1, transitions, seconds: (performance.now() - started) / 1000, memory, store: store.mode });
    }
  }
  gauge.sample();
  // A stop leaves the states from i on unexpanded: that queue counts too.
  largestQueue = Math.max(largestQueue, store.size - i);
  return {
    params,
    code: code.name,
    symmetry,
    states: store.size,
    transitions,
    complete,
    stoppedBy,
    expanded: i,
    largestQueue,
    seconds: (performance.now() - started) / 1000,
    bytes: store.bytes,
    maxMemory,
    peakRss: gauge.peak,
    store: store.mode,
    compactedAt,
    missProbability: store.missProbability,
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
