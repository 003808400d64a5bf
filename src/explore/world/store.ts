/**
 * The explorer's visited set and breadth-first queue in one: states are numbered in the order
 * they are found, so the queue is the numbering itself. A state is `words` 32-bit words in one
 * flat array; an open-addressing hash table maps them to their number (each slot holds the
 * number and the state's hash, so that a probe passing other states reads none of them, and
 * growing the table hashes nothing again). Beside each state: the
 * state it was first reached from, the event's position in that state's alphabet, and the slot
 * permutation that made it canonical, which is all a shortest path needs.
 *
 * Compact mode (hash compaction, as Spin's): the visited set keeps a 64-bit fingerprint per
 * state instead of the state, and the packed words of states already expanded are dropped (the
 * queue keeps the rest), so a state costs its fingerprint's slots and its path links. Two states
 * with one fingerprint are taken for one: the second is missed, with a probability of about
 * n² / 2^65 for n states ({@link Store.missProbability}). The fingerprint is of the state's fields,
 * not of its words, so it survives the codec widening a field.
 */
export class Store {
  /** The packed states, `words` each, in discovery order, from state `first` on. */
  data: Uint32Array;
  /** Which visited set: the states themselves, or their fingerprints (compact). */
  mode: 'exact' | 'compact' = 'exact';
  /** The first state whose words `data` holds (0 but in compact mode, which drops expanded states). */
  first = 0;
  /** Compact mode: per slot the fingerprint's two words (0, 0: empty). */
  private fps = new Uint32Array(0);
  private fpMask = 0;
  private fingerprint: ((words: Uint32Array, base: number, out: Uint32Array) => void) | undefined;
  private readonly fp = new Uint32Array(2);
  /** Per slot: the state's number (-1: empty), then its hash. */
  private table: Int32Array;
  /** Slots - 1 (a power of two less one). */
  private mask: number;
  private count = 0;
  private parents: Int32Array;
  private events: Uint8Array;
  private permIds: Uint16Array;
  private readonly perms: Array<number[] | undefined> = [undefined];
  /** Permutation (as a base-8 number) → its index in `perms`. */
  private readonly permIndex = new Map<number, number>();

  /** `devices`: the slots a permutation permutes (permutation keys have one base-8 digit per slot). */
  constructor(public words: number, private readonly devices = 1, initialCapacity = 1 << 12) {
    this.data = new Uint32Array(initialCapacity * words);
    this.parents = new Int32Array(initialCapacity);
    this.events = new Uint8Array(initialCapacity);
    this.permIds = new Uint16Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 4).fill(-1);
    this.mask = initialCapacity * 2 - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the store's arrays (the visited set, queue and path links). */
  get bytes(): number {
    return this.data.byteLength + this.table.byteLength + this.fps.byteLength + this.parents.byteLength + this.events.byteLength + this.permIds.byteLength;
  }

  /**
   * Bytes the store's arrays would add if they grew within the next `states` states (a growth
   * allocates the doubled array while the old one is alive), so that a bound can act before it.
   */
  growthWithin(states: number): number {
    const soon = this.count + states;
    let bytes = 0;
    if (soon > this.parents.length) bytes += 2 * (this.parents.byteLength + this.events.byteLength + this.permIds.byteLength);
    if ((soon - this.first) * this.words > this.data.length) bytes += 2 * this.data.byteLength;
    if (this.mode === 'exact' && soon * 2 > this.mask + 1) bytes += 2 * this.table.byteLength;
    if (this.mode === 'compact' && soon * 2 > this.fpMask + 1) bytes += 2 * this.fps.byteLength;
    return bytes;
  }

  /** Where state n's words start in `data`. */
  offset(n: number): number {
    return (n - this.first) * this.words;
  }

  /**
   * The probability that hash compaction missed a state (two states, one fingerprint): about
   * n² / 2^65 for n fingerprints of 64 bits (Holzmann's estimate for hash compaction); 0 in exact mode.
   */
  get missProbability(): number {
    return this.mode === 'exact' ? 0 : Math.min(1, (this.count * this.count) / 2 ** 65);
  }

