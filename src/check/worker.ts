import { parentPort, workerData } from 'node:worker_threads';
import type { CheckSourceOptions, FileCheck } from './check.js';
import { checkFile } from './file-check.js';
import { LinkedFiles } from './link.js';

/**
 * A thread of `checkPaths`'s pool (pool.ts): it is handed chunks of file names and answers each
 * with the files' checks, in the chunk's order. Each thread loads the grammar once and keeps it.
 */

/** A chunk of files to check. */
export interface ChunkRequest {
  chunk: number;
  files: string[];
  /** Each file's siblings: the other `.c` files given from its directory (linked.ts). */
  siblings: string[][];
}

/** A chunk's answer: every file's check, or the error that stopped the chunk. */
export type ChunkReply = { chunk: number; results: FileCheck[] } | { chunk: number; error: string };

const port = parentPort;
if (port) {
  const options = (workerData as { options: CheckSourceOptions }).options;
  // A thread lives for one run: what it reads of the files given together is kept for that run.
  const files = new LinkedFiles();
  port.on('message', (m: ChunkRequest) => {
    void (async () => {
      try {
        const results: FileCheck[] = [];
        for (const [i, file] of m.files.entries()) results.push(await checkFile(file, options, { siblings: m.siblings[i] ?? [], self: file, files }));
        port.postMessage({ chunk: m.chunk, results } satisfies ChunkReply);
      } catch (e) {
        port.postMessage({ chunk: m.chunk, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies ChunkReply);
      }
    })();
  });
}
