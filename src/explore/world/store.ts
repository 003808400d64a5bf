/**
 * The explorer's visited set and breadth-first queue in one: states are numbered in the order
 * they are found, so the queue is the numbering itself. A state is `words` 32-bit words in one
 * flat array; an open-addressing hash table maps them to their number. Beside each state: the
 * state it was first reached from, the event's position in that state's alphabet, and the slot
 * permutation that made it canonical, which is all a shortest path needs.
 */
export class Store {
  /** The packed states, `words` each, in discovery order. */
  data: Uint32Array;
  private table: Int32Array;
  private mask: number;
  private count = 0;
  private parents: Int32Array;
  private events: Uint8Array;
  private permIds: Uint16Array;
  private readonly perms: Array<number[] | undefined> = [undefined];
  /** Permutation (as a base-8 number) → its index in `perms`. */
  private readonly permIndex = new Map<number, number>();

  constructor(readonly words: number, initialCapacity = 1 << 16) {
    this.data = new Uint32Array(initialCapacity * words);
    this.parents = new Int32Array(initialCapacity);
    this.events = new Uint8Array(initialCapacity);
    this.permIds = new Uint16Array(initialCapacity);
    this.table = new Int32Array(initialCapacity * 2).fill(-1);
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

  /** The number of the state `key` (a `words`-long array), or -1 when it is new. */
  find(key: Uint32Array): number {
    const w = this.words;
    const data = this.data;
    for (let slot = this.hash(key, 0) & this.mask; ; slot = (slot + 1) & this.mask) {
      const n = this.table[slot]!;
      if (n < 0) return -1;
      let i = 0;
      const base = n * w;
      while (i < w && data[base + i] === key[i]) i++;
      if (i === w) return n;
    }
  }

  /**
   * Adds the state `key` unless it is already stored: returns whether it was new. `permKey` is
   * the permutation that made it canonical as a base-8 number (-1: none), `perm` its array.
   */
  insert(key: Uint32Array, parent: number, event: number, permKey: number, perm: ArrayLike<number>): boolean {
    const w = this.words;
    const data = this.data;
    const table = this.table;
    const mask = this.mask;
    let slot = this.hash(key, 0) & mask;
    for (;;) {
      const n = table[slot]!;
      if (n < 0) break;
      let i = 0;
      const base = n * w;
      while (i < w && data[base + i] === key[i]) i++;
      if (i === w) return false;
      slot = (slot + 1) & mask;
    }
    const n = this.count;
    if ((n + 1) * 2 > table.length) {
      this.add(key, parent, event, permKey < 0 ? undefined : perm);
      return true;
    }
    const base = n * w;
    for (let i = 0; i < w; i++) data[base + i] = key[i]!;
    this.parents[n] = parent;
    this.events[n] = event;
    this.permIds[n] = permKey < 0 ? 0 : this.permId(permKey, perm);
    this.count++;
    table[slot] = n;
    return true;
  }

  /** Adds a state not yet in the store; returns its number. */
  add(key: Uint32Array, parent: number, event: number, perm: ArrayLike<number> | undefined): number {
    const n = this.count;
    if ((n + 1) * 2 > this.table.length) this.grow();
    this.data.set(key.subarray(0, this.words), n * this.words);
    this.parents[n] = parent;
    this.events[n] = event;
    if (perm === undefined) this.permIds[n] = 0;
    else {
      let key8 = 0;
      for (let i = 0; i < perm.length; i++) key8 = key8 * 8 + perm[i]!;
      this.permIds[n] = this.permId(key8, perm);
    }
    this.count++;
    this.place(n);
    return n;
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

  private place(n: number): void {
    for (let slot = this.hash(this.data, n * this.words) & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.table[slot]! < 0) {
        this.table[slot] = n;
        return;
      }
    }
  }

  /** The permutation's index (its array may be a scratch: a copy is kept); `key` is it as a base-8 number. */
  private permId(key: number, perm: ArrayLike<number>): number {
    let id = this.permIndex.get(key);
    if (id === undefined) {
      id = this.perms.length;
      this.perms.push(Array.from(perm));
      this.permIndex.set(key, id);
    }
    return id;
  }

  private grow(): void {
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
    this.table = new Int32Array(cap * 2).fill(-1);
    this.mask = cap * 2 - 1;
    for (let n = 0; n < this.count; n++) this.place(n);
  }
}
