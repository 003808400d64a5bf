/** States a chunk holds (2^CHUNK_SHIFT): 16 KiB of words a chunk for a state of one word. */
export const CHUNK_SHIFT = 12;
export const CHUNK_STATES = 1 << CHUNK_SHIFT;

/**
 * The explorer's visited set and breadth-first queue in one: states are numbered in the order
 * they are found, so the queue is the numbering itself. A state is `words` 32-bit words in a
 * chunk of {@link CHUNK_STATES} states (the store grows a chunk at a time: nothing is copied and
 * no doubled array lives beside the old one while it grows, issue 17 item 3); an
 * open-addressing hash table maps them to their number (each slot holds the
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
  /** The packed states, `words` each, in discovery order: chunk c holds states c·CHUNK_STATES on (none before `first`'s chunk in compact mode). */
  private chunks: Array<Uint32Array | undefined> = [];
  /** Which visited set: the states themselves, or their fingerprints (compact). */
  mode: 'exact' | 'compact' = 'exact';
  /** The first state whose words the store holds (0 but in compact mode, which drops expanded states: a chunk boundary). */
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
  /** Per state, chunked as the words are: the state it was first reached from, the event's position, the permutation's index. */
  private parents: Int32Array[] = [];
  private events: Uint8Array[] = [];
  private permIds: Uint16Array[] = [];
  private readonly perms: Array<number[] | undefined> = [undefined];
  /** Permutation (as a base-8 number) → its index in `perms`. */
  private readonly permIndex = new Map<number, number>();

  /** `devices`: the slots a permutation permutes (permutation keys have one base-8 digit per slot). */
  constructor(public words: number, private readonly devices = 1, initialCapacity = 1 << 12) {
    this.table = new Int32Array(initialCapacity * 4).fill(-1);
    this.mask = initialCapacity * 2 - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the store's arrays (the visited set, queue and path links). */
  get bytes(): number {
    let b = this.table.byteLength + this.fps.byteLength;
    for (const c of this.chunks) if (c !== undefined) b += c.byteLength;
    for (const c of this.parents) b += c.byteLength;
    for (const c of this.events) b += c.byteLength;
    for (const c of this.permIds) b += c.byteLength;
    return b;
  }

  /**
   * Bytes the store's arrays would add if they grew within the next `states` states (new chunks;
   * a hash table's growth allocates the doubled table while the old one is alive), so that a bound
   * can act before it.
   */
  growthWithin(states: number): number {
    const soon = this.count + states;
    const chunks = Math.ceil(soon / CHUNK_STATES) - this.parents.length;
    let bytes = chunks > 0 ? chunks * CHUNK_STATES * (4 * this.words + 4 + 1 + 2) : 0;
    if (this.mode === 'exact' && soon * 2 > this.mask + 1) bytes += 2 * this.table.byteLength;
    if (this.mode === 'compact' && soon * 2 > this.fpMask + 1) bytes += 2 * this.fps.byteLength;
    return bytes;
  }

  /** The chunk holding state n's words (read them from `offset(n)` on). */
  chunk(n: number): Uint32Array {
    const c = this.chunks[n >>> CHUNK_SHIFT];
    if (c === undefined) throw new Error(`internal error: the store holds no words of state ${n}`);
    return c;
  }

  /** Where state n's words start in its chunk. */
  offset(n: number): number {
    return (n & (CHUNK_STATES - 1)) * this.words;
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
      fingerprint(this.chunk(n), this.offset(n), this.fp);
      this.placeFp(this.fps, this.fpMask, this.fp[0]!, this.fp[1]!);
    }
    this.table = new Int32Array(0);
    this.mode = 'compact';
    this.release(expanded);
  }

  /** Compact mode: drops the words of the states before `expanded`, every chunk of them whole, as soon as its last state is expanded. */
  release(expanded: number): void {
    if (this.mode !== 'compact') return;
    const keepFrom = expanded >>> CHUNK_SHIFT;
    for (let c = this.first >>> CHUNK_SHIFT; c < keepFrom; c++) this.chunks[c] = undefined;
    if (keepFrom << CHUNK_SHIFT > this.first) this.first = keepFrom << CHUNK_SHIFT;
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
    const chunks = this.chunks;
    const table = this.table;
    const mask = this.mask;
    const h = this.hash(key, 0) | 0;
    this.lastHash = h;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const n = table[2 * slot]!;
      if (n < 0) return ~slot;
      if (table[2 * slot + 1] !== h) continue;
      const data = chunks[n >>> CHUNK_SHIFT]!;
      const base = (n & (CHUNK_STATES - 1)) * w;
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
    const c = n >>> CHUNK_SHIFT;
    const i = n & (CHUNK_STATES - 1);
    if (i === 0) this.addChunk();
    const w = this.words;
    const data = this.chunks[c]!;
    const at = i * w;
    for (let k = 0; k < w; k++) data[at + k] = key[k]!;
    this.parents[c]![i] = parent;
    this.events[c]![i] = event;
    this.permIds[c]![i] = permId;
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
    return this.parents[n >>> CHUNK_SHIFT]![n & (CHUNK_STATES - 1)]!;
  }

  event(n: number): number {
    return this.events[n >>> CHUNK_SHIFT]![n & (CHUNK_STATES - 1)]!;
  }

  perm(n: number): number[] | undefined {
    return this.perms[this.permIds[n >>> CHUNK_SHIFT]![n & (CHUNK_STATES - 1)]!];
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
   * Re-packs every state the store holds into `words` words (`convert` writes the new words of
   * the state at `data[base ..]` into `out`), keeping numbers and links: for when the codec widens
   * a field. One chunk at a time: only one old chunk and its new one are alive beside the rest.
   */
  relayout(words: number, convert: (data: Uint32Array, base: number, out: Uint32Array) => void): void {
    const out = new Uint32Array(words);
    const old = this.words;
    for (let c = this.first >>> CHUNK_SHIFT; c < this.chunks.length; c++) {
      const from = this.chunks[c]!;
      const to = new Uint32Array(CHUNK_STATES * words);
      const held = Math.min(CHUNK_STATES, this.count - c * CHUNK_STATES);
      for (let i = 0; i < held; i++) {
        convert(from, i * old, out);
        to.set(out, i * words);
      }
      this.chunks[c] = to;
    }
    this.words = words;
    // Fingerprints are of the fields, not the words: only the exact table hashes again.
    if (this.mode === 'exact') this.rehash(this.mask + 1, true);
  }

  /** One more chunk of words and links (the states from `count` on). */
  private addChunk(): void {
    this.chunks.push(new Uint32Array(CHUNK_STATES * this.words));
    this.parents.push(new Int32Array(CHUNK_STATES));
    this.events.push(new Uint8Array(CHUNK_STATES));
    this.permIds.push(new Uint16Array(CHUNK_STATES));
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
      for (let n = 0; n < this.count; n++) place(n, this.hash(this.chunk(n), this.offset(n)) | 0);
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
