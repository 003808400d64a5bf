import { cpus, totalmem } from 'node:os';
import { benchCheck } from './check.js';
import { benchAgainstXstate, benchLargest } from './explore.js';
import { formatResult, type BenchResult } from './measure.js';
import { benchIda } from './ida.js';
import { benchPool } from './pool.js';
import { benchRuntime } from './runtime.js';
import { benchStartup } from './startup.js';
import { benchSpin } from './spin.js';

/**
 * `npm run bench [runtime|ida|explore|check|pool|startup|spin]`: every benchmark, each with its ratio against a baseline
 * measured in this run, and whether it meets its target. Exits 1 when a target is not met.
 */
const only = process.argv[2];
if (only !== undefined && !['runtime', 'explore', 'ida', 'check', 'pool', 'startup', 'spin'].includes(only)) {
  console.error(`npm run bench: unknown benchmark '${only}'; expected runtime, ida, explore, check, pool, startup or spin`);
  process.exit(2);
}
const log = (line: string) => console.log(line);
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
const missed: string[] = [];

if (!only || only === 'runtime') {
  const results: BenchResult[] = benchRuntime(100_000);
  for (const r of results) console.log(formatResult(r));
  for (const r of results) if (r.met === false) missed.push(`${r.name}: ${r.target}`);
}

if (!only || only === 'ida') {
  console.log('\nIDA: 1M mixed lowest-free alloc/free operations:');
  for (const live of [100, 2000, 10_000]) {
    const results = await benchIda(1_000_000, live);
    for (const r of results) console.log(formatResult(r));
    for (const r of results) if (r.met === false) missed.push(`${r.name}: ${r.target}`);
  }
}

if (!only || only === 'explore') {
  console.log('\ncomposed-model exploration vs xstate/graph getShortestPaths (same world, any call):');
  const rows = benchAgainstXstate(15_000, log);
  const best = Math.max(...rows.map((r) => r.oursStatesPerSecond));
  const bestRow = rows.find((r) => r.oursStatesPerSecond === best)!;
  const worstRatio = Math.min(...rows.filter((r) => r.states >= 10_000).map((r) => r.ratio));
  console.log(`  ratio on models of 10k+ states: at least ${worstRatio.toFixed(0)}× (target 100×: ${worstRatio >= 100 ? 'met' : 'NOT met'})`);
  console.log(`  best rate: ${(best / 1e6).toFixed(3)} M states/s on ${bestRow.model} (distinct states stored per second of the whole call; target 1 M states/s: ${best >= 1e6 ? 'met' : 'NOT met'})`);
  const big = rows.filter((r) => r.states >= 100_000);
  if (big.length) console.log(`  on every model of 100k+ states: at least ${(Math.min(...big.map((r) => r.oursStatesPerSecond)) / 1e6).toFixed(3)} M states/s`);
  if (worstRatio < 100) missed.push('exploration: 100× xstate/graph');
  if (best < 1e6) missed.push('exploration: 1M states/s');
  console.log('\nlargest worlds explored exhaustively within 60 s (symmetry reduction on):');
  const largest = benchLargest(60, 16, log);
  for (const l of largest) {
    const done = l.perK.filter((p) => p.m !== undefined);
    const k = done.length ? done[done.length - 1]!.k : 0;
    const verdict = l.target ? `target K = 6: ${k >= 6 ? 'met' : 'NOT met'}` : `reference: a larger world than the target's, K = 6 ${k >= 6 ? 'within' : 'not within'} 60 s`;
    console.log(`  ${l.family}: ${done.map((p) => `K=${p.k} up to M=${p.m}`).join(', ')} (${verdict})`);
    if (l.target && k < 6) missed.push(`largest world (${l.family}): K = 6`);
  }
}

if (!only || only === 'check') {
  console.log('\nC checker, the whole check (read, pre-filter, parse, lower, run every path on the model) over generated C:');
  for (const r of await benchCheck(2000, log)) if (!r.met) missed.push(`check: ${r.name}: ${r.target} files/s`);
}

if (!only || only === 'pool') {
  console.log('\nauxbus check in one thread against the pool of worker threads, same files, same run:');
  for (const r of await benchPool(log)) if (!r.met) missed.push(`pool: ${r.name}: ${r.target === null ? '' : `under ${r.target} s, `}identical to one thread`);
}

if (!only || only === 'startup') {
  console.log('\nauxbus start-up, 10 processes each, against node -e 0 run as often in the same run:');
  for (const r of benchStartup(10, log)) if (r.met === false) missed.push(`startup: ${r.command}: ${r.target}×`);
}

if (!only || only === 'spin') {
  console.log('\nour world explorer against Spin on the same generated Promela (no symmetry: both store every state):');
  for (const r of benchSpin(log)) if (r.met === false) missed.push(`spin: ${r.world}: 1.5× Spin's states/s (measured ${r.ratio.toFixed(2)}×)`);
}

if (missed.length > 0) {
  console.log(`\ntargets not met: ${missed.join('; ')}`);
  process.exitCode = 1;
}
