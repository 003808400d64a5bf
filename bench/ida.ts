import { applyIdaEffect, CODE_OWNER, idaEvent, idaEventBuffers, type IdaCall, type ReturnsParams } from '../machines/index.js';
import { Kernel } from '../src/runtime/kernel.js';
import { BitmapIdSet } from '../src/runtime/ida-bitmap.js';
import { tables } from '../src/runtime/tables.js';
import { measure, type BenchResult } from './measure.js';

/**
 * The IDA: a mixed stream of lowest-free allocations and frees, run the way the runtime runs its
 * IDA (the facts read from a hierarchical bitmap by `idaEvent`, the compiled IDA machine stepped,
 * its set effects carried out by `applyIdaEffect`: what `Ida.alloc` / `Ida.free` do inside the
 * kernel's call bookkeeping), against a naive allocator with the same semantics (a Set, scanned
 * upward from min for the lowest free id). The whole runtime `Ida` (call numbering, fault
 * injection, where each id was allocated) is measured too, for reference, without a target.
 */

/** A deterministic stream: allocate while fewer than `live` ids are held, else free one of them. */
function stream(ops: number, live: number): Array<{ alloc: boolean; pick: number }> {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  let held = 0;
  const out: Array<{ alloc: boolean; pick: number }> = [];
  for (let i = 0; i < ops; i++) {
    const alloc = held === 0 || (held < live && rand() < 0.55);
    out.push({ alloc, pick: rand() });
    held += alloc ? 1 : -1;
  }
  return out;
}

/** A Set with a linear scan for the lowest free id: the baseline. */
class NaiveIda {
  private readonly ids = new Set<number>();
  alloc(min: number, max: number): number {
    for (let id = min; id <= max; id++) {
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
    return -28;
  }
  free(id: number): boolean {
    return this.ids.delete(id);
  }
}

const MAX = 2 ** 31 - 1;

/**
 * One IDA call as the runtime's `Ida` makes it, minus the kernel's bookkeeping: its reused call
 * and event objects, the facts from its bitmap, the runtime's compiled table, the set effects
 * carried out with the step (`onStep`), the returned value read (`KernelObject.send`).
 */
class RuntimeIdaCore {
  private readonly table = tables.ida;
  private machine = this.table.initial();
  private readonly set = new BitmapIdSet();
  private readonly events = idaEventBuffers();
  private readonly allocCall = { type: 'ALLOC' as const, min: 0, max: MAX, owner: CODE_OWNER, fault: false };
  private readonly freeCall = { type: 'FREE' as const, id: 0, owner: CODE_OWNER };

  alloc(min: number, max: number): number {
    const call = this.allocCall;
    call.min = min;
    call.max = max;
    return this.call(call) ?? -1;
  }

  free(id: number, owner: number): void {
    const call = this.freeCall;
    call.id = id;
    call.owner = owner;
    this.call(call);
  }

  private call(call: IdaCall): number | undefined {
    const event = idaEvent(this.set, call, this.events);
    this.machine = this.table.advance(this.machine, event);
    const effects = this.table.effects;
    for (let i = 0; i < effects.length; i++) applyIdaEffect(this.set, effects[i]!.type, event);
    let returned: number | undefined;
    for (let i = 0; i < effects.length; i++) {
      const e = effects[i]!;
      if (e.type === 'returns') returned ??= (e.params as ReturnsParams).value;
    }
    return returned;
  }
}

/** `ops` mixed operations with up to `live` ids held, each allocator; checks they hand out the same ids. */
export function benchIda(ops: number, live: number): BenchResult[] {
  const s = stream(ops, live);
  // The naive scan at 10,000 ids held takes seconds per run: one timed run after the warm-up.
  const naiveRepeats = live > 2000 ? 1 : 3;
  let naiveSum = 0;
  const naive = measure(`naive Set + scan IDA: ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    const ida = new NaiveIda();
    const held: number[] = [];
    let sum = 0;
    for (const op of s) {
      if (op.alloc) {
        const id = ida.alloc(0, MAX);
        held.push(id);
        sum += id;
      } else {
        const k = Math.floor(op.pick * held.length);
        ida.free(held[k]!);
        held[k] = held[held.length - 1]!;
        held.pop();
      }
    }
    naiveSum = sum;
  }, naiveRepeats);

  let modelSum = 0;
  const model = measure(`IDA machine (compiled) + bitmap, as the runtime steps it: ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    const ida = new RuntimeIdaCore();
    const held: number[] = [];
    let sum = 0;
    for (const op of s) {
      if (op.alloc) {
        const id = ida.alloc(0, MAX);
        if (id < 0) throw new Error('IDA machine refused an allocation');
        held.push(id);
        sum += id;
      } else {
        const k = Math.floor(op.pick * held.length);
        ida.free(held[k]!, CODE_OWNER);
        held[k] = held[held.length - 1]!;
        held.pop();
      }
    }
    modelSum = sum;
  }, 5);
  if (naiveSum !== modelSum) throw new Error(`the two IDAs handed out different ids (${naiveSum} vs ${modelSum})`);
  model.ratio = model.seconds / naive.seconds;
  model.target = 'at least 50× faster than the naive IDA and 20M ops/s';
  model.met = model.ratio <= 1 / 50 && model.opsPerSecond >= 20e6;

  let runtimeSum = 0;
  const runtime = measure(`runtime Ida (k.idaInit: ida.alloc / ida.free, whole call): ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    const k = new Kernel({ maxCalls: ops + 1 });
    const ida = k.idaInit('bench');
    const held: number[] = [];
    let sum = 0;
    for (const op of s) {
      if (op.alloc) {
        const id = ida.alloc();
        held.push(id);
        sum += id;
      } else {
        const j = Math.floor(op.pick * held.length);
        ida.free(held[j]!, 'code');
        held[j] = held[held.length - 1]!;
        held.pop();
      }
    }
    runtimeSum = sum;
  }, 3);
  if (runtimeSum !== naiveSum) throw new Error(`the runtime Ida handed out different ids (${runtimeSum} vs ${naiveSum})`);
  runtime.ratio = runtime.seconds / naive.seconds;
  runtime.target = 'reference only';
  return [naive, model, runtime];
}
