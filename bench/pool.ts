import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative, sep } from 'node:path';
import { checkPaths, listCheckFiles, type CheckRun } from '../src/check/index.js';
import { findKernelTree, workTree } from '../src/kunit/tree.js';
import { SUITE_FILE } from '../src/kunit/run.js';

/**
 * `npm run bench pool` (issue 14 item 4): `auxbus check` over a whole kernel tree, every `.c` and
 * `.h` file, in one thread (`jobs: 1`, the baseline) and in the pool of worker threads (`jobs`:
 * the available parallelism), on the same file list in the same run; the two results must be
 * identical. The tree is the one `auxbus kunit --run` uses (Debian's linux-source-6.12, unpacked
 * once into the cache; nothing is installed here) or KERNEL_SRC; the KUnit suite the kunit runner
 * writes into its copy is left out (it is this project's, not the kernel's). Target: the whole
 * tree in under 60 s with the pool.
 */

/** The measured run. */
export interface PoolBenchResult {
  tree: string;
  files: number;
  usingFiles: number;
  functions: number;
  threads: number;
  singleSeconds: number;
  poolSeconds: number;
  /** CPU seconds of the process (every thread) during each run. */
  singleCpu: number;
  poolCpu: number;
  /** singleSeconds / poolSeconds. */
  speedUp: number;
  identical: boolean;
  target: number;
  met: boolean;
}

function treeRoot(log: (line: string) => void): string | null {
  try {
    const source = findKernelTree(undefined, { ...process.env, AUXBUS_NO_INSTALL: '1' });
    return source.kind === 'directory' ? source.path : workTree(source, undefined, log).src;
  } catch (e) {
    log(`  no kernel tree (${e instanceof Error ? e.message : String(e)}): skipped`);
    return null;
  }
}

/** Runs the bench; null when there is no kernel tree to run it on. */
export async function benchPool(log: (line: string) => void, target = 60): Promise<PoolBenchResult | null> {
  const root = treeRoot(log);
  if (root === null) return null;
  const files = listCheckFiles([root]).filter((f) => relative(root, f).split(sep).join('/') !== SUITE_FILE);
  // Both runs read the files from the page cache: read them all once first.
  for (const f of files) {
    try {
      readFileSync(f);
    } catch {
      // The check reports it.
    }
  }
  const threads = availableParallelism();
  // CPU time of every thread of the process: on a loaded machine, how much of the cores a run got.
  const time = async (jobs: number): Promise<{ run: CheckRun; seconds: number; cpu: number }> => {
    const t = performance.now();
    const c = process.cpuUsage();
    const run = await checkPaths(files, { jobs });
    const used = process.cpuUsage(c);
    return { run, seconds: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
  const single = await time(1);
  log(`  one thread:        ${single.seconds.toFixed(1).padStart(6)} s, CPU ${single.cpu.toFixed(1)} s  (${single.run.files} files, ${single.run.relevantFiles} past the pre-filter, ${single.run.functions} functions, ${single.run.paths} paths, ${single.run.findings.length} findings, ${single.run.notAnalysed.length} not analysed)`);
  const pool = await time(threads);
  const identical = JSON.stringify(pool.run) === JSON.stringify(single.run);
  const speedUp = single.seconds / pool.seconds;
  log(`  ${`${threads} worker threads:`.padEnd(18)} ${pool.seconds.toFixed(1).padStart(6)} s, CPU ${pool.cpu.toFixed(1)} s  ratio ${speedUp.toFixed(2)}× faster than one thread; result ${identical ? 'identical' : 'DIFFERENT'}; target under ${target} s: ${pool.seconds < target ? 'met' : 'NOT met'}`);
  return {
    tree: root, files: single.run.files, usingFiles: single.run.relevantFiles, functions: single.run.functions, threads,
    singleSeconds: single.seconds, poolSeconds: pool.seconds, singleCpu: single.cpu, poolCpu: pool.cpu, speedUp, identical, target, met: pool.seconds < target && identical,
  };
}
