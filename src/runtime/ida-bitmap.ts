import {
  IdSetStateError, KERNEL_IDA_CAPACITY, NO_HOLDER, ParameterError, requireFreeRange, requireId, requireIdaCapacity, requireOwner,
  type IdSet,
} from '../../machines/index.js';

/**
 * The runtime's id set: a radix tree of bitmaps, like the kernel's IDA (an XArray of 1024-id
 * bitmaps, kernel-auxbus.md §4), with a "full" summary bit per child at every level so that a
 * lowest-free search skips full subtrees in one `Math.clz32` per level instead of scanning ids.
 *
 * - A leaf covers 1024 ids: 32 bitmap words (bit set = allocated), a summary word whose bit w says
 *   word w is full, and the 1024 owner tokens (-1 for a free id).
 * - An interior node has 32 children and a summary word whose bit j says child j is completely
 *   allocated. An absent child is an untouched range: every id in it is free.
 * - The tree is as tall as the highest id touched needs (level L covers 2^(10 + 5L) ids), so an id
 *   near 2^31 costs five nodes and one leaf, not 2^31 bits.
 *
 * Everything lives in typed arrays that grow by doubling; nodes and leaves are indices into them.
 * A step allocates nothing unless the tree grows. It is mutable: each change returns the set itself.
 */

const LEAF_SHIFT = 10;
const LEAF_IDS = 1 << LEAF_SHIFT;
const WORDS = 32;
const FAN_SHIFT = 5;
const FAN = 1 << FAN_SHIFT;
/** A word with every bit set, as an Int32Array holds it. */
const FULL = -1;
/** Interior levels needed to cover 2^31 ids: 10 + 5 × 5 = 35 bits. */
const MAX_HEIGHT = 5;

/** Index of the lowest set bit of a non-zero 32-bit word. */
const ctz = (x: number) => 31 - Math.clz32(x & -x);

/** The id span of one child of a level-L node (level 1's children are leaves), per level. */
const CHILD_SHIFT = Array.from({ length: MAX_HEIGHT + 1 }, (_, level) => LEAF_SHIFT + FAN_SHIFT * (level - 1));
const CHILD_SPAN = CHILD_SHIFT.map((s) => 2 ** s);

/**
 * A mutable hierarchical bitmap with owners: the fast {@link IdSet} the runtime's IDA computes its
 * facts from and carries its machine's effects out on.
 * @example
 * const s = new BitmapIdSet();
 * s.markAllocated(0, 0).markAllocated(1, 7);
 * s.firstFree(0, 2 ** 31 - 1); // 2
 * s.ownerOf(1);                // 7
 */
export class BitmapIdSet implements IdSet<BitmapIdSet> {
  readonly capacity: number;
  private count = 0;
  /** Interior nodes: `children[n * 32 + j]` is child j's index + 1 (0: absent); `full[n]` bit j: child j full. */
  private children: Int32Array = new Int32Array(4 * FAN);
  private full: Int32Array = new Int32Array(4);
  private nodes = 0;
  /** Leaves: `bits[l * 32 + w]`, `leafFull[l]` bit w: word w full, `owners[l * 1024 + i]` (-1: free). */
  private bits: Int32Array = new Int32Array(2 * WORDS);
  private leafFull: Int32Array = new Int32Array(2);
  private owners: Int32Array = new Int32Array(2 * LEAF_IDS);
  private leaves = 0;
  private root = 0;
  /** Interior levels: the root is at level `height`, leaves hang off level 1. */
  private height = 1;
  /** The ids the tree covers: [0, cover), 2^(10 + 5 × height). Every id beyond is free. */
  private cover = CHILD_SPAN[1]! * FAN;
  /** The path of the last descent: node and slot per level. */
  private readonly pathNode = new Int32Array(MAX_HEIGHT + 1);
  private readonly pathSlot = new Int32Array(MAX_HEIGHT + 1);
  /**
   * The first id of the leaf the recorded path leads to (-1: none), and that leaf. A call nearly
   * always asks about the id the previous one found (the lowest free id, then mark it allocated;
   * its holder, then clear it): the second call reuses the path instead of descending again.
   */
  private pathBase = -1;
  private pathLeaf = -1;
  /**
   * Every id below `low` is allocated. A free below it lowers it; allocating it raises it by one.
   * A search from below `low` starts at `low`: with lowest-free allocation, the id just freed is
   * usually the next one handed out, found without a search.
   */
  private low = 0;

