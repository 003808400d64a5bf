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
 * - Every node and leaf links to its parent, so a leaf that fills up (or stops being full) updates
 *   the summary bits above it however it was reached; the leaves of the first 2^20 ids are also
 *   in a flat table, so finding them is one read.
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
/**
 * Leaves of the first ids (2^20 ids: 1024 leaves) are also found through a flat table: most
 * IDAs hand out small ids, and a lookup there is one array read instead of a descent.
 */
const NEAR_LEAVES = 1024;

/** Index of the lowest set bit of a non-zero 32-bit word. */
const ctz = (x: number) => 31 - Math.clz32(x & -x);
const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
};

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
  /**
   * Interior nodes: `children[n * 32 + j]` is child j's index + 1 (0: absent); `full[n]` bit j:
   * child j full; `nodeUp[n]` the parent's index (-1: the root) and `nodeSlot[n]` its slot there.
   */
  private children: Int32Array = new Int32Array(4 * FAN);
  private full: Int32Array = new Int32Array(4);
  private nodeUp: Int32Array = new Int32Array(4);
  private nodeSlot: Int32Array = new Int32Array(4);
  private nodes = 0;
  /**
   * Leaves: `bits[l * 32 + w]`, `leafFull[l]` bit w: word w full, `owners[l * 1024 + i]` (-1:
   * free), `leafUp[l]` / `leafSlot[l]` the parent node and slot. The parent links carry a "full"
   * change up the tree from the leaf, whichever way the leaf was reached.
   */
  private bits: Int32Array = new Int32Array(2 * WORDS);
  private leafFull: Int32Array = new Int32Array(2);
  private owners: Int32Array = new Int32Array(2 * LEAF_IDS);
  private leafUp: Int32Array = new Int32Array(2);
  private leafSlot: Int32Array = new Int32Array(2);
  private leaves = 0;
  /** `near[c]`: the leaf of ids [c × 1024, (c + 1) × 1024) + 1 (0: none yet), for c < NEAR_LEAVES. */
  private readonly near = new Int32Array(NEAR_LEAVES);
  private root = 0;
  /** Interior levels: the root is at level `height`, leaves hang off level 1. */
  private height = 1;
  /** The ids the tree covers: [0, cover), 2^(10 + 5 × height). Every id beyond is free. */
  private cover = CHILD_SPAN[1]! * FAN;
  /** The first id of the leaf last found by a descent (-1: none), and that leaf. */
  private lastBase = -1;
  private lastLeaf = -1;
  /**
   * Every id below `low` is allocated. A free below it lowers it; allocating it raises it by one;
   * a search that starts at or below it raises it to what it finds. So with lowest-free
   * allocation it is usually the lowest free id itself, and a search from 0 starts there.
   */
  private low = 0;

  /**
   * An empty set of `capacity` ids (default the kernel's 2^31). Throws {@link ParameterError} for a
   * capacity that is not an integer from 1 to 2^31.
   */
  constructor(capacity: number = KERNEL_IDA_CAPACITY) {
    this.capacity = requireIdaCapacity(capacity);
    this.root = this.newNode(-1, 0);
  }

  get size(): number {
    return this.count;
  }

  firstFree(from: number, to: number): number {
    // `x >>> 0 === x`: x is an integer from 0 to 2^32 - 1 (ids and the capacity are at most 2^31).
    if (!(from >>> 0 === from && to >>> 0 === to && from <= to && to < this.capacity)) requireFreeRange(from, to, this.capacity);
    // A search from `low` or below learns that every id before what it finds is allocated.
    const fromLow = from <= this.low;
    if (fromLow) from = this.low;
    const cover = this.cover;
    let found: number;
    if (from >= cover) {
      // Ids beyond what the tree covers were never touched: the first of them is free.
      found = from;
    } else {
      // The leaf of `from` first (most searches end there), then the leaves beside it (the
      // parent's next child that is not full), then the tree from the parent's end on.
      const leaf = this.findLeaf(from);
      const base = from - (from & (LEAF_IDS - 1));
      found = leaf < 0 ? from : this.searchLeaf(leaf, base, from);
      if (found < 0) found = this.searchAfter(leaf, base);

    }
    if (fromLow) this.low = found;
    return found <= to ? found : -1;
  }

  ownerOf(id: number): number {
    // Ids in [capacity, cover) are never allocated: their owner is NO_HOLDER like any free id's.
    if (!(id >>> 0 === id && id < this.cover)) return ownerOutside(id);
    const leaf = this.findLeaf(id);
    return leaf < 0 ? NO_HOLDER : this.owners[leaf * LEAF_IDS + (id & (LEAF_IDS - 1))]!;
  }

  forEach(fn: (id: number, owner: number) => void): void {
    this.walk(this.root, this.height, 0, fn);
  }

  countIn(from: number, to: number): number {
    if (!(Number.isInteger(from) && Number.isInteger(to))) throw new ParameterError('countIn(from, to)', [from, to], 'integers');
    const last = Math.min(to, this.cover - 1);
    let n = 0;
    // Leaf by leaf: the bits of [from, last] in each, counted a word at a time.
    for (let base = Math.max(0, from) - (Math.max(0, from) & (LEAF_IDS - 1)); base <= last; base += LEAF_IDS) {
      const leaf = this.findLeaf(base);
      if (leaf < 0) continue;
      const lo = Math.max(from, base) - base;
      const hi = Math.min(last, base + LEAF_IDS - 1) - base;
      for (let w = lo >>> 5; w <= hi >>> 5; w++) {
        let word = this.bits[leaf * WORDS + w]!;
        if (w === lo >>> 5) word &= -1 << (lo & 31);
        if (w === hi >>> 5 && (hi & 31) !== 31) word &= (1 << ((hi & 31) + 1)) - 1;
        n += popcount(word);
      }
    }
    return n;
  }

  markAllocated(id: number, owner: number): BitmapIdSet {
    if (!(id >>> 0 === id && id < this.capacity && (owner | 0) === owner && owner >= 0)) this.badChange('markAllocated', id, owner);
    let leaf = id < this.cover ? this.findLeaf(id) : -1;
    if (leaf < 0) leaf = this.makeLeaf(id);
    const offset = id & (LEAF_IDS - 1);
    const w = leaf * WORDS + (offset >>> 5);
    const bit = 1 << (offset & 31);
    const word = this.bits[w]!;
    if ((word & bit) !== 0) stateError('markAllocated', id, 'a free id');
    const next = word | bit;
    this.bits[w] = next;
    this.owners[leaf * LEAF_IDS + offset] = owner;
    this.count++;
    if (id === this.low) this.low = id + 1;
    if (next === FULL) this.wordFilled(leaf, offset >>> 5);
    return this;
  }

  clearId(id: number): BitmapIdSet {
    if (!(id >>> 0 === id && id < this.capacity)) this.badChange('clearId', id, 0);
    const leaf = id < this.cover ? this.findLeaf(id) : -1;
    const offset = id & (LEAF_IDS - 1);
    const w = leaf * WORDS + (offset >>> 5);
    const bit = 1 << (offset & 31);
    const word = leaf < 0 ? 0 : this.bits[w]!;
    if ((word & bit) === 0) stateError('clearId', id, 'an allocated id');
    this.bits[w] = word & ~bit;
    this.owners[leaf * LEAF_IDS + offset] = NO_HOLDER;
    this.count--;
    if (id < this.low) this.low = id;
    if (word === FULL) this.wordOpened(leaf, offset >>> 5);
    return this;
  }

  setOwner(id: number, owner: number): BitmapIdSet {
    if (!(id >>> 0 === id && id < this.capacity && (owner | 0) === owner && owner >= 0)) this.badChange('setOwner', id, owner);
    const leaf = id < this.cover ? this.findLeaf(id) : -1;
    const at = leaf * LEAF_IDS + (id & (LEAF_IDS - 1));
    if (leaf < 0 || this.owners[at] === NO_HOLDER) stateError('setOwner', id, 'an allocated id');
    this.owners[at] = owner;
    return this;
  }

  clearAll(): BitmapIdSet {
    this.children = new Int32Array(4 * FAN);
    this.full = new Int32Array(4);
    this.nodeUp = new Int32Array(4);
    this.nodeSlot = new Int32Array(4);
    this.nodes = 0;
    this.bits = new Int32Array(2 * WORDS);
    this.leafFull = new Int32Array(2);
    this.owners = new Int32Array(2 * LEAF_IDS);
    this.leafUp = new Int32Array(2);
    this.leafSlot = new Int32Array(2);
    this.leaves = 0;
    this.near.fill(0);
    this.count = 0;
    this.height = 1;
    this.cover = CHILD_SPAN[1]! * FAN;
    this.root = this.newNode(-1, 0);
    this.lastBase = -1;
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

  /** Throws the ParameterError for a change asked with an id outside the set or a bad owner token. */
  private badChange(change: string, id: number, owner: number): never {
    requireId(`${change}(id)`, id, this.capacity);
    requireOwner(`${change}(owner)`, owner);
    throw new ParameterError(`${change}(id)`, id, 'an id of the IDA');
  }

  /**
   * Word `w` of `leaf` has just become full: so may the leaf, and then its parent's bit is set;
   * a parent that fills up sets its own parent's, and so on. (Out of line: rare, and it keeps
   * `markAllocated` small enough to be inlined where it is called.)
   */
  private wordFilled(leaf: number, w: number): void {
    const lf = this.leafFull[leaf]! | (1 << w);
    this.leafFull[leaf] = lf;
    if (lf !== FULL) return;
    let n = this.leafUp[leaf]!;
    let slot = this.leafSlot[leaf]!;
    while (n >= 0) {
      const f = this.full[n]! | (1 << slot);
      this.full[n] = f;
      if (f !== FULL) break;
      slot = this.nodeSlot[n]!;
      n = this.nodeUp[n]!;
    }
  }

  /**
   * Word `w` of `leaf` was full and is not any more: clear the summary bits that said so. Only a
   * subtree that was full has its bit set above it, so this stops at the first that was not.
   */
  private wordOpened(leaf: number, w: number): void {
    const lf = this.leafFull[leaf]!;
    this.leafFull[leaf] = lf & ~(1 << w);
    if (lf !== FULL) return;
    let n = this.leafUp[leaf]!;
    let slot = this.leafSlot[leaf]!;
    while (n >= 0) {
      const f = this.full[n]!;
      this.full[n] = f & ~(1 << slot);
      if (f !== FULL) break;
      slot = this.nodeSlot[n]!;
      n = this.nodeUp[n]!;
    }
  }

  /** The leaf holding `id` (0 ≤ id < cover), or -1 when the tree has none there. */
  private findLeaf(id: number): number {
    const chunk = id >>> LEAF_SHIFT;
    return chunk < NEAR_LEAVES ? this.near[chunk]! - 1 : this.findFarLeaf(id);
  }

  /** `findLeaf` beyond the flat table: the last one found, else a descent. */
  private findFarLeaf(id: number): number {
    const base = id - (id & (LEAF_IDS - 1));
    if (base === this.lastBase) return this.lastLeaf;
    let node = this.root;
    for (let level = this.height; level >= 1; level--) {
      const child = this.children[node * FAN + ((id >>> CHILD_SHIFT[level]!) & (FAN - 1))]!;
      if (child === 0) return -1;
      node = child - 1;
    }
    this.lastBase = base;
    this.lastLeaf = node;
    return node;
  }

  /** Creates the leaf of `id` (absent), and what is absent on the way to it; grows the tree to cover it. */
  private makeLeaf(id: number): number {
    while (id >= this.cover) this.grow();
    let node = this.root;
    for (let level = this.height; level > 1; level--) {
      const slot = (id >>> CHILD_SHIFT[level]!) & (FAN - 1);
      let child = this.children[node * FAN + slot]!;
      if (child === 0) {
        // newNode may replace the arrays: index them afresh afterwards.
        child = this.newNode(node, slot) + 1;
        this.children[node * FAN + slot] = child;
      }
      node = child - 1;
    }
    const slot = (id >>> LEAF_SHIFT) & (FAN - 1);
    const leaf = this.newLeaf(node, slot);
    this.children[node * FAN + slot] = leaf + 1;
    const chunk = id >>> LEAF_SHIFT;
    if (chunk < NEAR_LEAVES) this.near[chunk] = leaf + 1;
    return leaf;
  }

  /** The first free id after `leaf` (full from its base on, which is `base`); `cover` when none is. */
  private searchAfter(leaf: number, base: number): number {
    const parent = this.leafUp[leaf]!;
    const slot = this.leafSlot[leaf]!;
    const parentBase = base - slot * LEAF_IDS;
    const rest = slot >= FAN - 1 ? 0 : ~this.full[parent]! & (FULL << (slot + 1));
    if (rest !== 0) {
      const next = ctz(rest);
      const child = this.children[parent * FAN + next]!;
      const childBase = parentBase + next * LEAF_IDS;
      // A child that is not full has a free id from its base on; an absent one is all free.
      return child === 0 ? childBase : this.searchLeaf(child - 1, childBase, childBase);
    }
    const after = parentBase + FAN * LEAF_IDS;
    if (after >= this.cover) return this.cover;
    const found = this.searchNode(this.root, this.height, 0, after);
    return found < 0 ? this.cover : found;
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
    const top = this.newNode(-1, 0);
    this.children[top * FAN] = old + 1;
    this.nodeUp[old] = top;
    this.nodeSlot[old] = 0;
    if (this.full[old] === FULL) this.full[top] = 1;
    this.root = top;
    this.height++;
    this.cover = CHILD_SPAN[this.height]! * FAN;
    this.lastBase = -1; // every descent now starts one level higher
  }

  private newNode(up: number, slot: number): number {
    if (this.nodes === this.full.length) {
      const length = this.full.length * 2;
      this.full = grown(this.full, length);
      this.nodeUp = grown(this.nodeUp, length);
      this.nodeSlot = grown(this.nodeSlot, length);
      this.children = grown(this.children, length * FAN);
    }
    const node = this.nodes++;
    this.nodeUp[node] = up;
    this.nodeSlot[node] = slot;
    return node;
  }

  private newLeaf(up: number, slot: number): number {
    if (this.leaves === this.leafFull.length) {
      const length = this.leafFull.length * 2;
      this.leafFull = grown(this.leafFull, length);
      this.leafUp = grown(this.leafUp, length);
      this.leafSlot = grown(this.leafSlot, length);
      this.bits = grown(this.bits, length * WORDS);
      this.owners = grown(this.owners, length * LEAF_IDS);
    }
    const leaf = this.leaves++;
    this.leafUp[leaf] = up;
    this.leafSlot[leaf] = slot;
    this.owners.fill(NO_HOLDER, leaf * LEAF_IDS, (leaf + 1) * LEAF_IDS);
    return leaf;
  }
}

/** `ownerOf` for an id outside what the tree covers: nobody holds it, if it is an integer. */
function ownerOutside(id: number): number {
  if (!Number.isInteger(id)) throw new ParameterError('ownerOf(id)', id, 'an integer');
  return NO_HOLDER;
}

/** Throws the error of a change the set's state does not allow (out of line, like every cold path). */
function stateError(change: string, id: number, expected: string): never {
  throw new IdSetStateError(change, id, expected);
}

function grown(a: Int32Array, length: number): Int32Array {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
