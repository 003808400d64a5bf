import type { WorldParams, WorldState } from '../../../machines/index.js';
import type { CodeState, WorldCode } from './code.js';
import type { InternedComponents } from './components.js';

/**
 * A world state over interned components, packed into a few 32-bit words so that a visited set of
 * tens of millions of states is a flat typed array.
 *
 * Fields, each as few bits as the parameters allow: per device slot one number (the interned
 * device state, 0 for an empty slot; the id offset; bus membership; the bound driver; the slot's
 * code state); then the driver order, each driver's state with its module's code state, the IDA
 * state and `ended`. A field never straddles two words. The interned device and IDA fields start
 * narrow (the count of interned states is not known in advance) and widen when a state does not
 * fit: the explorer then re-packs what it stored (`onRelayout`). A slot's value does not depend
 * on the widths (the device is its top field), so neither does the canonical order.
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

/** A state as its packed fields: what the explorer's fast path reads and writes. */
export interface RawState {
  /** One number per device slot (see `WorldCodec.slotValue`). */
  slots: Int32Array;
  ida: number;
  /** The driver order: count in the low 2 bits, then 2 bits per driver. */
  order: number;
  /** Per driver: its interned state and its module's code state. */
  drivers: Int32Array;
  ended: number;
}

/** Interned device states a slot field can hold at most (an empty slot takes code 0), and at first. */
const DEVICE_BITS = 10;
const DEVICE_BITS_FIRST = 5;
/** Interned IDA states the IDA field can hold at most, and at first. */
const IDA_BITS = 24;
const IDA_BITS_FIRST = 7;

/** Where each field of a packed state is, for one set of field widths. */
export interface Layout {
  /** 32-bit words per state. */
  words: number;
  deviceBits: number;
  idaBits: number;
  /** Per field, in write order (slots, driver order, drivers, IDA, ended): its word, shift and mask. */
  fieldWord: Int32Array;
  fieldShift: Int32Array;
  fieldMask: Int32Array;
}

/** A component has more interned states than its field can hold: a bug in the bounds above. */
export class EncodingOverflowError extends Error {
  constructor(what: string, bits: number) {
    super(`internal error: more than ${2 ** bits} interned ${what} states; raise the field width in src/explore/world/encode.ts`);
  }
}

const bitsFor = (values: number) => (values <= 1 ? 0 : 32 - Math.clz32(values - 1));

/** Encodes and decodes world states of one parameter set. */
export class WorldCodec {
  /** 32-bit words per state (with the current widths). */
  words = 0;
  /** The most words a state can take (with the widest fields): scratch arrays take this many. */
  readonly maxWords: number;
  /** Bumped whenever the fields widen (and the stored states are re-packed). */
  version = 0;
  /** Called when the fields widen, with the old layout: re-pack what was stored with it (`convert`). */
  onRelayout: ((old: Layout) => void) | undefined;
  private readonly k: number;
  private readonly d: number;
  private readonly idMin: number;
  private readonly idBits: number;
  private readonly boundBits: number;
  private readonly codeBits: number;
  private readonly moduleBits: number;
  private layout!: Layout;
  private fieldWord!: Int32Array;
  private fieldShift!: Int32Array;
  private fieldMask!: Int32Array;
  /** Where slot s's field is: word `slotWord[s]`, from bit `slotShift[s]` (the explorer rewrites one slot in place). */
  slotWord!: Int32Array;
  slotShift!: Int32Array;
  /** The mask of a slot field (every slot's is the same); slot values above it do not fit. */
  slotMask = 0;
  /** Where the IDA field and the `ended` flag are; IDA states above `idaMask` do not fit. */
  idaWord = 0;
  idaShift = 0;
  idaMask = 0;
  endedWord = 0;
  endedShift = 0;
  /** Canonical sort scratch: each slot's key, the order (canonical position → slot). */
  private readonly sortKeys: Float64Array;
  private readonly sortOrder: Int32Array;
  private readonly tokenMap: number[];
  /** The slot permutation of the last `pack` that returned a key (canonical slot j is slot `perm[j]`). */
  readonly perm: Int32Array;
  private readonly raw: RawState;
  private readonly convertRaw: RawState;
  /** Shifts of a slot value's fields (it fits in 31 bits, so plain integer shifts read it). */
  readonly boundShift: number;
  readonly busShift: number;
  readonly idShift: number;
  readonly devShift: number;
  private readonly idMask: number;
  private readonly boundMask: number;
  private readonly codeMask: number;
  private readonly moduleMask: number;

