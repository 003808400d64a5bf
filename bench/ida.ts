import type { IdaContext, IdaEvent } from '../machines/index.js';
import { compileMachine } from '../src/model/compile.js';
import { idaMachine } from '../machines/index.js';
import { measure, type BenchResult } from './measure.js';

/**
 * The IDA: a mixed stream of lowest-free allocations and frees through the model's own IDA
 * machine (the compiled table the runtime steps), against a naive allocator with the same
 * semantics (a Set, scanned upward from min for the lowest free id).
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

/** `ops` mixed operations with up to `live` ids held, both allocators; checks they hand out the same ids. */
export function benchIda(ops: number, live: number): BenchResult[] {
  const s = stream(ops, live);
  const max = 2 ** 31 - 1;
  let naiveSum = 0;
  const naive = measure(`naive Set + scan IDA: ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    const ida = new NaiveIda();
    const held: number[] = [];
    let sum = 0;
    for (const op of s) {
      if (op.alloc) {
        const id = ida.alloc(0, max);
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
  }, 3);
  const table = compileMachine<IdaContext, IdaEvent>(idaMachine);
  let modelSum = 0;
  const model = measure(`IDA machine (compiled, as the runtime steps it): ${ops} mixed ops, up to ${live} ids held`, ops, () => {
    let state = table.initial({});
    const held: number[] = [];
    let sum = 0;
    const alloc: IdaEvent = { type: 'ALLOC', min: 0, max, owner: 0, fault: false };
    for (const op of s) {
      if (op.alloc) {
        const before = state;
        state = table.advance(state, alloc);
        const ret = table.effects.find((e) => e.type === 'returns')!.params as { value: number };
        if (state === before && ret.value < 0) throw new Error('IDA machine refused an allocation');
        held.push(ret.value);
        sum += ret.value;
      } else {
        const k = Math.floor(op.pick * held.length);
        state = table.advance(state, { type: 'FREE', id: held[k]!, owner: 0 });
        held[k] = held[held.length - 1]!;
        held.pop();
      }
    }
    modelSum = sum;
  }, 3);
  if (naiveSum !== modelSum) throw new Error(`the two IDAs handed out different ids (${naiveSum} vs ${modelSum})`);
  model.ratio = model.seconds / naive.seconds;
  model.target = 'at least 50× faster than the naive IDA and 20M ops/s';
  model.met = model.ratio <= 1 / 50 && model.opsPerSecond >= 20e6;
  return [naive, model];
}
