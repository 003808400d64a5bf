import { stepWorld, sharedEvents, type WorldEvent, type WorldFinding } from '../../../machines/index.js';
import type { CodeState } from './code.js';
import { EncodingOverflowError, type RawState } from './encode.js';
import { Store } from './store.js';
import type { ExplorationInternals } from './explore.js';
import { CodeBits, grown, JS_ENTRY } from './arrays.js';

/** A driver register's variant in the shared-step cache key (unregister is 3, END 0 overall). */
// name-nomem (never offered) ends exactly as register-nomem: one key.
export const REGISTER_KEY = { none: 0, 'register-nomem': 1, 'bind-nomem': 2, 'name-nomem': 1 } as const;

/** The driver and END calls of states with one code state and one set of registered drivers. */
export interface Shared {
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
export class SharedCalls {
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
export class DriverSteps {
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

  /** Entry n's slots after the call, without code bits, into `out`. */
  slotsOf(n: number, out: Int32Array): void {
    for (let i = 0; i < this.k; i++) out[i] = this.resSlots[n * this.k + i]!;
  }

  /** Driver j's machine state after the call of entry n. */
  driverState(n: number, j: number): number {
    return this.resDrivers[n * this.d + j]!;
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
