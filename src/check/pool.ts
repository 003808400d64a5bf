import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckSourceOptions, FileCheck } from './check.js';
import type { ChunkReply, ChunkRequest } from './worker.js';

/**
 * `checkPaths`'s worker threads: a pool of threads (worker.ts), each handed the next chunk of
 * files as soon as it answers the last, so a slow file holds up only its own thread. Answers
 * come back in any order and are handed on in the files' order, so a run's result (and what its
 * callbacks see) is the same whatever the number of threads.
 */

/** The most files in one chunk. */
export const MAX_CHUNK_FILES = 64;

/**
 * The worker's compiled script beside this module, or null where there is none: a checkout run
 * from its TypeScript sources (the tests under vitest) has no worker.js, and checks in its own
 * thread. The package always has it.
 */
export function workerScript(): URL | null {
  const url = new URL('./worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * Files per chunk: small enough that the threads share the slow files (about 8 chunks per
 * thread on a small run), at most {@link MAX_CHUNK_FILES} so that a thread holding a slow file
 * holds few others.
 * @example chunkSize(60_000, 2) // 64
 */
export function chunkSize(files: number, threads: number): number {
  return Math.max(1, Math.min(MAX_CHUNK_FILES, Math.floor(files / (threads * 8))));
}

/**
 * Checks `files` (each given its `siblings`, linked.ts) on `threads` worker threads; `take(index, check)` is called once per file, in
 * the order of `files`. Rejects when a thread fails (it cannot load, dies, or a chunk throws),
 * after stopping every thread.
 */
export function checkInPool(
  script: URL, files: readonly string[], siblings: readonly string[][], options: CheckSourceOptions, threads: number, take: (index: number, check: FileCheck) => void,
): Promise<void> {
  const size = chunkSize(files.length, threads);
  const chunks = Math.ceil(files.length / size);
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    const answered: Array<FileCheck[] | undefined> = [];
    let sent = 0;
    let merged = 0;
    let settled = false;
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      // Every thread is stopped before the promise settles: none outlives the run.
      void Promise.all(workers.map((w) => w.terminate())).then(() => (error ? reject(error) : resolve()), () => (error ? reject(error) : resolve()));
    };
    const give = (w: Worker): void => {
      if (sent >= chunks) return;
      const chunk = sent++;
      w.postMessage({ chunk, files: files.slice(chunk * size, (chunk + 1) * size), siblings: siblings.slice(chunk * size, (chunk + 1) * size) } satisfies ChunkRequest);
    };
    const onReply = (w: Worker, m: ChunkReply): void => {
      if (settled) return;
      if ('error' in m) {
        settle(new Error(`checking ${files[m.chunk * size]} and the files after it in a worker thread failed: ${m.error}`));
        return;
      }
      answered[m.chunk] = m.results;
      give(w);
      try {
        for (let next = answered[merged]; next !== undefined; next = answered[merged]) {
          next.forEach((check, i) => take(merged * size + i, check));
          answered[merged++] = undefined;
        }
      } catch (e) {
        settle(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (merged === chunks) settle();
    };
    for (let i = 0; i < Math.min(threads, chunks); i++) {
      const w = new Worker(script, { workerData: { options } });
      workers.push(w);
      w.on('message', (m: ChunkReply) => onReply(w, m));
      w.on('error', (e) => settle(new Error(`a worker thread of the check failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)));
      w.on('exit', (code) => settle(new Error(`a worker thread of the check stopped (exit ${code}) before the check was done`)));
      give(w);
    }
  });
}