  /**
   * An empty set of `capacity` ids (default the kernel's 2^31). Throws {@link ParameterError} for a
   * capacity that is not an integer from 1 to 2^31.
   */
  constructor(capacity: number = KERNEL_IDA_CAPACITY) {
    this.capacity = requireIdaCapacity(capacity);
    this.root = this.newNode();
  }

  get size(): number {
    return this.count;
  }

  firstFree(from: number, to: number): number {
    if (!((from | 0) === from && from >= 0 && from <= to && (to | 0) === to && to < this.capacity)) requireFreeRange(from, to, this.capacity);
    const cover = this.cover;
    if (from < this.low) from = this.low;
    if (from >= cover) return from <= to ? from : -1;
    // The leaf of the last search or lookup often holds the answer: searched without a descent
    // (its recorded path stays valid for the mark that follows).
    if (from - (from & (LEAF_IDS - 1)) === this.pathBase) {
      const found = this.searchLeaf(this.pathLeaf, this.pathBase, from);
      if (found >= 0) return found <= to ? found : -1;
    }
    this.pathBase = -1; // the search below overwrites the path
    // Ids beyond what the tree covers were never touched: the first of them is free.
    let found = this.searchNode(this.root, this.height, 0, from);
    if (found < 0) found = cover;
    return found <= to ? found : -1;
  }

  ownerOf(id: number): number {
    if (!((id | 0) === id && id >= 0 && id < this.capacity)) {
      if (!Number.isInteger(id)) throw new ParameterError('ownerOf(id)', id, 'an integer');
      return NO_HOLDER;
    }
    const leaf = this.findLeaf(id);
    return leaf < 0 ? NO_HOLDER : this.owners[leaf * LEAF_IDS + (id & (LEAF_IDS - 1))]!;
  }

  forEach(fn: (id: number, owner: number) => void): void {
    this.walk(this.root, this.height, 0, fn);
  }

  markAllocated(id: number, owner: number): BitmapIdSet {
    if (!((id | 0) === id && id >= 0 && id < this.capacity)) requireId('markAllocated(id)', id, this.capacity);
    if (!((owner | 0) === owner && owner >= 0)) requireOwner('markAllocated(owner)', owner);
    while (id >= this.cover) this.grow();
    const base = id - (id & (LEAF_IDS - 1));
    let leaf = this.pathLeaf;
    if (base !== this.pathBase) {
      // Descend, creating what is absent, and remember the path for the summary bits.
      let node = this.root;
      for (let level = this.height; level >= 1; level--) {
        const slot = (id >>> CHILD_SHIFT[level]!) & (FAN - 1);
        this.pathNode[level] = node;
        this.pathSlot[level] = slot;
        let child = this.children[node * FAN + slot]!;
        if (child === 0) {
          // newNode / newLeaf may replace the arrays: index them afresh afterwards.
          child = (level === 1 ? this.newLeaf() : this.newNode()) + 1;
          this.children[node * FAN + slot] = child;
        }
        node = child - 1;
      }
      leaf = node;
      this.pathBase = base;
      this.pathLeaf = leaf;
    }
    const offset = id & (LEAF_IDS - 1);
    const w = leaf * WORDS + (offset >>> 5);
    const bit = 1 << (offset & 31);
    const word = this.bits[w]!;
    if ((word & bit) !== 0) throw new IdSetStateError('markAllocated', id, 'a free id');
    const next = word | bit;
    this.bits[w] = next;
    this.owners[leaf * LEAF_IDS + offset] = owner;
    this.count++;
    if (id === this.low) this.low = id + 1;
    if (next === FULL) {
      const lf = this.leafFull[leaf]! | (1 << (offset >>> 5));
      this.leafFull[leaf] = lf;
      // A full leaf makes its parent's bit full; a parent that fills up makes its own, and so on.
      if (lf === FULL) {
        for (let level = 1; level <= this.height; level++) {
          const n = this.pathNode[level]!;
          const f = this.full[n]! | (1 << this.pathSlot[level]!);
          this.full[n] = f;
          if (f !== FULL) break;
        }
      }
    }
    return this;
  }

