import { CODE_OWNER, lowestFree, NO_HOLDER } from '../machines/index.js';
import { Kernel } from '../src/runtime/kernel.js';
import { BitmapIdSet } from '../src/runtime/ida-bitmap.js';
import { IdaCore, type IdaSink } from '../src/runtime/ida-core.js';
import { measure, type BenchResult } from './measure.js';

/**
 * The allocators the IDA bench measures, each on the same deterministic stream of lowest-free
 * allocations and frees. `bench/ida.ts` runs each in a worker of its own (`ida-worker.ts`).
 */

/**
 * A deterministic stream: allocate while fewer than `live` ids are held, else free one of them.
 * `pick` is the index, in the stack of ids held, of the one a free takes: computed here, since
 * how many are held before each operation is fixed by the stream. Typed arrays, and a typed stack
 * of the ids held: the loop that drives an allocator costs about 6 ns an operation (a null
 * allocator run through it does 160M ops/s), the same for every allocator measured.
 */
interface Stream { alloc: Uint8Array; pick: Int32Array }

function stream(ops: number, live: number): Stream {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  let held = 0;
  const out: Stream = { alloc: new Uint8Array(ops), pick: new Int32Array(ops) };
  for (let i = 0; i < ops; i++) {
    const alloc = held === 0 || (held < live && rand() < 0.55);
    out.alloc[i] = alloc ? 1 : 0;
    const r = rand();
    if (!alloc) out.pick[i] = Math.floor(r * held);
    held += alloc ? 1 : -1;
  }
  return out;
}

/** A Set with a linear scan for the lowest free id: the baseline. */
class NaiveIda implements Allocator {
  private readonly ids = new Set<number>();
  alloc(min = 0, max = MAX): number {
    for (let id = min; id <= max; id++) {
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
    return -28;
  }
  free(id: number): void {
    this.ids.delete(id);
  }
}

const MAX = 2 ** 31 - 1;

/** The IDA machine must report nothing on this stream: a violation here is a bug. */
const FAIL_ON_REPORT: IdaSink = {
  violation: (params) => { throw new Error(`the IDA machine reported ${params.code} on the bench stream`); },
  kernelLog: (params) => { throw new Error(`the IDA machine logged '${params.text}' on the bench stream`); },
};

/**
 * One IDA call as the runtime's `Ida` makes it, minus the kernel's bookkeeping around it (call
 * numbering, the fault decision, where each id was allocated): the runtime's own `IdaCore` (the
 * call's facts read from its bitmap, the machine's generated step of that call type, the set
 * effects carried out, the returned value), with reused call objects as `Ida` keeps them.
 */
class RuntimeIdaCore implements Allocator {
  private readonly core = new IdaCore(FAIL_ON_REPORT);
  private readonly allocCall = { type: 'ALLOC' as const, min: 0, max: MAX, owner: CODE_OWNER, fault: false };
  private readonly freeCall = { type: 'FREE' as const, id: 0, owner: CODE_OWNER };

  alloc(): number {
    const id = this.core.stepAlloc(this.core.allocEvent(this.allocCall)) ?? -1;
    if (id < 0) throw new Error(`the IDA machine refused an allocation (${id})`);
    return id;
  }

  free(id: number): void {
    const call = this.freeCall;
    call.id = id;
    this.core.stepFree(this.core.freeEvent(call));
  }
}

/** What one measured allocator gives: its figure and the sum of the ids it handed out. */
export interface SubjectRun { result: BenchResult; sum: number }

/** The allocators measured, by name. */
export type SubjectName = 'naive' | 'flat' | 'model' | 'bitmap' | 'runtime';

/** An allocator as the stream drives it: the lowest free id of the whole space, and a free. */
interface Allocator {
  alloc(): number;
  free(id: number): void;
}

/**
 * Drives one allocator through the stream; returns the sum of the ids it handed out. One loop for
 * every allocator: each is measured alone in its worker, so its calls here see one class only.
 */
function drive(ida: Allocator, s: Stream, held: Int32Array, ops: number): number {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < ops; i++) {
    if (s.alloc[i] === 1) {
      const id = ida.alloc();
      held[n++] = id;
      sum += id;
    } else {
      const k = s.pick[i]!;
      ida.free(held[k]!);
      held[k] = held[--n]!;
    }
  }
  return sum;
}

/** Ids the flat bitmap covers: 2^20, far above what the stream holds (at most 10,000). */
const FLAT_IDS = 1 << 20;

/**
 * The flat-bitmap baseline: what a careful hand-written IDA is without a model. One `Uint32Array`
 * of bits (set: allocated) and one of owners, the word below which every word is full remembered
 * (lowest-free allocation starts there), the lowest free id of [min, max] by one `Math.clz32` per
 * word, a fault making an allocation fail with -ENOMEM, and a free that is reported (thrown, as
 * the machine's report is on this stream) when the id is not allocated or another owner holds it.
 */
