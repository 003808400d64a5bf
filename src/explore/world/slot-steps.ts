import { stepWorld, slotEvents, type DeviceEvent, type WorldComponents, type WorldEvent, type WorldFinding } from '../../../machines/index.js';
import type { RawState } from './encode.js';
import type { ExplorationInternals } from './explore.js';
import { CodeBits, grown, JS_ENTRY } from './arrays.js';

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
export class SlotSteps {
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