  clearId(id: number): BitmapIdSet {
    if (!((id | 0) === id && id >= 0 && id < this.capacity)) requireId('clearId(id)', id, this.capacity);
    const leaf = this.findLeaf(id);
    const offset = id & (LEAF_IDS - 1);
    const w = leaf * WORDS + (offset >>> 5);
    const bit = 1 << (offset & 31);
    if (leaf < 0 || (this.bits[w]! & bit) === 0) throw new IdSetStateError('clearId', id, 'an allocated id');
    const wasFull = this.bits[w] === FULL;
    this.bits[w] = this.bits[w]! & ~bit;
    this.owners[leaf * LEAF_IDS + offset] = NO_HOLDER;
    this.count--;
    if (id < this.low) this.low = id;
    if (wasFull) {
      const lf = this.leafFull[leaf]!;
      this.leafFull[leaf] = lf & ~(1 << (offset >>> 5));
      // Only a subtree that was full has a summary bit set above it: stop at the first that was not.
      if (lf === FULL) {
        for (let level = 1; level <= this.height; level++) {
          const n = this.pathNode[level]!;
          const f = this.full[n]!;
          this.full[n] = f & ~(1 << this.pathSlot[level]!);
          if (f !== FULL) break;
        }
      }
    }
    return this;
  }

  setOwner(id: number, owner: number): BitmapIdSet {
    if (!((id | 0) === id && id >= 0 && id < this.capacity)) requireId('setOwner(id)', id, this.capacity);
    if (!((owner | 0) === owner && owner >= 0)) requireOwner('setOwner(owner)', owner);
    const leaf = this.findLeaf(id);
    const at = leaf * LEAF_IDS + (id & (LEAF_IDS - 1));
    if (leaf < 0 || this.owners[at] === NO_HOLDER) throw new IdSetStateError('setOwner', id, 'an allocated id');
    this.owners[at] = owner;
    return this;
  }

  clearAll(): BitmapIdSet {
    this.children = new Int32Array(4 * FAN);
    this.full = new Int32Array(4);
    this.nodes = 0;
    this.bits = new Int32Array(2 * WORDS);
    this.leafFull = new Int32Array(2);
    this.owners = new Int32Array(2 * LEAF_IDS);
    this.leaves = 0;
    this.count = 0;
    this.height = 1;
    this.cover = CHILD_SPAN[1]! * FAN;
    this.root = this.newNode();
    this.pathBase = -1;
    this.low = 0;
    return this;
  }

  /**
   * @internal How big the tree is: its height (interior levels) and how many interior nodes and
   * 1024-id leaves it holds. Memory grows with the ids touched, not with their values.
   */
  footprint(): { height: number; nodes: number; leaves: number } {
    return { height: this.height, nodes: this.nodes, leaves: this.leaves };
  }

  /** Ids allocated, ascending (for reports; allocates an array). */
  ids(): number[] {
    const out: number[] = [];
    this.forEach((id) => out.push(id));
    return out;
  }

  /** The leaf holding `id` (with its path recorded), or -1 when the tree has none there. */
  private findLeaf(id: number): number {
    const base = id - (id & (LEAF_IDS - 1));
    if (base === this.pathBase) return this.pathLeaf;
    if (id >= this.cover) return -1;
    let node = this.root;
    for (let level = this.height; level >= 1; level--) {
      const slot = (id >>> CHILD_SHIFT[level]!) & (FAN - 1);
      this.pathNode[level] = node;
      this.pathSlot[level] = slot;
      const child = this.children[node * FAN + slot]!;
      if (child === 0) {
        this.pathBase = -1;
        return -1;
      }
      node = child - 1;
    }
    this.pathBase = base;
    this.pathLeaf = node;
    return node;
  }