class FlatBitmapIda implements Allocator {
  private readonly bits = new Uint32Array(FLAT_IDS >>> 5);
  private readonly owners = new Int32Array(FLAT_IDS).fill(NO_HOLDER);
  private full = 0;
  alloc(min = 0, max = FLAT_IDS - 1, owner = CODE_OWNER, fault = false): number {
    const last = Math.min(max, FLAT_IDS - 1) >>> 5;
    let w = min >>> 5;
    let free = ~this.bits[w]! & (-1 << (min & 31));
    if (w < this.full) free = ~this.bits[(w = this.full)]!;
    while (free === 0) {
      if (++w > last) return -28;
      free = ~this.bits[w]!;
    }
    const id = (w << 5) | (31 - Math.clz32(free & -free));
    if (id > max) return -28;
    if (fault) return -12;
    this.bits[w] = this.bits[w]! | (1 << (id & 31));
    this.owners[id] = owner;
    while (this.bits[this.full] === 0xffffffff) this.full++;
    return id;
  }
  free(id: number, owner = CODE_OWNER): void {
    const w = id >>> 5;
    if ((this.bits[w]! & (1 << (id & 31))) === 0) throw new Error(`flat bitmap: ida_free(${id}) of a free id on the bench stream`);
    if (this.owners[id] !== owner) throw new Error(`flat bitmap: ida_free(${id}) by another owner on the bench stream`);
    this.bits[w] = this.bits[w]! & ~(1 << (id & 31));
    this.owners[id] = NO_HOLDER;
    if (w < this.full) this.full = w;
  }
}

/** The bitmap driven directly: the lowest free id, mark it; who holds an id, clear it. */
class BareBitmap implements Allocator {
  private readonly set = new BitmapIdSet();
  alloc(): number {
    const id = lowestFree(this.set, 0, MAX);
    this.set.markAllocated(id, CODE_OWNER);
    return id;
  }
  free(id: number): void {
    if (this.set.ownerOf(id) !== NO_HOLDER) this.set.clearId(id);
  }
}

/** The runtime's whole `Ida`, each call through the kernel's bookkeeping. */
class WholeIda implements Allocator {
  private readonly ida = new Kernel({ maxCalls: 2 ** 31 - 1 }).idaInit('bench');
  alloc(): number {
    return this.ida.alloc();
  }
  free(id: number): void {
    this.ida.free(id, 'code');
  }
}

const SUBJECTS: Record<SubjectName, { label: string; repeats: (live: number) => number; warmUp: (live: number) => boolean; make: () => Allocator }> = {
  naive: {
    label: 'naive Set + scan IDA',
    // The naive scan at 10,000 ids held takes seconds per run: one timed run, no warm-up (a JIT
    // warm-up is nothing against a 20-second run).
    repeats: (live) => (live > 2000 ? 1 : 3),
    warmUp: (live) => live <= 2000,
    make: () => new NaiveIda(),
  },
  flat: { label: 'flat Uint32Array bitmap IDA (baseline)', repeats: () => 10, warmUp: () => true, make: () => new FlatBitmapIda() },
  model: {
    label: 'IDA machine + bitmap, as the runtime steps it (IdaCore)',
    // A run is about 0.05 s: the best of ten, so that a share of the two cores taken by other
    // work for a moment does not decide the figure.
    repeats: () => 10,
    warmUp: () => true,
    make: () => new RuntimeIdaCore(),
  },
  // The floor under the model's figure: the same bitmap, no facts, no machine.
  bitmap: { label: 'bitmap alone, no machine (reference)', repeats: () => 10, warmUp: () => true, make: () => new BareBitmap() },
  runtime: { label: 'runtime Ida (k.idaInit: ida.alloc / ida.free, whole call)', repeats: () => 3, warmUp: () => true, make: () => new WholeIda() },
};

/** Whether `name` is an allocator this bench measures. */
export function isSubject(name: unknown): name is SubjectName {
  return typeof name === 'string' && Object.hasOwn(SUBJECTS, name);
}

/** Measures one allocator on `ops` operations of the stream with up to `live` ids held. */
export function measureSubject(name: SubjectName, ops: number, live: number): SubjectRun {
  const subject = SUBJECTS[name];
  const s = stream(ops, live);
  const held = new Int32Array(live);
  let sum = 0;
  const result = measure(`${subject.label}: ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    sum = drive(subject.make(), s, held, ops);
  }, subject.repeats(live), subject.warmUp(live));
  return { result, sum };
}
