import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../machines/index.js';
import { checkPaths, listCheckFiles, MAX_CHECK_JOBS, type CheckRun, type FileCheck } from '../../src/check/index.js';
import { chunkSize, MAX_CHUNK_FILES, workerScript } from '../../src/check/pool.js';
import { BUILD_DIR } from '../cli/run.js';

/**
 * Issue 14 item 4: `checkPaths` in worker threads. The pool needs the compiled worker, so these
 * tests load the checker from the build global-setup.ts makes (the same tsc output as dist/);
 * run from the TypeScript sources the checker has no worker.js beside it and checks in its own
 * thread, which is tested too. Whatever the number of threads, the result, and the order in
 * which the callbacks see the files, are those of one thread.
 */

type Built = {
  checkPaths: typeof checkPaths;
  listCheckFiles: typeof listCheckFiles;
};
const built = (): Promise<Built> => import(pathToFileURL(join(BUILD_DIR, 'src/check/index.js')).href) as Promise<Built>;
const builtPool = (): Promise<{ workerScript: typeof workerScript }> => import(pathToFileURL(join(BUILD_DIR, 'src/check/pool.js')).href) as Promise<{ workerScript: typeof workerScript }>;

const CORPUS = join(import.meta.dirname, '../fixtures/check/corpus');
const dir = mkdtempSync(join(tmpdir(), 'auxbus-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The corpus spread over folders, with files that do not use the bus between them. */
function tree(): string {
  const root = join(dir, 'tree');
  const names = readdirSync(CORPUS).filter((f) => f.endsWith('.c')).sort();
  names.forEach((f, i) => {
    const sub = join(root, `d${i % 5}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, f), readFileSync(join(CORPUS, f)));
    writeFileSync(join(sub, `plain-${i}.c`), `static int plain${i}(int x)\n{\n\treturn x + ${i};\n}\n`);
  });
  writeFileSync(join(root, 'd0', 'empty.h'), '');
  return root;
}

describe('checkPaths in worker threads (issue 14 item 4)', () => {
  const root = tree();

  it('the build has the worker beside the pool; the TypeScript sources have none and check in their own thread', async () => {
    expect((await builtPool()).workerScript()).not.toBeNull();
    expect(workerScript()).toBeNull();
  });

  it('2 and 5 threads give exactly the result of 1 (findings, not analysed, assumptions, counts, in order), and the callbacks see the files in order', async () => {
    const { checkPaths: check, listCheckFiles: list } = await built();
    const files = list([root]);
    expect(files.length).toBeGreaterThan(150);
    const runs: Array<{ run: CheckRun; seen: string[]; done: number[]; checks: FileCheck[] }> = [];
    for (const jobs of [1, 2, 5]) {
      const seen: string[] = [];
      const done: number[] = [];
      const checks: FileCheck[] = [];
      const run = await check([root], {
        jobs, maxPaths: 4,
        onFileCheck: (file, c) => {
          seen.push(file);
          checks.push(c);
        },
        onFile: (_file, n) => done.push(n),
      });
      runs.push({ run, seen, done, checks });
    }
    const [one, ...more] = runs;
    expect(one!.run.findings.length).toBeGreaterThan(10);
    expect(one!.run.notAnalysed.length).toBeGreaterThan(0);
    expect(one!.seen).toEqual(files);
    expect(one!.done).toEqual(files.map((_, i) => i + 1));
    for (const r of more) {
      expect(JSON.stringify(r.run)).toBe(JSON.stringify(one!.run));
      expect(r.seen).toEqual(one!.seen);
      expect(r.done).toEqual(one!.done);
      expect(JSON.stringify(r.checks)).toBe(JSON.stringify(one!.checks));
    }
    // And the sources, checking in this thread whatever jobs says, agree with the build.
    const here = await checkPaths([root], { jobs: 4, maxPaths: 4 });
    expect(JSON.stringify(here)).toBe(JSON.stringify(one!.run));
  });

  it('a callback that throws stops the run with its own error, every thread stopped', async () => {
    const { checkPaths: check } = await built();
    const boom = new Error('boom from onFileCheck');
    let calls = 0;
    await expect(check([root], { jobs: 2, onFileCheck: () => {
      if (++calls === 3) throw boom;
    } })).rejects.toBe(boom);
    expect(calls).toBe(3);
  });

  it('jobs must be an integer from 1 to MAX_CHECK_JOBS: anything else is a ParameterError before any file is read', async () => {
    for (const jobs of [0, -1, 1.5, Number.NaN, MAX_CHECK_JOBS + 1, '2']) {
      await expect(checkPaths([root], { jobs: jobs as number }), String(jobs)).rejects.toBeInstanceOf(ParameterError);
    }
    await expect(checkPaths([root], { maxPaths: 0 })).rejects.toBeInstanceOf(ParameterError);
    await expect(checkPaths([root], { onFileCheck: 3 as never })).rejects.toBeInstanceOf(ParameterError);
  });

  it('chunks: at most MAX_CHUNK_FILES files, about 8 per thread on a small run, never empty', () => {
    expect(chunkSize(60_000, 2)).toBe(MAX_CHUNK_FILES);
    expect(chunkSize(160, 2)).toBe(10);
    expect(chunkSize(3, 2)).toBe(1);
  });
});

describe('the pre-filter comes first (file-check.ts)', () => {
  it('a file whose bytes never name the API is skipped whatever it is (empty, binary, over the size limit); one that names it and cannot be read is not analysed', async () => {
    const d = join(dir, 'prefilter');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'empty.c'), '');
    writeFileSync(join(d, 'blob.c'), Buffer.alloc(300, 0));
    writeFileSync(join(d, 'huge.h'), Buffer.alloc(3 * 1024 * 1024, 0x41));
    writeFileSync(join(d, 'huge-aux.h'), Buffer.concat([Buffer.from('auxiliary_device_init(x);\n'), Buffer.alloc(3 * 1024 * 1024, 0x41)]));
    const r = await checkPaths([d], { jobs: 1 });
    expect([r.files, r.relevantFiles]).toEqual([4, 1]);
    expect(r.notAnalysed.map((n) => [n.file.slice(d.length + 1), n.reason.split(':')[0]])).toEqual([['huge-aux.h', 'too-large']]);
  });
});
