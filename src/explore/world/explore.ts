import {
  resolveWorldParams, stepWorld, initialWorldState, slotEvents, sharedEvents, requireBool, requireInt, requireObject, ParameterError,
  type DeviceEvent, type ViolationCode, type WorldAction, type WorldComponents, type WorldEvent, type WorldFinding, type WorldParams, type WorldParamsInput,
} from '../../../machines/index.js';
import { requireExplorable } from '../../../machines/world/world.params.js';
import { ANY_CALL, type CodeState, type WorldCode } from './code.js';
import { InternedComponents } from './components.js';
import { EncodingOverflowError, WorldCodec, type ExploredState, type RawState } from './encode.js';
import { fieldFingerprint } from './fingerprint.js';
import { Store } from './store.js';
import { MemoryGauge, requireMaxMemory } from '../memory.js';

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

/** A driver register's variant in the shared-step cache key (unregister is 3, END 0 overall). */
// name-nomem (never offered) ends exactly as register-nomem: one key.
const REGISTER_KEY = { none: 0, 'register-nomem': 1, 'bind-nomem': 2, 'name-nomem': 1 } as const;

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
  codec.onRelayout = (old) => store.relayout(codec.words, (data, n, out) => codec.convert(old, data, n, out));
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
  let data = store.data;
  const relaid = () => {
    ({ words, slotWord, slotShift, slotMask, idaWord, idaShift, idaMask, version } = codec);
    data = store.data;
  };

  let i = 0;
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
    data = store.data;
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
    // IDA's (EndSteps); a driver call's result is remembered per world (DriverSteps).
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
        const n = drivers.step(raw, event, i * EVENTS_PER_STATE + e);
        transitions++;
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

/** A guess at the bytes of one JS object a cache keeps (a list of calls or findings, a Map entry). */
const JS_ENTRY = 96;

/** Codes of bit 31 and up share it: a step with one of them is always checked against the reported set. */
const OTHER_CODES = 1 << 31;

/** Violation codes as bits, so that "does this step reach a code not reported yet" is one AND. */
class CodeBits {
  private readonly index = new Map<ViolationCode, number>();

  bit(code: ViolationCode): number {
    let i = this.index.get(code);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(code, i);
    }
    return i < 31 ? 1 << i : OTHER_CODES;
  }

  mask(findings: readonly WorldFinding[]): number {
    let m = 0;
    for (const f of findings) m |= this.bit(f.code);
    return m;
  }
}

