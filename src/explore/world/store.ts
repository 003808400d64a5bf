/**
 * The explorer's visited set and breadth-first queue in one: states are numbered in the order
 * they are found, so the queue is the numbering itself. A state is `words` 32-bit words in one
 * flat array; an open-addressing hash table maps them to their number (each slot holds the
 * number and the state's hash, so that a probe passing other states reads none of them, and
 * growing the table hashes nothing again). Beside each state: the
 * state it was first reached from, the event's position in that state's alphabet, and the slot
 * permutation that made it canonical, which is all a shortest path needs.
 */
export class Store {
  /** The packed states, `words` each, in discovery order. */
  data: Uint32Array;
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
    return this.data.byteLength + this.table.byteLength + this.parents.byteLength + this.events.byteLength + this.permIds.byteLength;
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

  /** The number of the state `key` (a `words`-long array), or -1 when it is not stored. */
  find(key: Uint32Array): number {
    const slot = this.slotOf(key);
    return slot < 0 ? -1 : this.table[2 * slot]!;
  }

  /** Whether the state `key` (a `words`-long array) is stored. */
  has(key: Uint32Array): boolean {
    return this.slotOf(key) >= 0;
  }

  /**
   * Adds the state `key` unless it is already stored: returns whether it was new. `permKey` is
   * the permutation that made it canonical as a base-8 number (-1: none).
   */
  insert(key: Uint32Array, parent: number, event: number, permKey: number): boolean {
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
    for (let i = 0; i < w; i++) this.data[n * w + i] = key[i]!;
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
   * Re-packs every stored state into `words` words (`convert` writes state `n`'s new words into
   * `out`), keeping numbers and links: for when the codec widens a field.
   */
  relayout(words: number, convert: (data: Uint32Array, n: number, out: Uint32Array) => void): void {
    const data = new Uint32Array(this.parents.length * words);
    const out = new Uint32Array(words);
    for (let n = 0; n < this.count; n++) {
      convert(this.data, n, out);
      data.set(out, n * words);
    }
    this.data = data;
    this.words = words;
    this.rehash(this.mask + 1, true);
  }

  private growLinks(): void {
    const cap = this.parents.length * 2;
    const data = new Uint32Array(cap * this.words);
    data.set(this.data);
    this.data = data;
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