  constructor(params: WorldParams, private readonly comps: InternedComponents, code: WorldCode, readonly symmetry: boolean) {
    this.k = params.devices;
    this.d = params.drivers.length;
    this.idMin = params.idaRange.min;
    this.idBits = bitsFor(params.idaRange.max - params.idaRange.min + 2);
    this.boundBits = bitsFor(this.d + 1);
    this.codeBits = code.slotBits;
    this.moduleBits = code.driverBits;
    this.boundShift = this.codeBits;
    this.busShift = this.boundShift + this.boundBits;
    this.idShift = this.busShift + 1;
    this.devShift = this.idShift + this.idBits;
    this.idMask = (1 << this.idBits) - 1;
    this.boundMask = (1 << this.boundBits) - 1;
    this.codeMask = (1 << this.codeBits) - 1;
    this.moduleMask = (1 << this.moduleBits) - 1;
    this.maxWords = this.layoutFor(DEVICE_BITS, IDA_BITS).words;
    this.use(this.layoutFor(DEVICE_BITS_FIRST, IDA_BITS_FIRST));
    this.sortKeys = new Float64Array(this.k);
    this.sortOrder = new Int32Array(this.k);
    this.perm = new Int32Array(this.k);
    this.tokenMap = new Array<number>(this.k + 1).fill(0);
    this.raw = this.emptyRaw();
    this.convertRaw = this.emptyRaw();
    this.moves();
  }

  /** The field layout for these widths of the device and IDA fields. */
  private layoutFor(deviceBits: number, idaBits: number): Layout {
    const slotBits = deviceBits + this.devShift;
    const widths = [
      ...Array.from({ length: this.k }, () => slotBits),
      2 + 2 * this.d,
      ...Array.from({ length: this.d }, () => 1 + this.moduleBits),
      idaBits,
      1,
    ];
    let word = 0;
    let used = 0;
    const fieldWord = new Int32Array(widths.length);
    const fieldShift = new Int32Array(widths.length);
    const fieldMask = new Int32Array(widths.length);
    widths.forEach((bits, f) => {
      if (used + bits > 32) {
        word++;
        used = 0;
      }
      fieldWord[f] = word;
      fieldShift[f] = used;
      fieldMask[f] = bits >= 32 ? -1 : (1 << bits) - 1;
      used += bits;
    });
    return { words: word + 1, deviceBits, idaBits, fieldWord, fieldShift, fieldMask };
  }

  private use(l: Layout): void {
    this.layout = l;
    this.words = l.words;
    this.fieldWord = l.fieldWord;
    this.fieldShift = l.fieldShift;
    this.fieldMask = l.fieldMask;
    this.slotWord = l.fieldWord.slice(0, this.k);
    this.slotShift = l.fieldShift.slice(0, this.k);
    this.slotMask = l.fieldMask[0]!;
    const idaField = this.k + 1 + this.d;
    this.idaWord = l.fieldWord[idaField]!;
    this.idaShift = l.fieldShift[idaField]!;
    this.idaMask = l.fieldMask[idaField]!;
    this.endedWord = l.fieldWord[idaField + 1]!;
    this.endedShift = l.fieldShift[idaField + 1]!;
  }

  /**
   * Makes the fields wide enough for slot value `v` and IDA state `ida`, re-packing what was
   * stored (`onRelayout`) when they widen. Throws EncodingOverflowError past the widest fields.
   */
  fit(v: number, ida: number): void {
    if (v <= this.slotMask && ida <= this.idaMask) return;
    let { deviceBits, idaBits } = this.layout;
    // One bit more than needed: each widening doubles the room at least twice over.
    if (v > this.slotMask) deviceBits = Math.min(DEVICE_BITS, Math.max(deviceBits + 1, bitsFor((v >>> this.devShift) + 1) + 1));
    if (ida > this.idaMask) idaBits = Math.min(IDA_BITS, Math.max(idaBits + 1, bitsFor(ida + 1) + 1));
    if ((v >>> this.devShift) >= 2 ** deviceBits) throw new EncodingOverflowError('device', DEVICE_BITS);
    if (ida >= 2 ** idaBits) throw new EncodingOverflowError('IDA', IDA_BITS);
    const old = this.layout;
    this.use(this.layoutFor(deviceBits, idaBits));
    this.version++;
    this.onRelayout?.(old);
  }