  /**
   * Switches to compact mode: keeps each state's fingerprint (`fingerprint` writes the two words
   * of the state at `words[base ..]` into `out`), drops the exact table and the words of the
   * states before `expanded` (they were expanded: only the queue needs words).
   */
  compact(fingerprint: (words: Uint32Array, base: number, out: Uint32Array) => void, expanded: number): void {
    if (this.mode === 'compact') return;
    this.fingerprint = fingerprint;
    let slots = 1 << 12;
    while (slots < this.count * 2) slots *= 2;
    this.fps = new Uint32Array(2 * slots);
    this.fpMask = slots - 1;
    for (let n = 0; n < this.count; n++) {
      fingerprint(this.data, this.offset(n), this.fp);
      this.placeFp(this.fps, this.fpMask, this.fp[0]!, this.fp[1]!);
    }
    this.table = new Int32Array(0);
    this.mode = 'compact';
    this.release(expanded, true);
  }

  /**
   * Compact mode: drops the words of the states before `expanded` once they are half of `data`
   * (or now, with `now`), shrinking `data` to what the queue needs.
   */
  release(expanded: number, now = false): void {
    if (this.mode !== 'compact') return;
    const w = this.words;
    const drop = (expanded - this.first) * w;
    if (drop <= 0 || (!now && drop * 2 < this.data.length)) return;
    const keep = (this.count - expanded) * w;
    const cap = Math.max(2 * keep, (1 << 12) * w);
    const data = new Uint32Array(cap);
    data.set(this.data.subarray(drop, drop + keep));
    this.data = data;
    this.first = expanded;
  }

