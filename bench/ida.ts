import { Worker } from 'node:worker_threads';
import type { BenchResult } from './measure.js';
import type { SubjectName, SubjectRun } from './ida-subjects.js';

/**
 * The IDA: a mixed stream of lowest-free allocations and frees, run the way the runtime runs its
 * IDA (`IdaCore`: the facts read from a hierarchical bitmap by `idaEvent`, the step generated from
 * the IDA machine, its set effects carried out on the bitmap: what `Ida.alloc` / `Ida.free` do
 * inside the kernel's call bookkeeping), against a naive allocator with the same semantics (a Set,
 * scanned upward from min for the lowest free id) and against a flat `Uint32Array` bitmap written
 * by hand (the baseline a careful C or JS programmer would write; target within 1.5× of it). For
 * reference, without a target: the bitmap
 * driven directly (what is left without facts and machine), and the whole runtime `Ida` (call
 * numbering, fault injection, where each id was allocated). Each is measured in a worker thread
 * of its own (`ida-worker.ts`); all must hand out the same ids.
 */

function inWorker(subject: SubjectName, ops: number, live: number): Promise<SubjectRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./ida-worker.js', import.meta.url), { workerData: { subject, ops, live } });
    worker.once('message', (run: SubjectRun) => resolve(run));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`IDA bench worker '${subject}' exited with code ${code}`));
    });
  });
}

/** `ops` mixed operations with up to `live` ids held, each allocator; checks they hand out the same ids. */
export async function benchIda(ops: number, live: number): Promise<BenchResult[]> {
  const naive = await inWorker('naive', ops, live);
  const flat = await inWorker('flat', ops, live);
  const model = await inWorker('model', ops, live);
  const bitmap = await inWorker('bitmap', ops, live);
  const runtime = await inWorker('runtime', ops, live);
  for (const [name, run] of [['the flat bitmap', flat], ['the IDA machine', model], ['the bitmap', bitmap], ['the runtime Ida', runtime]] as const) {
    if (run.sum !== naive.sum) throw new Error(`${name} handed out different ids than the naive IDA (${run.sum} vs ${naive.sum})`);
  }
  const ratio = (r: BenchResult) => r.seconds / naive.result.seconds;
  const m = model.result;
  m.ratio = ratio(m);
  if (live >= 2000) {
    m.target = 'at least 50× faster than the naive IDA and 20M ops/s';
    m.met = m.ratio <= 1 / 50 && m.opsPerSecond >= 20e6;
  } else {
    // With 100 ids the naive scan is short; 50× of it would be hundreds of millions of ops/s.
    // The target is set where the scan is slow: 2,000 ids held and more.
    m.target = 'reference only: the target applies from 2,000 ids held';
  }
  for (const r of [flat.result, bitmap.result, runtime.result]) {
    r.ratio = ratio(r);
    r.target = 'reference only';
  }
  // The honest baseline: the machine-driven IDA against a flat bitmap written by hand.
  const againstFlat: BenchResult = {
    ...m,
    name: `IdaCore against the flat bitmap: ${ops} mixed ops, up to ${live} ids held`,
    ratio: m.seconds / flat.result.seconds,
    target: 'within 1.5× of the flat bitmap',
  };
  againstFlat.met = againstFlat.ratio! <= 1.5;
  return [naive.result, flat.result, m, againstFlat, bitmap.result, runtime.result];
}