  /** Re-packs state n of `data`, packed with layout `old`, with the current layout into `out` (as it is: it is canonical already). */
  convert(old: Layout, data: Uint32Array, base: number, out: Uint32Array): void {
    const r = this.convertRaw;
    const get = (f: number) => (data[base + old.fieldWord[f]!]! >>> old.fieldShift[f]!) & old.fieldMask[f]!;
    let f = 0;
    for (let i = 0; i < this.k; i++) r.slots[i] = get(f++);
    r.order = get(f++);
    for (let j = 0; j < this.d; j++) r.drivers[j] = get(f++);
    r.ida = get(f++);
    r.ended = get(f);
    for (let w = 0; w < this.words; w++) out[w] = 0;
    let g = 0;
    for (let j = 0; j < this.k; j++, g++) this.put(out, g, r.slots[j]!);
    this.writeRest(r.order, r.drivers, r.ida, r.ended, out, g);
  }

  private put(out: Uint32Array, f: number, value: number): void {
    const w = this.fieldWord[f]!;
    out[w] = out[w]! | (value << this.fieldShift[f]!);
  }

  /** A RawState to read into. */
  emptyRaw(): RawState {
    return { slots: new Int32Array(this.k), ida: 0, order: 0, drivers: new Int32Array(this.d), ended: 0 };
  }

  /** One slot as a number: device (+1, 0 for none), id offset, on the bus, bound driver (+1), code state. */
  slotValue(d: number | null, id: number, onBus: boolean, boundTo: number, codeSlot: number): number {
    if (d !== null && d + 1 >= 2 ** DEVICE_BITS) throw new EncodingOverflowError('device', DEVICE_BITS);
    return (
      ((d === null ? 0 : d + 1) << this.devShift)
      | ((id < 0 ? 0 : id - this.idMin + 1) << this.idShift)
      | (+onBus << this.busShift)
      | ((boundTo + 1) << this.boundShift)
      | codeSlot
    );
  }

  /** The id a slot value holds (-1 for none). */
  slotId(v: number): number {
    const off = (v >>> this.idShift) & this.idMask;
    return off === 0 ? -1 : off - 1 + this.idMin;
  }

  /** Whether a slot value is on the bus. */
  slotOnBus(v: number): boolean {
    return ((v >>> this.busShift) & 1) === 1;
  }

  /** The interned device state a slot value holds (null for an empty slot). */
  slotDevice(v: number): number | null {
    const d = v >>> this.devShift;
    return d === 0 ? null : d - 1;
  }

  /** A slot value's code state. */
  slotCode(v: number): number {
    return v & this.codeMask;
  }

  /** The driver order and the drivers' states (not their modules' code): what a probe reads. */
  driverKey(r: RawState): number {
    let key = r.order;
    for (let n = 0; n < this.d; n++) key = key * 2 + (r.drivers[n]! >>> this.moduleBits);
    return key;
  }

  /** Whether the state packed at `words[base ..]` is an ended one. */
  isEnded(words: Uint32Array, base: number): boolean {
    return ((words[base + this.endedWord]! >>> this.endedShift) & 1) === 1;
  }

  /** Reads the state packed at `words[base ..]` into `r`. */
  readRaw(words: Uint32Array, base: number, r: RawState): void {
    let f = 0;
    for (let i = 0; i < this.k; i++) r.slots[i] = this.get(words, base, f++);
    r.order = this.get(words, base, f++);
    for (let n = 0; n < this.d; n++) r.drivers[n] = this.get(words, base, f++);
    r.ida = this.get(words, base, f++);
    r.ended = this.get(words, base, f);
  }

  /**
   * Writes `r` packed into `out` (`words` words), canonical when symmetry reduction is on.
   * Returns the slot permutation used (canonical slot j is slot `perm[j]` of `r`), or undefined
   * for the identity. The array is the codec's own scratch, overwritten by the next call: copy it
   * to keep it (the store does).
   */
  writeRaw(r: RawState, out: Uint32Array): Int32Array | undefined {
    return this.pack(r.slots, r.order, r.drivers, r.ida, r.ended, out) < 0 ? undefined : this.perm;
  }