  /** Places a fingerprint in a fingerprint table (it is not there). */
  private placeFp(fps: Uint32Array, mask: number, hi: number, lo: number): void {
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      if (fps[2 * slot] === 0 && fps[2 * slot + 1] === 0) {
        fps[2 * slot] = hi;
        fps[2 * slot + 1] = lo;
        return;
      }
    }
  }

  /** Compact mode: the fingerprint of `key` into `fp`, and whether it is stored. */
  private hasFp(key: Uint32Array): boolean {
    this.fingerprint!(key, 0, this.fp);
    // (0, 0) marks an empty slot: such a fingerprint is taken as (0, 1).
    if (this.fp[0] === 0 && this.fp[1] === 0) this.fp[1] = 1;
    const hi = this.fp[0]!;
    const lo = this.fp[1]!;
    const fps = this.fps;
    const mask = this.fpMask;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const h = fps[2 * slot]!;
      const l = fps[2 * slot + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
    }
  }

  private hash(key: Uint32Array, base: number): number {
    let h = 0x9e3779b9;
    for (let i = 0; i < this.words; i++) {
      h = Math.imul(h ^ key[base + i]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The hash of the key `slotOf` looked up last. */
  private lastHash = 0;

  /** The table slot that holds `key` (a `words`-long array), or the bitwise complement of the empty slot where it would go. */
  private slotOf(key: Uint32Array): number {
    const w = this.words;
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    const h = this.hash(key, 0) | 0;
    this.lastHash = h;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const n = table[2 * slot]!;
      if (n < 0) return ~slot;
      if (table[2 * slot + 1] !== h) continue;
      const base = n * w;
      let i = 0;
      while (i < w && data[base + i] === key[i]) i++;
      if (i === w) return slot;
    }
  }

  /** The number of the state `key` (a `words`-long array), or -1 when it is not stored (exact mode only). */
  find(key: Uint32Array): number {
    if (this.mode === 'compact') throw new Error('internal error: Store.find in compact mode');
    const slot = this.slotOf(key);
    return slot < 0 ? -1 : this.table[2 * slot]!;
  }

  /** Whether the state `key` (a `words`-long array) is stored. */
  has(key: Uint32Array): boolean {
    return this.mode === 'compact' ? this.hasFp(key) : this.slotOf(key) >= 0;
  }

  /**
   * Adds the state `key` unless it is already stored: returns whether it was new. `permKey` is
   * the permutation that made it canonical as a base-8 number (-1: none).
   */
  insert(key: Uint32Array, parent: number, event: number, permKey: number): boolean {
    if (this.mode === 'compact') {
      if (this.hasFp(key)) return false;
      this.append(key, parent, event, permKey < 0 ? 0 : this.permId(permKey));
      if (this.count * 2 > this.fpMask + 1) {
        const slots = (this.fpMask + 1) * 2;
        const fps = new Uint32Array(2 * slots);
        for (let i = 0; i < this.fps.length; i += 2) if (this.fps[i] !== 0 || this.fps[i + 1] !== 0) this.placeFp(fps, slots - 1, this.fps[i]!, this.fps[i + 1]!);
        this.fps = fps;
        this.fpMask = slots - 1;
      }
      this.placeFp(this.fps, this.fpMask, this.fp[0]!, this.fp[1]!);
      return true;
    }
    const slot = this.slotOf(key);
    if (slot >= 0) return false;
    this.append(key, parent, event, permKey < 0 ? 0 : this.permId(permKey));
    if (this.count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    else {
      this.table[2 * ~slot] = this.count - 1;
      this.table[2 * ~slot + 1] = this.lastHash;
    }
    return true;
  }

  private append(key: Uint32Array, parent: number, event: number, permId: number): void {
    const n = this.count;
    if (n === this.parents.length) this.growLinks();
    const w = this.words;
    const at = (n - this.first) * w;
    if (at + w > this.data.length) {
      const data = new Uint32Array(Math.max(2 * this.data.length, at + w));
      data.set(this.data);
      this.data = data;
    }
    for (let i = 0; i < w; i++) this.data[at + i] = key[i]!;
    this.parents[n] = parent;
    this.events[n] = event;
    this.permIds[n] = permId;
    this.count++;
  }

  /** Adds a state not yet in the store; returns its number. */
  add(key: Uint32Array, parent: number, event: number, perm: ArrayLike<number> | undefined): number {
    let key8 = -1;
    if (perm !== undefined) {
      key8 = 0;
      for (let i = 0; i < perm.length; i++) key8 = key8 * 8 + perm[i]!;
    }
    if (!this.insert(key, parent, event, key8)) throw new Error('internal error: Store.add of a stored state');
    return this.count - 1;
  }

  parent(n: number): number {
    return this.parents[n]!;
  }

  event(n: number): number {
    return this.events[n]!;
  }

  perm(n: number): number[] | undefined {
    return this.perms[this.permIds[n]!];
  }

  /** The index in `perms` of the permutation whose base-8 number is `key`. */
  private permId(key: number): number {
    let id = this.permIndex.get(key);
    if (id === undefined) {
      id = this.perms.length;
      const perm = new Array<number>(this.devices);
      for (let j = this.devices - 1, r = key; j >= 0; j--, r = Math.floor(r / 8)) perm[j] = r % 8;
      this.perms.push(perm);
      this.permIndex.set(key, id);
    }
    return id;
  }

  /**
   * Re-packs every state `data` holds into `words` words (`convert` writes the new words of the
   * n-th state `data` holds into `out`), keeping numbers and links: for when the codec widens a field.
   */
  relayout(words: number, convert: (data: Uint32Array, n: number, out: Uint32Array) => void): void {
    const held = this.count - this.first;
    const data = new Uint32Array(Math.max(held, (this.data.length / this.words) | 0) * words);
    const out = new Uint32Array(words);
    for (let n = 0; n < held; n++) {
      convert(this.data, n, out);
      data.set(out, n * words);
    }
    this.data = data;
    this.words = words;
    // Fingerprints are of the fields, not the words: only the exact table hashes again.
    if (this.mode === 'exact') this.rehash(this.mask + 1, true);
  }

  private growLinks(): void {
    const cap = this.parents.length * 2;
    const p = new Int32Array(cap);
    p.set(this.parents);
    this.parents = p;
    const e = new Uint8Array(cap);
    e.set(this.events);
    this.events = e;
    const q = new Uint16Array(cap);
    q.set(this.permIds);
    this.permIds = q;
  }

  /** Rebuilds the hash table with `slots` slots (hashing the stored states again when `fresh`, else from the table's hashes). */
  private rehash(slots: number, fresh = false): void {
    const old = this.table;
    const table = new Int32Array(2 * slots).fill(-1);
    const mask = slots - 1;
    const place = (n: number, h: number) => {
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        if (table[2 * slot]! < 0) {
          table[2 * slot] = n;
          table[2 * slot + 1] = h;
          return;
        }
      }
    };
    if (fresh) {
      for (let n = 0; n < this.count; n++) place(n, this.hash(this.data, n * this.words) | 0);
    } else {
      for (let i = 0; i < old.length; i += 2) if (old[i]! >= 0) place(old[i]!, old[i + 1]!);
      // The state just added is not in the old table yet.
      const n = this.count - 1;
      if (n >= 0) place(n, this.lastHash);
    }
    this.table = table;
    this.mask = mask;
  }
}