  /** The first free id ≥ from under a level-`level` node covering ids from `base`, or -1. */
  private searchNode(node: number, level: number, base: number, from: number): number {
    const span = CHILD_SPAN[level]!;
    const full = this.full[node]!;
    // from - base < 2^31 (ids are below 2^31): an unsigned shift divides by the span.
    let slot = (from - base) >>> CHILD_SHIFT[level]!;
    for (;;) {
      if (((full >>> slot) & 1) === 0) {
        const childBase = base + slot * span;
        const start = from > childBase ? from : childBase;
        const child = this.children[node * FAN + slot]!;
        if (child === 0) return start;
        this.pathNode[level] = node;
        this.pathSlot[level] = slot;
        const found = level === 1 ? this.searchLeaf(child - 1, childBase, start) : this.searchNode(child - 1, level - 1, childBase, start);
        if (found >= 0) return found;
      }
      // The next child that is not full (a not-full child always has a free id from its base).
      const rest = slot >= FAN - 1 ? 0 : ~full & (FULL << (slot + 1));
      if (rest === 0) return -1;
      slot = ctz(rest);
    }
  }

  /** The first free id ≥ from in a leaf covering ids from `base`, or -1. */
  private searchLeaf(leaf: number, base: number, from: number): number {
    const offset = from - base;
    let w = offset >>> 5;
    const free = ~this.bits[leaf * WORDS + w]! & (FULL << (offset & 31));
    if (free === 0) {
      const rest = w >= WORDS - 1 ? 0 : ~this.leafFull[leaf]! & (FULL << (w + 1));
      if (rest === 0) return -1;
      w = ctz(rest);
    }
    // Found here: the path recorded on the way down leads to this leaf.
    this.pathBase = base;
    this.pathLeaf = leaf;
    return base + (w << 5) + ctz(free !== 0 ? free : ~this.bits[leaf * WORDS + w]!);
  }

  private walk(node: number, level: number, base: number, fn: (id: number, owner: number) => void): void {
    const span = CHILD_SPAN[level]!;
    for (let slot = 0; slot < FAN; slot++) {
      const child = this.children[node * FAN + slot]!;
      if (child === 0) continue;
      const childBase = base + slot * span;
      if (level > 1) {
        this.walk(child - 1, level - 1, childBase, fn);
        continue;
      }
      const leaf = child - 1;
      for (let w = 0; w < WORDS; w++) {
        let word = this.bits[leaf * WORDS + w]!;
        while (word !== 0) {
          const b = ctz(word);
          word &= word - 1;
          const offset = (w << 5) + b;
          fn(childBase + offset, this.owners[leaf * LEAF_IDS + offset]!);
        }
      }
    }
  }

  /** A new root one level up, with the old root as its first child. */
  private grow(): void {
    const old = this.root;
    const top = this.newNode();
    this.children[top * FAN] = old + 1;
    if (this.full[old] === FULL) this.full[top] = 1;
    this.root = top;
    this.height++;
    this.cover = CHILD_SPAN[this.height]! * FAN;
    this.pathBase = -1; // every path now starts one level higher
  }

  private newNode(): number {
    if (this.nodes === this.full.length) {
      this.full = grown(this.full, this.full.length * 2);
      this.children = grown(this.children, this.children.length * 2);
    }
    return this.nodes++;
  }

  private newLeaf(): number {
    if (this.leaves === this.leafFull.length) {
      this.leafFull = grown(this.leafFull, this.leafFull.length * 2);
      this.bits = grown(this.bits, this.bits.length * 2);
      this.owners = grown(this.owners, this.owners.length * 2);
    }
    const leaf = this.leaves++;
    this.owners.fill(NO_HOLDER, leaf * LEAF_IDS, (leaf + 1) * LEAF_IDS);
    return leaf;
  }
}

function grown(a: Int32Array, length: number): Int32Array {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