  /**
   * A slot's sort key in the canonical order: its value, then whether it owns its id in the IDA
   * (`owners`, from `ownerTable`) as slot j.
   */
  slotKey(v: number, j: number, owners: Int32Array): number {
    const off = (v >>> this.idShift) & this.idMask;
    return v * 2 + (off !== 0 && off <= owners.length && owners[off - 1] === j + 1 ? 1 : 0);
  }

  /** Every slot's sort key into `keys`; returns the IDA's owner table. */
  keys(slots: Int32Array, ida: number, keys: Float64Array): Int32Array {
    const owners = this.comps.ownerTable(ida, this.idMin);
    for (let j = 0; j < this.k; j++) keys[j] = this.slotKey(slots[j]!, j, owners);
    return owners;
  }

  /**
   * Whether slot s of a canonical state whose slot keys are `keys` stays at its place when its
   * key becomes `key` (the others unchanged): the stable sort then leaves every slot in place.
   */
  keepsPlace(keys: Float64Array, s: number, key: number): boolean {
    return (s === 0 || keys[s - 1]! <= key) && (s === this.k - 1 || keys[s + 1]! >= key);
  }

  /**
   * Packs the successor of a canonical state (packed at `src[base ..]`, its slots `slots`) whose
   * slot s became `v`, with sort key `key`, and whose IDA became `ida` without changing the other
   * slots' keys (`keys`): the canonical order is the source's with slot s moved to its place, as
   * the stable sort of `pack` would put it. Returns the permutation key as `pack` does.
   */
  packMoved(src: Uint32Array, base: number, slots: Int32Array, s: number, v: number, key: number, keys: Float64Array, ida: number, order: number, drivers: Int32Array, out: Uint32Array): number {
    const k = this.k;
    let t = s;
    // Equal keys keep their order: slot s goes after the lower slots' equal keys, before the higher ones'.
    while (t > 0 && keys[t - 1]! > key) t--;
    if (t === s) while (t < k - 1 && keys[t + 1]! < key) t++;
    const move = s * 8 + t;
    const perm = this.movePerm[move]!;
    let permKey = -1;
    if (t !== s) {
      permKey = this.moveKey[move]!;
      ida = this.movedIda(ida, move);
    }
    const fw = this.fieldWord;
    const fs = this.fieldShift;
    if (v > this.slotMask || ida > this.idaMask) {
      // The fields widen (and the source moves with the store): write every field.
      this.fit(v, ida);
      for (let w = 0; w < this.words; w++) out[w] = 0;
      let f = 0;
      for (let j = 0; j < k; j++, f++) {
        const w = fw[f]!;
        const from = perm[j]!;
        out[w] = out[w]! | ((from === s ? v : slots[from]!) << fs[f]!);
      }
      this.writeRest(order, drivers, ida, 0, out, f);
      return permKey;
    }
    // The source's words with the slots between s and t (which shift by one) and the IDA rewritten.
    for (let w = 0; w < this.words; w++) out[w] = src[base + w]!;
    const mask = this.slotMask;
    const hi = s < t ? t : s;
    for (let j = s < t ? s : t; j <= hi; j++) {
      const from = perm[j]!;
      const w = fw[j]!;
      const sh = fs[j]!;
      out[w] = (out[w]! & ~(mask << sh)) | ((from === s ? v : slots[from]!) << sh);
    }
    const iw = this.idaWord;
    out[iw] = (out[iw]! & ~(this.idaMask << this.idaShift)) | (ida << this.idaShift);
    return permKey;
  }

  /**
   * Packs the successor of a canonical state whose slot s became `v` and whose IDA became `ida`
   * (`keys`: the slots' sort keys with the old IDA). When the new IDA gives the other slots the
   * keys they had, only slot s moves (`packMoved`); otherwise the slots are sorted again (`pack`).
   * `next` is scratch for the successor's slots.
   */
  packChanged(src: Uint32Array, base: number, slots: Int32Array, s: number, v: number, keys: Float64Array, ida: number, order: number, drivers: Int32Array, out: Uint32Array, next: Int32Array): number {
    const owners = this.comps.ownerTable(ida, this.idMin);
    for (let j = 0; j < this.k; j++) {
      if (j !== s && this.slotKey(slots[j]!, j, owners) !== keys[j]) {
        next.set(slots);
        next[s] = v;
        return this.pack(next, order, drivers, ida, 0, out);
      }
    }
    return this.packMoved(src, base, slots, s, v, this.slotKey(v, s, owners), keys, ida, order, drivers, out);
  }

