import type { WorldParams, WorldState } from '../../../machines/index.js';
import type { CodeState, WorldCode } from './code.js';
import type { InternedComponents } from './components.js';

/**
 * A world state over interned components, packed into a few 32-bit words so that a visited set of
 * tens of millions of states is a flat typed array.
 *
 * Fields, each as few bits as the parameters allow: per device slot the interned device state
 * (0 for an empty slot), the id offset, bus membership, the bound driver and the slot's code
 * state; then the driver order, each driver's state with its module's code state, the IDA state
 * and `ended`. A field never straddles two words.
 *
 * Symmetry reduction: device slots are interchangeable (same events, same release, same name
 * but for the id), so a state and any permutation of its slots behave alike. The canonical form
 * sorts the slots and renames the IDA's owner tokens to match; each slot's sort key includes
 * whether it owns its id in the IDA, so two slots that sort equal can be swapped without changing
 * the IDA, which makes the canonical form exact: two states get one key iff they are permutations
 * of each other.
 */

/** A world state with interned component states. */
export type PackedWorld = WorldState<number, number, number>;

/** What the explorer explores: the world and the state of the code making its calls. */
export interface ExploredState {
  world: PackedWorld;
  code: CodeState;
}

/** Interned device states a slot field can hold (an empty slot takes code 0). */
const DEVICE_BITS = 10;
/** Interned IDA states the IDA field can hold. */
const IDA_BITS = 24;

/** A component has more interned states than its field can hold: a bug in the bounds above. */
export class EncodingOverflowError extends Error {
  constructor(what: string, bits: number) {
    super(`internal error: more than ${2 ** bits} interned ${what} states; raise the field width in src/explore/world/encode.ts`);
  }
}

const bitsFor = (values: number) => (values <= 1 ? 0 : 32 - Math.clz32(values - 1));

/** Encodes and decodes world states of one parameter set. */
export class WorldCodec {
  /** 32-bit words per state. */
  readonly words: number;
  private readonly k: number;
  private readonly d: number;
  private readonly idMin: number;
  private readonly idBits: number;
  private readonly boundBits: number;
  private readonly slotBits: number;
  private readonly driverBits: number;
  private readonly orderBits: number;
  /** Field layout: word index and shift of each field, in write order. */
  private readonly at: Array<{ word: number; shift: number; bits: number }> = [];
  private readonly slots: number[];
  private readonly sortKeys: number[];
  private readonly order: number[];
  private readonly tokenMap: number[];

  private readonly codeBits: number;
  private readonly moduleBits: number;

  constructor(params: WorldParams, private readonly comps: InternedComponents, code: WorldCode, readonly symmetry: boolean) {
    this.k = params.devices;
    this.d = params.drivers.length;
    this.idMin = params.idaRange.min;
    this.idBits = bitsFor(params.idaRange.max - params.idaRange.min + 2);
    this.boundBits = bitsFor(this.d + 1);
    this.codeBits = code.slotBits;
    this.moduleBits = code.driverBits;
    this.slotBits = DEVICE_BITS + this.idBits + 1 + this.boundBits + this.codeBits;
    this.driverBits = 1 + this.moduleBits;
    this.orderBits = 2 + 2 * this.d;
    const widths = [
      ...Array.from({ length: this.k }, () => this.slotBits),
      this.orderBits,
      ...Array.from({ length: this.d }, () => this.driverBits),
      IDA_BITS,
      1,
    ];
    let word = 0;
    let used = 0;
    for (const bits of widths) {
      if (used + bits > 32) {
        word++;
        used = 0;
      }
      this.at.push({ word, shift: used, bits });
      used += bits;
    }
    this.words = word + 1;
    this.slots = new Array<number>(this.k);
    this.sortKeys = new Array<number>(this.k);
    this.order = Array.from({ length: this.k }, (_, i) => i);
    this.tokenMap = new Array<number>(this.k + 1);
  }

  private slotValue(s: PackedWorld, code: CodeState, i: number): number {
    const d = s.devices[i]!;
    if (d !== null && d + 1 >= 2 ** DEVICE_BITS) throw new EncodingOverflowError('device', DEVICE_BITS);
    const id = s.ids[i]!;
    let v = d === null ? 0 : d + 1;
    v = v * 2 ** this.idBits + (id < 0 ? 0 : id - this.idMin + 1);
    v = v * 2 + +s.onBus[i]!;
    v = v * 2 ** this.boundBits + (s.boundTo[i]! + 1);
    return v * 2 ** this.codeBits + code.slots[i]!;
  }

