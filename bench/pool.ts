import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCheckFiles } from '../src/check/index.js';
import { findKernelTree, workTree } from '../src/kunit/tree.js';
import { SUITE_FILE } from '../src/kunit/run.js';
import { writeGeneratedDir } from './check.js';

/**
 * `npm run bench pool` (issue 14 item 4): `auxbus check` in one thread (`jobs: 1`, the baseline)
 * and in the pool of worker threads (`jobs`: the available parallelism) on the same files in the
 * same run, the two results compared (they must be identical):
 *
 * - a whole kernel tree, every `.c` and `.h` file: the one `auxbus kunit --run` uses (Debian's
 *   linux-source-6.12, unpacked once into the cache; nothing is installed here) or KERNEL_SRC,
 *   without the KUnit suite the kunit runner writes into its copy (this project's, not the
 *   kernel's). Target: under 60 s with the pool.
 * - 2,000 generated files that all use the bus (bench/check.ts's), where checking, not reading,
 *   is the work: how the pool scales when there is work to share (a reference, no target).
 *
 * Each side runs in a process of its own (pool-run.ts), as `auxbus check` does: cold, its wall
 * time from spawn to exit. Each runs `repeats` times, alternately, and the fastest of each is
 * kept: on a machine shared with other work that comes and goes, the fastest run is the one the
 * others disturbed least, and alternating gives both sides the same chances. The CPU time of
 * every thread of the process is printed beside the wall time: each worker thread starts cold (it
 * loads the checker and its JIT warms up again), which the pool pays once per thread.
 */

/** One measured comparison. */
export interface PoolBenchRow {
  name: string;
  files: number;
  usingFiles: number;
  functions: number;
  threads: number;
  singleSeconds: number;
  poolSeconds: number;
  /** CPU seconds of the process (every thread, from its start) in the fastest run of each side. */
  singleCpu: number;
  poolCpu: number;
  /** singleSeconds / poolSeconds. */
  speedUp: number;
  identical: boolean;
  /** Seconds the pool must stay under, or null for a reference figure. */
  target: number | null;
  met: boolean;
}

function treeRoot(log: (line: string) => void): string | null {
  try {
    const source = findKernelTree(undefined, { ...process.env, AUXBUS_NO_INSTALL: '1' });
    return source.kind === 'directory' ? source.path : workTree(source, undefined, log).src;
  } catch (e) {
    log(`  no kernel tree (${e instanceof Error ? e.message : String(e)}): the whole-tree figure is skipped`);
    return null;
  }
}

interface SideRun {
  seconds: number;
  cpu: number;
  hash: string;
  files: number;
  relevantFiles: number;
  functions: number;
  paths: number;
  findings: number;
  notAnalysed: number;
}

/** One side in a fresh process (pool-run.ts): wall time from spawn to exit, as a user sees it. */
function side(listFile: string, jobs: number): SideRun {
  const t = performance.now();
  const out = execFileSync(process.execPath, [POOL_RUN, listFile, String(jobs)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const seconds = (performance.now() - t) / 1000;
  return { seconds, ...(JSON.parse(out) as Omit<SideRun, 'seconds'>) };
}

const POOL_RUN = fileURLToPath(new URL('./pool-run.js', import.meta.url));

function compare(name: string, files: string[], repeats: number, target: number | null, log: (line: string) => void): PoolBenchRow {
  // Both sides read the files from the page cache: read them all once first.
  for (const f of files) {
    try {
      readFileSync(f);
    } catch {
      // The check reports it.
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-bench-pool-'));
  const listFile = join(dir, 'files.txt');
  writeFileSync(listFile, `${files.join('\n')}\n`);
  const threads = availableParallelism();
  let single: SideRun | null = null;
  let pool: SideRun | null = null;
  let identical = true;
  log(`${name}:`);
  try {
    for (let r = 0; r < repeats; r++) {
      const s = side(listFile, 1);
      const p = side(listFile, threads);
      identical &&= p.hash === s.hash && (single === null || s.hash === single.hash);
      log(`  run ${r + 1}: one thread ${s.seconds.toFixed(1)} s (CPU ${s.cpu.toFixed(1)} s), ${threads} worker threads ${p.seconds.toFixed(1)} s (CPU ${p.cpu.toFixed(1)} s)`);
      if (single === null || s.seconds < single.seconds) single = s;
      if (pool === null || p.seconds < pool.seconds) pool = p;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (single === null || pool === null) throw new Error('benchPool: repeats must be at least 1');
  const speedUp = single.seconds / pool.seconds;
  const met = identical && (target === null || pool.seconds < target);
  log(`  ${single.files} files, ${single.relevantFiles} past the pre-filter, ${single.functions} functions, ${single.paths} paths, ${single.findings} findings, ${single.notAnalysed} not analysed`);
  log(`  fastest: one thread ${single.seconds.toFixed(1)} s, ${threads} worker threads ${pool.seconds.toFixed(1)} s: ratio ${speedUp.toFixed(2)}× ` +
    `(one thread's time over the pool's); results ${identical ? 'identical' : 'DIFFERENT'}` +
    (target === null ? ' (reference)' : `; target under ${target} s: ${pool.seconds < target ? 'met' : 'NOT met'}`));
  return {
    name, files: single.files, usingFiles: single.relevantFiles, functions: single.functions, threads,
    singleSeconds: single.seconds, poolSeconds: pool.seconds, singleCpu: single.cpu, poolCpu: pool.cpu, speedUp, identical, target, met,
  };
}

/** Runs the bench: the whole kernel tree (when there is one) and the generated files. */
export async function benchPool(log: (line: string) => void, repeats = 3): Promise<PoolBenchRow[]> {
  const rows: PoolBenchRow[] = [];
  const root = treeRoot(log);
  if (root !== null) {
    const files = listCheckFiles([root]).filter((f) => relative(root, f).split(sep).join('/') !== SUITE_FILE);
    rows.push(compare('a whole kernel tree, every .c and .h file', files, repeats, 60, log));
  }
  const { dir } = writeGeneratedDir(2000, 1);
  try {
    rows.push(compare('2,000 generated files, every one using the bus', listCheckFiles([dir]), repeats, null, log));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