  /** Per move of slot s to place t (`s * 8 + t`): the permutation (canonical place → slot), its base-8 key, and the owner-token map with its key. */
  private readonly movePerm: Int32Array[] = [];
  private readonly moveKey: number[] = [];
  private readonly moveMap: number[][] = [];
  private readonly moveMapKey: number[] = [];
  /** Per (IDA state, move) for the first IDA states: the IDA with its tokens renamed by the move (-1: not known yet). */
  private moved = new Int32Array(0);

  /** The IDA state with its owner tokens renamed as `move` moves the slots. */
  private movedIda(ida: number, move: number): number {
    const at = ida * 64 + move;
    if (at < this.moved.length) {
      const r = this.moved[at]!;
      if (r >= 0) return r;
    } else if (ida < 1 << 16) {
      let cap = Math.max(this.moved.length, 64 * 64);
      while (cap <= at) cap *= 2;
      const m = new Int32Array(cap).fill(-1);
      m.set(this.moved);
      this.moved = m;
    }
    const r = this.comps.remapIda(ida, this.moveMap[move]!, this.moveMapKey[move]!);
    if (at < this.moved.length) this.moved[at] = r;
    return r;
  }

  /** Fills the move tables (for `packMoved`). */
  private moves(): void {
    const k = this.k;
    for (let s = 0; s < k; s++) {
      for (let t = 0; t < k; t++) {
        const perm = new Int32Array(k);
        const rest = Array.from({ length: k }, (_, j) => j).filter((j) => j !== s);
        rest.splice(t, 0, s);
        perm.set(rest);
        const map = new Array<number>(k + 1).fill(0);
        let permKey = 0;
        for (let j = 0; j < k; j++) {
          map[perm[j]! + 1] = j + 1;
          permKey = permKey * 8 + perm[j]!;
        }
        let mapKey = 0;
        for (let i = 1; i <= k; i++) mapKey = mapKey * 8 + map[i]!;
        this.movePerm[s * 8 + t] = perm;
        this.moveKey[s * 8 + t] = permKey;
        this.moveMap[s * 8 + t] = map;
        this.moveMapKey[s * 8 + t] = mapKey;
      }
    }
  }

  /** Writes the fields after the slots (from field `f`: driver order, drivers, IDA, ended). */
  private writeRest(order: number, drivers: Int32Array, ida: number, ended: number, out: Uint32Array, f: number): void {
    const fw = this.fieldWord;
    const fs = this.fieldShift;
    let w = fw[f]!;
    out[w] = out[w]! | (order << fs[f]!);
    f++;
    for (let n = 0; n < this.d; n++, f++) {
      w = fw[f]!;
      out[w] = out[w]! | (drivers[n]! << fs[f]!);
    }
    w = fw[f]!;
    out[w] = out[w]! | (ida << fs[f]!);
    f++;
    w = fw[f]!;
    out[w] = out[w]! | (ended << fs[f]!);
  }