  /**
   * Writes the state's packed form, canonical when symmetry reduction is on, into `out` (which
   * has `words` words). Returns the slot permutation used (canonical slot j is slot `perm[j]` of
   * `s`), or undefined for the identity.
   */
  encode(x: ExploredState, out: Uint32Array): number[] | undefined {
    const s = x.world;
    const k = this.k;
    const slots = this.slots;
    for (let i = 0; i < k; i++) slots[i] = this.slotValue(s, x.code, i);
    let perm: number[] | undefined;
    let ida = s.ida;
    if (this.symmetry && k > 1) {
      const order = this.order;
      const keys = this.sortKeys;
      for (let i = 0; i < k; i++) {
        order[i] = i;
        const id = s.ids[i]!;
        keys[i] = slots[i]! * 2 + (id >= 0 && this.comps.idOwner(s.ida, id) === i + 1 ? 1 : 0);
      }
      // Insertion sort: k is at most 6.
      let identity = true;
      for (let i = 1; i < k; i++) {
        const x = order[i]!;
        let j = i - 1;
        while (j >= 0 && keys[order[j]!]! > keys[x]!) {
          order[j + 1] = order[j]!;
          j--;
          identity = false;
        }
        order[j + 1] = x;
      }
      if (!identity) {
        perm = order.slice();
        const map = this.tokenMap;
        map[0] = 0;
        let mapKey = 0;
        for (let j = 0; j < k; j++) map[perm[j]! + 1] = j + 1;
        for (let t = 1; t <= k; t++) mapKey = mapKey * 8 + map[t]!;
        ida = this.comps.remapIda(s.ida, map, mapKey);
      }
    }
    if (ida >= 2 ** IDA_BITS) throw new EncodingOverflowError('IDA', IDA_BITS);
    out.fill(0);
    let f = 0;
    for (let j = 0; j < k; j++) this.put(out, f++, slots[perm === undefined ? j : perm[j]!]!);
    let order = s.driverOrder.length;
    for (let n = 0; n < s.driverOrder.length; n++) order |= s.driverOrder[n]! << (2 + 2 * n);
    this.put(out, f++, order);
    for (let n = 0; n < this.d; n++) {
      if (s.drivers[n]! >= 2) throw new EncodingOverflowError('driver', 1);
      this.put(out, f++, s.drivers[n]! * 2 ** this.moduleBits + x.code.drivers[n]!);
    }
    this.put(out, f++, ida);
    this.put(out, f, +s.ended);
    return perm;
  }

  private put(out: Uint32Array, field: number, value: number): void {
    const a = this.at[field]!;
    out[a.word] = (out[a.word]! | (value << a.shift)) >>> 0;
  }

  private get(words: Uint32Array, base: number, field: number): number {
    const a = this.at[field]!;
    const w = words[base + a.word]!;
    return a.bits === 32 ? w : (w >>> a.shift) & ((1 << a.bits) - 1);
  }

  /** The state packed at `words[base ..]`. */
  decode(words: Uint32Array, base: number): ExploredState {
    const k = this.k;
    const codeSlots: number[] = new Array(k);
    const codeDrivers: number[] = new Array(this.d);
    const devices: Array<number | null> = new Array(k);
    const ids: number[] = new Array(k);
    const onBus: boolean[] = new Array(k);
    const boundTo: number[] = new Array(k);
    let f = 0;
    for (let i = 0; i < k; i++) {
      let v = this.get(words, base, f++);
      codeSlots[i] = v & ((1 << this.codeBits) - 1);
      v = Math.floor(v / 2 ** this.codeBits);
      boundTo[i] = (v & ((1 << this.boundBits) - 1)) - 1;
      v = Math.floor(v / 2 ** this.boundBits);
      onBus[i] = (v & 1) === 1;
      v = Math.floor(v / 2);
      const idOff = v & ((1 << this.idBits) - 1);
      ids[i] = idOff === 0 ? -1 : idOff - 1 + this.idMin;
      const d = Math.floor(v / 2 ** this.idBits);
      devices[i] = d === 0 ? null : d - 1;
    }
    const order = this.get(words, base, f++);
    const driverOrder: number[] = [];
    for (let n = 0; n < (order & 3); n++) driverOrder.push((order >>> (2 + 2 * n)) & 3);
    const drivers: number[] = [];
    for (let n = 0; n < this.d; n++) {
      const v = this.get(words, base, f++);
      codeDrivers[n] = v & ((1 << this.moduleBits) - 1);
      drivers.push(Math.floor(v / 2 ** this.moduleBits));
    }
    const ida = this.get(words, base, f++);
    const ended = this.get(words, base, f) === 1;
    return { world: { devices, ids, onBus, boundTo, driverOrder, ida, drivers, ended }, code: { slots: codeSlots, drivers: codeDrivers } };
  }
}
