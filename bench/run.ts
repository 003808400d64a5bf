import { cpus, totalmem } from 'node:os';
import { formatResult, type BenchResult } from './measure.js';
import { benchRuntime } from './runtime.js';

/** `npm run bench`: every benchmark, each with its ratio against a baseline measured in this run. */
const results: BenchResult[] = [];
const only = process.argv[2];
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
if (!only || only === 'runtime') results.push(...benchRuntime(100_000));
for (const r of results) console.log(formatResult(r));
if (results.some((r) => r.met === false)) process.exitCode = 1;