  /**
   * Packs the fields into `out`, canonical when symmetry reduction is on: the slots sorted by
   * (slot value, whether the slot owns its id in the IDA), stably, and the IDA's owner tokens
   * renamed to match. Returns -1 when the slots kept their order, else the permutation as a
   * base-8 number (canonical slot j is slot `perm[j]` of `slots`, left in `this.perm`).
   */
  pack(slots: Int32Array, order: number, drivers: Int32Array, ida: number, ended: number, out: Uint32Array): number {
    const k = this.k;
    let permKey = -1;
    if (this.symmetry && k > 1) {
      const ord = this.sortOrder;
      const keys = this.sortKeys;
      const owners = this.comps.ownerTable(ida, this.idMin);
      const idShift = this.idShift;
      const idMask = this.idMask;
      for (let i = 0; i < k; i++) {
        ord[i] = i;
        const v = slots[i]!;
        const off = (v >>> idShift) & idMask;
        keys[i] = v * 2 + (off !== 0 && off <= owners.length && owners[off - 1] === i + 1 ? 1 : 0);
      }
      // Stable insertion sort: k is at most 6, and a successor differs from its sorted parent in one slot or two.
      let identity = true;
      for (let i = 1; i < k; i++) {
        const x = ord[i]!;
        const kx = keys[x]!;
        let j = i - 1;
        while (j >= 0 && keys[ord[j]!]! > kx) {
          ord[j + 1] = ord[j]!;
          j--;
          identity = false;
        }
        ord[j + 1] = x;
      }
      if (!identity) {
        const perm = this.perm;
        const map = this.tokenMap;
        map[0] = 0;
        permKey = 0;
        for (let j = 0; j < k; j++) {
          perm[j] = ord[j]!;
          map[ord[j]! + 1] = j + 1;
          permKey = permKey * 8 + ord[j]!;
        }
        let mapKey = 0;
        for (let t = 1; t <= k; t++) mapKey = mapKey * 8 + map[t]!;
        ida = this.comps.remapIda(ida, map, mapKey);
      }
    }
    if (ida > this.idaMask) this.fit(0, ida);
    for (let j = 0; j < k; j++) if (slots[j]! > this.slotMask) this.fit(slots[j]!, 0);
    for (let w = 0; w < this.words; w++) out[w] = 0;
    const fw = this.fieldWord;
    const fs = this.fieldShift;
    let f = 0;
    for (let j = 0; j < k; j++, f++) {
      const w = fw[f]!;
      out[w] = out[w]! | (slots[permKey < 0 ? j : this.perm[j]!]! << fs[f]!);
    }
    this.writeRest(order, drivers, ida, ended, out, f);
    return permKey;
  }

  /** The raw fields of an explored state. */
  fromState(x: ExploredState, r: RawState): RawState {
    const s = x.world;
    for (let i = 0; i < this.k; i++) r.slots[i] = this.slotValue(s.devices[i]!, s.ids[i]!, s.onBus[i]!, s.boundTo[i]!, x.code.slots[i]!);
    let order = s.driverOrder.length;
    for (let n = 0; n < s.driverOrder.length; n++) order |= s.driverOrder[n]! << (2 + 2 * n);
    r.order = order;
    for (let n = 0; n < this.d; n++) {
      if (s.drivers[n]! >= 2) throw new EncodingOverflowError('driver', 1);
      r.drivers[n] = (s.drivers[n]! << this.moduleBits) | x.code.drivers[n]!;
    }
    r.ida = s.ida;
    r.ended = +s.ended;
    return r;
  }

  /** The explored state of raw fields. */
  toState(r: RawState): ExploredState {
    const k = this.k;
    const devices: Array<number | null> = new Array(k);
    const ids: number[] = new Array(k);
    const onBus: boolean[] = new Array(k);
    const boundTo: number[] = new Array(k);
    const codeSlots: number[] = new Array(k);
    for (let i = 0; i < k; i++) {
      const v = r.slots[i]!;
      codeSlots[i] = v & this.codeMask;
      boundTo[i] = ((v >>> this.boundShift) & this.boundMask) - 1;
      onBus[i] = this.slotOnBus(v);
      ids[i] = this.slotId(v);
      devices[i] = this.slotDevice(v);
    }
    const driverOrder: number[] = [];
    for (let n = 0; n < (r.order & 3); n++) driverOrder.push((r.order >>> (2 + 2 * n)) & 3);
    const drivers: number[] = [];
    const codeDrivers: number[] = [];
    for (let n = 0; n < this.d; n++) {
      codeDrivers.push(r.drivers[n]! & this.moduleMask);
      drivers.push(r.drivers[n]! >>> this.moduleBits);
    }
    return {
      world: { devices, ids, onBus, boundTo, driverOrder, ida: r.ida, drivers, ended: r.ended === 1 },
      code: { slots: codeSlots, drivers: codeDrivers },
    };
  }

  /** Writes an explored state packed into `out`; returns the permutation key (see `pack`). */
  encode(x: ExploredState, out: Uint32Array): number {
    const r = this.fromState(x, this.raw);
    return this.pack(r.slots, r.order, r.drivers, r.ida, r.ended, out);
  }

  /** The state packed at `words[base ..]`. */
  decode(words: Uint32Array, base: number): ExploredState {
    this.readRaw(words, base, this.raw);
    return this.toState(this.raw);
  }

  private get(words: Uint32Array, base: number, field: number): number {
    return (words[base + this.fieldWord[field]!]! >>> this.fieldShift[field]!) & this.fieldMask[field]!;
  }
}
