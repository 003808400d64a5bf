import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkPaths } from '../src/check/index.js';

/**
 * One side of `npm run bench pool` in a process of its own, as `auxbus check` runs: cold (the
 * module loading, the grammar and the JIT's warm-up are part of the run, in every thread).
 * `node pool-run.js FILE-LIST JOBS` prints one line of JSON: the CPU time of the whole process
 * (every thread, from its start), a hash of the result and its counts.
 */
const [listFile, jobs] = process.argv.slice(2);
const files = readFileSync(listFile!, 'utf8').split('\n').filter((f) => f !== '');
const run = await checkPaths(files, { jobs: Number(jobs) });
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({
  cpu: (cpu.user + cpu.system) / 1e6,
  hash: createHash('sha256').update(JSON.stringify(run)).digest('hex'),
  files: run.files, relevantFiles: run.relevantFiles, functions: run.functions, paths: run.paths, findings: run.findings.length, notAnalysed: run.notAnalysed.length,
})}\n`);
