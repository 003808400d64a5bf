/** One measured figure. */
export interface BenchResult {
  name: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  heapMiB: number;
  /** Time ratio against the baseline measured in the same run (>1: slower than the baseline). */
  ratio?: number;
  target?: string;
  met?: boolean;
}

/**
 * Runs `fn` (which does `ops` operations) a few times after a warm-up and keeps the fastest run,
 * so that a GC pause or a JIT tier-up does not decide the figure. `warmUp: false` skips the
 * warm-up for runs so long that it would only double the time.
 */
export function measure(name: string, ops: number, fn: () => void, repeats = 5, warmUp = true): BenchResult {
  if (warmUp) fn(); // let the JIT settle
  let best = Infinity;
  let heap = 0;
  for (let r = 0; r < repeats; r++) {
    const before = process.memoryUsage().heapUsed;
    const t = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    heap = Math.max(heap, process.memoryUsage().heapUsed - before);
    best = Math.min(best, s);
  }
  return { name, ops, seconds: best, opsPerSecond: ops / best, heapMiB: Math.max(heap, 0) / 2 ** 20 };
}

/** One line per result. */
export function formatResult(r: BenchResult): string {
  const verdict = r.met === undefined ? r.target : `${r.target}: ${r.met ? 'met' : 'NOT met'}`;
  const ratio = r.ratio === undefined ? '' : `  ratio ${r.ratio.toFixed(r.ratio < 0.1 ? 4 : 2)}× (${verdict})`;
  return `${r.name.padEnd(60)} ${(r.opsPerSecond / 1e6).toFixed(3).padStart(9)} M/s  ${(r.seconds * 1e3).toFixed(1).padStart(8)} ms  heap +${r.heapMiB.toFixed(1)} MiB${ratio}`;
}