/** Grows a typed array to at least `n` elements (doubling), filling the new part with `fill`. */
function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, n: number, fill: number): T {
  if (n <= a.length) return a;
  let cap = a.length * 2;
  while (cap < n) cap *= 2;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * Calls on one device slot, computed once per projection and remembered. A call on slot s reads
 * that slot, the IDA, the drivers (a probe) and, for add, whether another slot's device on the
 * bus has the same id (is the name taken); it writes only slot s and the IDA. So (slot s, s, call,
 * IDA, drivers, name taken when it is an add) determines the result, which the world's own step
 * computes on the first state that needs it. A step that writes anything else, or an add that
 * asks the device with another name-taken answer, is an internal error: the projection would be
 * wrong.
 *
 * Layout: a context is (IDA, drivers); a projection is (context, slot value, slot); its calls'
 * results sit in flat typed arrays from `resultBase[projection]`, two entries per call (name not
 * taken, taken; only an add uses the second). -1 in `resSlot`: not computed yet.
 */
class SlotSteps {
  private readonly callMemo = new Map<number, WorldEvent[]>();
  private readonly contexts = new Map<number, number>();
  private readonly projections: Array<Map<number, number>> = [];
  /** Per projection: its calls, how many, where its results start, whether one is an add. */
  readonly callsOf: WorldEvent[][] = [];
  callCount = new Int32Array(1024);
  resultBase = new Int32Array(1024);
  hasAdd = new Uint8Array(1024);
  /** Per result: the slot's value after the call, the IDA after it, its findings (index into `findings`) and their codes. */
  resSlot = new Int32Array(1 << 14).fill(-1);
  resIda = new Int32Array(1 << 14);
  resFind = new Int32Array(1 << 14);
  resMask = new Int32Array(1 << 14);
  /** Per result pair's first entry: 1 when the call is an add. */
  isAdd = new Uint8Array(1 << 14);
  /**
   * Per projection table (2 × projection + name taken): where its distinct successors start
   * (-1: not listed yet), how many, and the codes its calls find. Per successor: the slot's
   * value, the IDA, the first call that leads there, and the slot's sort key (with the IDA
   * unchanged; for symmetry reduction).
   */
  successorBase = new Int32Array(2048).fill(-1);
  successorCount = new Int32Array(2048);
  codes = new Int32Array(2048);
  sucSlot = new Int32Array(1 << 14);
  sucIda = new Int32Array(1 << 14);
  sucCall = new Int32Array(1 << 14);
  sucKey = new Float64Array(1 << 14);
  private successorsLength = 0;
  readonly findings: Array<readonly WorldFinding[]> = [[]];
  private results = 0;
  private readonly idMin: number;
  private readonly idShift: number;
  private readonly idMask: number;
  private readonly busShift: number;
  /** The add events the last computed step sent to devices (the guard on name taken). */
  private readonly adds: DeviceEvent[] = [];
  private readonly recorder: WorldComponents<number, number, number>;

  constructor(private readonly x: ExplorationInternals, private readonly bits: CodeBits) {
    this.idMin = x.params.idaRange.min;
    this.idShift = x.codec.idShift;
    this.idMask = (1 << (x.codec.devShift - x.codec.idShift)) - 1;
    this.busShift = x.codec.busShift;
    this.fieldClass = new Int32Array(this.idMask + 1);
    for (let off = 0; off <= this.idMask; off++) this.fieldClass[off] = off === 0 && this.idMin === 0 ? 1 : off;
    this.onBusPerField = new Int32Array(this.idMask + 1);
    const world = x.comps.world;
    this.recorder = {
      ...world,
      device: {
        ...world.device,
        step: (d, e) => {
          if (e.type === 'ADD') this.adds.push(e);
          return world.device.step(d, e);
        },
      },
    };
  }

  /** About the bytes this cache holds: its arrays, and a guess for each JS object it keeps. */
  get bytes(): number {
    let b = JS_ENTRY * (this.callsOf.length + this.findings.length + this.callMemo.size + this.contexts.size);
    for (const a of [this.callCount, this.resultBase, this.hasAdd, this.resSlot, this.resIda, this.resFind, this.resMask, this.isAdd,
      this.successorBase, this.successorCount, this.codes, this.sucSlot, this.sucIda, this.sucCall, this.sucKey, this.swaps]) b += a.byteLength;
    return b;
  }

  /** The context (IDA, drivers) of a state about to be expanded (the same for all its slot calls). */
  context(raw: RawState): number {
    const key = raw.ida * 2048 + this.x.codec.driverKey(raw);
    if (key === this.lastContextKey) return this.lastContext;
    let ctx = this.contexts.get(key);
    if (ctx === undefined) {
      ctx = this.projections.length;
      this.projections.push(new Map());
      this.contexts.set(key, ctx);
    }
    this.lastContextKey = key;
    this.lastContext = ctx;
    return ctx;
  }

  private lastContextKey = -1;
  private lastContext = -1;

  /** Per slot: the context, value and projection of the last `projection` asked (states in a row share most of them). */
  private readonly lastCtx = new Int32Array(8).fill(-1);
  private readonly lastValue = new Int32Array(8);
  private readonly lastProjection = new Int32Array(8);

  /** The projection of slot s with value v in context ctx. */
  projection(ctx: number, v: number, s: number): number {
    if (this.lastCtx[s] === ctx && this.lastValue[s] === v) return this.lastProjection[s]!;
    const byCtx = this.projections[ctx]!;
    const key = v * 8 + s;
    let p = byCtx.get(key);
    if (p === undefined) {
      p = this.callsOf.length;
      const calls = this.calls(v, s);
      this.callsOf.push(calls);
      this.callCount = grown(this.callCount, p + 1, 0);
      this.resultBase = grown(this.resultBase, p + 1, 0);
      this.hasAdd = grown(this.hasAdd, p + 1, 0);
      this.successorBase = grown(this.successorBase, 2 * p + 2, -1);
      this.successorCount = grown(this.successorCount, 2 * p + 2, 0);
      this.codes = grown(this.codes, 2 * p + 2, 0);
      const rb = this.results;
      this.results += 2 * calls.length;
      this.resSlot = grown(this.resSlot, this.results, -1);
      this.resIda = grown(this.resIda, this.results, 0);
      this.resFind = grown(this.resFind, this.results, 0);
      this.resMask = grown(this.resMask, this.results, 0);
      this.isAdd = grown(this.isAdd, this.results, 0);
      this.callCount[p] = calls.length;
      this.resultBase[p] = rb;
      // A release that calls auxiliary_device_add() adds a device at whatever call runs it.
      const releaseAdds = this.x.params.release.calls === 'auxiliary_device_add';
      for (let c = 0; c < calls.length; c++) {
        if (calls[c]!.type === 'ADD' || releaseAdds) {
          this.isAdd[rb + 2 * c] = 1;
          this.hasAdd[p] = 1;
        }
      }
      byCtx.set(key, p);
    }
    this.lastCtx[s] = ctx;
    this.lastValue[s] = v;
    this.lastProjection[s] = p;
    return p;
  }

  /** Per (IDA, slot s): whether swapping slots s - 1 and s leaves the IDA unchanged (-1: not known yet). */
  private swaps = new Int32Array(1024).fill(-1);

  /** Whether swapping slots s - 1 and s (owner tokens s and s + 1) leaves IDA state `ida` unchanged. */
  swapInvariant(ida: number, s: number): boolean {
    const at = ida * 8 + s;
    let r = at < this.swaps.length ? this.swaps[at]! : -1;
    if (r < 0) {
      const k = this.x.params.devices;
      const map = Array.from({ length: k + 1 }, (_, t) => t);
      map[s] = s + 1;
      map[s + 1] = s;
      let key = 0;
      for (let t = 1; t <= k; t++) key = key * 8 + map[t]!;
      r = this.x.comps.remapIda(ida, map, key) === ida ? 1 : 0;
      this.swaps = grown(this.swaps, at + 1, -1);
      this.swaps[at] = r;
    }
    return r === 1;
  }

  /** Where the result of call c of projection table q2 is. */
  result(q2: number, c: number): number {
    const ri = this.resultBase[q2 >> 1]! + 2 * c;
    return ri + (this.isAdd[ri]! & q2 & 1);
  }

  /**
   * Lists the distinct successors of projection table q2 (slot s of `raw`), computing the
   * results of its calls not known yet; `step` is the world step of its first call.
   */
  successors(q2: number, raw: RawState, s: number, step: number): void {
    const p = q2 >> 1;
    const n = this.callCount[p]!;
    const v = raw.slots[s]!;
    const ida = raw.ida;
    let codes = 0;
    for (let c = 0; c < n; c++) {
      const ri = this.result(q2, c);
      if (this.resSlot[ri] === -1) this.compute(raw, s, c, ri, step + c);
      codes |= this.resMask[ri]!;
    }
    const owners = this.x.comps.ownerTable(ida, this.idMin);
    const start = this.successorsLength;
    let end = start;
    for (let c = 0; c < n; c++) {
      const ri = this.result(q2, c);
      const nv = this.resSlot[ri]!;
      const nida = this.resIda[ri]!;
      if (nv === v && nida === ida) continue;
      let q = start;
      while (q < end && (this.sucSlot[q] !== nv || this.sucIda[q] !== nida)) q++;
      if (q < end) continue;
      this.sucSlot = grown(this.sucSlot, end + 1, 0);
      this.sucIda = grown(this.sucIda, end + 1, 0);
      this.sucCall = grown(this.sucCall, end + 1, 0);
      this.sucKey = grown(this.sucKey, end + 1, 0);
      this.sucSlot[end] = nv;
      this.sucIda[end] = nida;
      this.sucCall[end] = c;
      this.sucKey[end] = this.x.codec.slotKey(nv, s, owners);
      // The explorer writes these into packed states as they are: the fields must hold them.
      this.x.codec.fit(nv, nida);
      end++;
    }
    this.successorsLength = end;
    this.successorBase[q2] = start;
    this.successorCount[q2] = end - start;
    this.codes[q2] = codes;
  }

  /** The calls the code makes on slot s whose value is v (as `enabled` lists them). */
  private calls(v: number, s: number): WorldEvent[] {
    const key = v * 8 + s;
    let calls = this.callMemo.get(key);
    if (calls === undefined) {
      const { codec, code, comps, params } = this.x;
      calls = code.slotCalls(codec.slotCode(v), slotEvents(comps.world, params, codec.slotDevice(v), codec.slotId(v), s, []));
      this.callMemo.set(key, calls);
    }
    return calls;
  }

  /** Per slot of the state `names` last read: 1 when another slot's device on the bus has its id field (`max(id, 0)`): what decides -EEXIST. */
  readonly taken = new Uint8Array(8);

  /** Fills `taken` for a state's slots: counts the slots on the bus per id field, then subtracts each slot's own. */
  names(slots: Int32Array): void {
    const k = slots.length;
    const onBus = this.onBusPerField;
    for (let s = 0; s < k; s++) onBus[this.fieldClass[(slots[s]! >>> this.idShift) & this.idMask]!] = 0;
    for (let s = 0; s < k; s++) {
      const v = slots[s]!;
      onBus[this.fieldClass[(v >>> this.idShift) & this.idMask]!]! += (v >>> this.busShift) & 1;
    }
    for (let s = 0; s < k; s++) {
      const v = slots[s]!;
      this.taken[s] = onBus[this.fieldClass[(v >>> this.idShift) & this.idMask]!]! - ((v >>> this.busShift) & 1) > 0 ? 1 : 0;
    }
  }

  /** Per id offset of a slot value: a number per id field (`max(id, 0)`: no id and id 0 are one field). */
  private readonly fieldClass: Int32Array;
  private readonly onBusPerField: Int32Array;


  /** Runs call c on slot s of `raw` through the world's step and remembers the result at `ri`. */
  compute(raw: RawState, s: number, c: number, ri: number, step: number): void {
    const { codec, code, comps, params } = this.x;
    const event = this.calls(raw.slots[s]!, s)[c]!;
    comps.at(step);
    const state = codec.toState(raw);
    this.adds.length = 0;
    const r = stepWorld(this.recorder, params, state.world, event);
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
    const taken = this.isAdd[ri & ~1] === 1 ? (ri & 1) === 1 : undefined;
    for (const a of this.adds) {
      if (taken === undefined || a.type !== 'ADD' || a.nameTaken !== taken) {
        throw new Error(`internal error: a call on slot ${s} (${event.type}) added a device with name taken ${a.type === 'ADD' ? a.nameTaken : '?'}, the projection says ${taken}`);
      }
    }
    this.resSlot[ri] = codec.slotValue(w.devices[s]!, w.ids[s]!, w.onBus[s]!, w.boundTo[s]!, after.slots[s]!);
    this.resIda[ri] = w.ida;
    this.resMask[ri] = this.bits.mask(r.findings);
    this.resFind[ri] = r.findings.length === 0 ? 0 : this.findings.push(r.findings) - 1;
  }
}

/** The driver and END calls of states with one code state and one set of registered drivers. */
interface Shared {
  events: WorldEvent[];
  /** The position of END among them, or -1 (also when END changes the code's state: it then runs the world's step). */
  endAt: number;
  /** Per call position: the code's state after the call, per value it returned. */
  after: Array<Map<number | undefined, CodeState>>;
}

/**
 * The driver and END calls a state offers, remembered per (drivers' states with their modules'
 * code, every slot's code state): all that `sharedEvents` (which drivers are registered) and the
 * code's `sharedCalls` read.
 */
class SharedCalls {
  private readonly memo = new Map<number, Shared>();
  private lastKey = -1;
  private last: Shared | undefined;
  private readonly codeMask: number;
  private readonly codeBits: number;
  private readonly driverBits: number;
  private readonly slotBase: number;
  private readonly driverBase: number;

  constructor(private readonly x: ExplorationInternals) {
    this.codeBits = x.code.slotBits;
    this.codeMask = (1 << this.codeBits) - 1;
    this.driverBits = 1 + x.code.driverBits;
    this.slotBase = 2 ** this.codeBits;
    this.driverBase = 2 ** this.driverBits;
  }

  /** The code's state after call c of `sh` (the shared calls of `raw`) returned `returned`. */
  after(sh: Shared, c: number, raw: RawState, returned: number | undefined): CodeState {
    let a = sh.after[c]!.get(returned);
    if (a === undefined) {
      a = this.x.code.after(this.x.codec.toState(raw).code, sh.events[c]!, returned);
      sh.after[c]!.set(returned, a);
    }
    return a;
  }

  of(raw: RawState): Shared {
    let key = 0;
    if (this.codeBits > 0) for (let s = 0; s < raw.slots.length; s++) key = key * this.slotBase + (raw.slots[s]! & this.codeMask);
    for (let n = 0; n < raw.drivers.length; n++) key = key * this.driverBase + raw.drivers[n]!;
    if (key === this.lastKey) return this.last!;
    let sh = this.memo.get(key);
    if (sh === undefined) {
      const { codec, code, comps, params } = this.x;
      const state = codec.toState(raw);
      const events = code.sharedCalls(state.code, sharedEvents(comps.world, params, state.world, []));
      let endAt = events.findIndex((ev) => ev.type === 'END');
      if (endAt >= 0) {
        const after = code.after(state.code, events[endAt]!, undefined);
        if (after.slots.join() !== state.code.slots.join() || after.drivers.join() !== state.code.drivers.join()) endAt = -1;
      }
      sh = { events, endAt, after: events.map(() => new Map()) };
      this.memo.set(key, sh);
    }
    this.lastKey = key;
    this.last = sh;
    return sh;
  }
}

/**
 * Driver calls (register, unregister), remembered per (world, call). The world's step reads the
 * world alone (never the code's state, which is not even its input), so the world without the
 * code's state (each slot's value but its code bits; the driver order; the drivers' states but
 * their modules' code; the IDA) with the call determines the result: the world after it, what it
 * found and what it returned. The code's state after it is the code's own business (`after`).
 */
class DriverSteps {
  /** The remembered (world, call) keys, numbered as they come: a key is the fields above, one a word, then the call. */
  private readonly keys: Store;
  private readonly key: Uint32Array;
  private readonly k: number;
  private readonly d: number;
  private readonly codeMask: number;
  private readonly moduleBits: number;
  /** Per entry: every slot's value after the call (without code bits), the driver order, the drivers' states, the IDA, what it returned, its findings. */
  private resSlots = new Int32Array(1024);
  resOrder = new Int32Array(1024);
  private resDrivers = new Int32Array(1024);
  resIda = new Int32Array(1024);
  private resReturned = new Float64Array(1024);
  resFind = new Int32Array(1024);
  resMask = new Int32Array(1024);
  readonly findings: Array<readonly WorldFinding[]> = [[]];

  constructor(private readonly x: ExplorationInternals, private readonly bits: CodeBits) {
    this.k = x.params.devices;
    this.d = x.params.drivers.length;
    this.codeMask = (1 << x.code.slotBits) - 1;
    this.moduleBits = x.code.driverBits;
    this.key = new Uint32Array(this.k + 1 + this.d + 2);
    this.keys = new Store(this.key.length);
  }

  /** About the bytes this cache holds: its arrays, and a guess for each list of findings it keeps. */
  get bytes(): number {
    let b = this.keys.bytes + JS_ENTRY * this.findings.length;
    for (const a of [this.resSlots, this.resOrder, this.resDrivers, this.resIda, this.resReturned, this.resFind, this.resMask]) b += a.byteLength;
    return b;
  }

  /** The entry of call `event` on the world of `raw`, computed through the world's step the first time (`at`: the world step, for coverage). */
  step(raw: RawState, event: WorldEvent, at: number): number {
    const key = this.key;
    let w = 0;
    for (let i = 0; i < this.k; i++) key[w++] = raw.slots[i]! & ~this.codeMask;
    key[w++] = raw.order;
    for (let n = 0; n < this.d; n++) key[w++] = raw.drivers[n]! >>> this.moduleBits;
    key[w++] = raw.ida;
    key[w] = event.type === 'DRV_REGISTER' ? 1 + 4 * event.drv + REGISTER_KEY[event.fault] : event.type === 'DRV_UNREGISTER' ? 4 + 4 * event.drv : 0;
    const found = this.keys.find(key);
    if (found >= 0) return found;
    const { codec, comps, params } = this.x;
    comps.at(at);
    const r = stepWorld(comps.world, params, codec.toState(raw).world, event);
    const s = r.state;
    const n = this.keys.size;
    this.keys.insert(key, -1, 0, -1);
    this.resSlots = grown(this.resSlots, (n + 1) * this.k, 0);
    this.resDrivers = grown(this.resDrivers, (n + 1) * this.d, 0);
    this.resOrder = grown(this.resOrder, n + 1, 0);
    this.resIda = grown(this.resIda, n + 1, 0);
    this.resReturned = grown(this.resReturned, n + 1, 0);
    this.resFind = grown(this.resFind, n + 1, 0);
    this.resMask = grown(this.resMask, n + 1, 0);
    for (let i = 0; i < this.k; i++) this.resSlots[n * this.k + i] = codec.slotValue(s.devices[i]!, s.ids[i]!, s.onBus[i]!, s.boundTo[i]!, 0);
    let order = s.driverOrder.length;
    for (let j = 0; j < s.driverOrder.length; j++) order |= s.driverOrder[j]! << (2 + 2 * j);
    this.resOrder[n] = order;
    for (let j = 0; j < this.d; j++) {
      if (s.drivers[j]! >= 2) throw new EncodingOverflowError('driver', 1);
      this.resDrivers[n * this.d + j] = s.drivers[j]!;
    }
    if (s.ended) throw new Error(`internal error: ${event.type} ended the world`);
    this.resIda[n] = s.ida;
    this.resReturned[n] = r.returned === undefined ? NaN : r.returned;
    this.resMask[n] = this.bits.mask(r.findings);
    this.resFind[n] = r.findings.length === 0 ? 0 : this.findings.push(r.findings) - 1;
    return n;
  }

  /** What the call of entry n returned. */
  returned(n: number): number | undefined {
    const r = this.resReturned[n]!;
    return Number.isNaN(r) ? undefined : r;
  }

  /** Entry n's slots and drivers with the code's state `code` put back in. */
  successor(n: number, code: CodeState, slots: Int32Array, drivers: Int32Array): void {
    for (let i = 0; i < this.k; i++) slots[i] = this.resSlots[n * this.k + i]! | code.slots[i]!;
    for (let j = 0; j < this.d; j++) drivers[j] = (this.resDrivers[n * this.d + j]! << this.moduleBits) | code.drivers[j]!;
  }
}

/** Effects the world's step does nothing with but record (findings) or ignore: they read and write no other component. */
const INERT = new Set(['violation', 'kernelLog', 'returns', 'saturateKref']);

/**
 * END, composed. The world's END (world.step.ts) sends END to each device in slot order, then END
 * to the IDA with the devices now flagged excused, and marks the world ended. When those steps
 * name only inert effects (findings), END's result is theirs: each device's next state depends on
 * that device alone, the IDA's on the IDA and the excused set. Each is remembered from the first
 * state whose END runs through the world's step (which records the component steps it makes, and
 * checks that composing the remembered ones gives exactly the world step's result); a device or
 * IDA state whose END names another effect is never composed (END then runs the world's step).
 */
class EndSteps {
  /** Per interned device state: its state after END (-1 not known yet, -2 never composed), whether it is then flagged, its findings' codes. */
  private devNext = new Int32Array(64).fill(-1);
  private devFlagged = new Uint8Array(64);
  private devMask = new Int32Array(64);
  /** Per (IDA, excused slots): the IDA after END (-2: never composed) and its findings' codes. */
  private readonly idaMemo = new Map<number, { next: number; mask: number }>();
  private lastIdaKey = -1;
  private lastIda: { next: number; mask: number } | undefined;
  /** The IDA after the last `step`. */
  ida = 0;
  private readonly devShift: number;
  private readonly low: number;
  private readonly trace: Array<{ to: 'dev' | 'ida'; from: number; event: string; next: number; actions: readonly WorldAction[] }> = [];
  private readonly recorder: WorldComponents<number, number, number>;

  constructor(private readonly x: ExplorationInternals, private readonly bits: CodeBits) {
    this.devShift = x.codec.devShift;
    this.low = (1 << this.devShift) - 1;
    const world = x.comps.world;
    this.recorder = {
      device: {
        ...world.device,
        step: (d, e) => {
          const r = world.device.step(d, e);
          this.trace.push({ to: 'dev', from: d, event: e.type, next: r[0], actions: r[1] });
          return r;
        },
      },
      ida: {
        ...world.ida,
        step: (i, e) => {
          const r = world.ida.step(i, e);
          this.trace.push({ to: 'ida', from: i, event: e.type, next: r[0], actions: r[1] });
          return r;
        },
      },
      driver: world.driver,
    };
  }

  /**
   * END on `raw`: writes the slots after it into `next` and the IDA into `this.ida`; returns
   * its findings' codes (`CodeBits`; 0: none).
   */
  step(raw: RawState, next: Int32Array, at: number): number {
    const r = this.composed(raw, next);
    return r >= 0 ? r : this.run(raw, next, at);
  }

  /** END from the remembered component steps, or -1 when one of them is not known (or never composed). */
  private composed(raw: RawState, next: Int32Array): number {
    const slots = raw.slots;
    let excused = 0;
    let mask = 0;
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i]!;
      const dv = v >>> this.devShift;
      if (dv === 0) {
        next[i] = v;
        continue;
      }
      const d = dv - 1;
      if (d >= this.devNext.length) return -1;
      const nd = this.devNext[d]!;
      if (nd < 0) return -1;
      next[i] = (v & this.low) | ((nd + 1) << this.devShift);
      excused |= this.devFlagged[d]! << i;
      mask |= this.devMask[d]!;
    }
    const key = raw.ida * 64 + excused;
    let ie = this.lastIdaKey === key ? this.lastIda : undefined;
    if (ie === undefined) {
      ie = this.idaMemo.get(key);
      if (ie === undefined) return -1;
      this.lastIdaKey = key;
      this.lastIda = ie;
    }
    if (ie.next < 0) return -1;
    this.ida = ie.next;
    return mask | ie.mask;
  }

  /** END through the world's step: remembers its component steps, and checks the composition against it. */
  private run(raw: RawState, next: Int32Array, at: number): number {
    const { codec, comps, params } = this.x;
    comps.at(at);
    const state = codec.toState(raw);
    const w = state.world;
    const trace = this.trace;
    trace.length = 0;
    const r = stepWorld(this.recorder, params, w, { type: 'END' });
    const s = r.state;
    if (r.returned !== undefined || !s.ended || s.driverOrder.join() !== w.driverOrder.join() || s.drivers.join() !== w.drivers.join()) {
      throw new Error('internal error: END returned a value or changed the drivers; the explorer stores its result as if it did not');
    }
    const inert = (t: (typeof trace)[number]) => t.actions.every((a) => INERT.has(a.type));
    const live = w.devices.flatMap((d, i) => (d === null ? [] : [i]));
    // With inert effects END makes exactly these steps: END to each device in slot order, then END to the IDA.
    const plain = trace.length === live.length + 1
      && live.every((i, n) => trace[n]!.to === 'dev' && trace[n]!.event === 'END' && trace[n]!.from === w.devices[i])
      && trace[live.length]!.to === 'ida' && trace[live.length]!.event === 'END' && trace[live.length]!.from === w.ida;
    if (!plain) {
      // Some device's END did more than report (its effects made more steps), or END first ran the
      // device's pending release (model.md §4.6): END never composes with that device state.
      const culprit = trace.find((t) => t.to === 'dev' && (t.event !== 'END' || !inert(t)) && w.devices.includes(t.from));
      if (culprit === undefined) throw new Error('internal error: END made steps the explorer cannot attribute to a device');
      this.grow(culprit.from);
      this.devNext[culprit.from] = -2;
    } else {
      let excused = 0;
      live.forEach((i, n) => {
        const t = trace[n]!;
        const d = t.from;
        const flagged = comps.world.device.flagged(t.next);
        if (flagged) excused |= 1 << i;
        this.grow(d);
        if (this.devNext[d] === -2) return;
        if (!inert(t)) {
          this.devNext[d] = -2;
          return;
        }
        const mask = this.bits.mask(r.findings.filter((f) => f.dev === i));
        if (this.devNext[d]! >= 0 && (this.devNext[d] !== t.next || this.devFlagged[d] !== +flagged || this.devMask[d] !== mask)) {
          throw new Error(`internal error: END of device state ${d} differs between two states; the explorer's END composition is wrong`);
        }
        this.devNext[d] = t.next;
        this.devFlagged[d] = +flagged;
        this.devMask[d] = mask;
      });
      const t = trace[live.length]!;
      const key = w.ida * 64 + excused;
      if (!this.idaMemo.has(key)) {
        this.idaMemo.set(key, inert(t) ? { next: t.next, mask: this.bits.mask(r.findings.filter((f) => f.dev === undefined)) } : { next: -2, mask: 0 });
      }
    }
    // The world step's own result, as the explorer stores it.
    for (let i = 0; i < params.devices; i++) next[i] = codec.slotValue(s.devices[i]!, s.ids[i]!, s.onBus[i]!, s.boundTo[i]!, state.code.slots[i]!);
    const mask = this.bits.mask(r.findings);
    // Composing the remembered steps must give the same state and the same codes.
    const check = new Int32Array(params.devices);
    const composed = this.composed(raw, check);
    if (composed >= 0 && (composed !== mask || this.ida !== s.ida || check.some((v, i) => v !== next[i]))) {
      throw new Error('internal error: END composed from its component steps differs from the world\'s step; the explorer\'s END composition is wrong');
    }
    this.ida = s.ida;
    return mask;
  }

  private grow(d: number): void {
    this.devNext = grown(this.devNext, d + 1, -1);
    this.devFlagged = grown(this.devFlagged, d + 1, 0);
    this.devMask = grown(this.devMask, d + 1, 0);
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
 * real run. `slots[r]` is the concrete slot of the target representative's slot r; `state` is
 * that representative.
 * @internal
 */
export function concretePath(x: ExplorationInternals, target: number): { events: WorldEvent[]; slots: number[]; state: ExploredState } {
  const chain: number[] = [];
  for (let s = target; s > 0; s = x.store.parent(s)) chain.push(s);
  chain.reverse();
  let map: number[] = Array.from({ length: x.params.devices }, (_, i) => i);
  const out: WorldEvent[] = [];
  let from = 0;
  // Compact mode dropped the words of expanded states: their states are stepped to from the root.
  let state = x.store.first > 0 ? x.root : undefined;
  for (const s of chain) {
    const at = state ?? x.codec.decode(x.store.data, x.store.offset(from));
    const events = enabled(x, at);
    const event = events[x.store.event(s)]!;
    out.push(mapEvent(event, map));
    const perm = x.store.perm(s);
    if (perm !== undefined) map = perm.map((r) => map[r]!);
    state = s < x.store.first ? canonicalSuccessor(x, at, event) : undefined;
    from = s;
  }
  return { events: out, slots: map, state: state ?? (from === 0 && x.store.first > 0 ? x.root : x.codec.decode(x.store.data, x.store.offset(from))) };
}

/** The canonical representative of the state `event` leads to from `state` (as the store holds it). */
function canonicalSuccessor(x: ExplorationInternals, state: ExploredState, event: WorldEvent): ExploredState {
  const r = stepWorld(x.comps.world, x.params, state.world, event);
  const words = new Uint32Array(x.codec.maxWords);
  x.codec.encode({ world: r.state, code: x.code.after(state.code, event, r.returned) }, words);
  return x.codec.decode(words, 0);
}
