import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterError, requireBool, requireInt, requireObject, type WorldEvent } from '../../machines/index.js';
import type { WorldPromela } from './generate.js';
import { SpinIncompleteError } from './errors.js';

/** What Spin's exhaustive search of a generated world found. */
export interface SpinResult {
  /** States stored: with no partial-order reduction, every reachable world state. */
  states: number;
  transitions: number;
  /** The violation codes some assertion failed with (our codes, not Promela names). */
  codes: string[];
  /** The first error's counterexample, as world calls (replayed from Spin's trail), and its code. */
  trail: { code: string; events: WorldEvent[] } | undefined;
  /** Translating, compiling and searching, in seconds. */
  seconds: number;
  /** The search alone, as pan reports it (its clock has 10 ms steps). */
  panSeconds: number;
  /** pan's total memory, in MiB as it reports it (the hash table included). */
  megabytes: number;
}

/** How to build and run the verifier. */
export interface SpinOptions {
  /** gcc's optimisation flag (default `-O2`; `-O0` compiles three times faster, for small worlds). */
  optimize?: '-O0' | '-O1' | '-O2' | '-O3';
  /** log2 of the hash table's slots (pan `-w`, default 24). */
  hashBits?: number;
  /** The search depth bound (pan `-m`, default 1,000,000); reaching it is an error, not a smaller count. */
  depth?: number;
  /**
   * Check the assertions (default true). False runs pan with `-A`: the same states, none of the
   * per-error output (millions of lines on a large world), so the time is the search's; no codes.
   */
  assertions?: boolean;
  /**
   * Cores for Spin's multicore search (`gcc -DNCORE=n`, default 1), which needs a model made with
   * `worldPromela(..., { multicore: true })` (no hidden variables).
   */
  cores?: number;
}

/** Whether `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs Spin exhaustively on a generated world: `spin -a`, the verifier compiled with `-DSAFETY
 * -DNOREDUCE` (no partial-order reduction, so every state is stored), `pan -c0` (on past every
 * error, so the whole space is searched), then once more stopping at the first error to replay its
 * trail with `spin -t`.
 * @example runSpin(worldPromela({ devices: 1 })).states
 */
export function runSpin(model: WorldPromela, options: SpinOptions = {}): SpinResult {
  requireObject('runSpin(model)', model, 'a model from worldPromela()');
  if (typeof model.text !== 'string' || !Array.isArray(model.events) || !(model.codes instanceof Map)) {
    throw new ParameterError('runSpin(model)', model, 'a model from worldPromela() ({ text, events, codes, ... })');
  }
  requireObject('runSpin(options)', options, 'an object { optimize?, hashBits?, depth?, assertions? }');
  // These end up in a command line: only the values they can take.
  const opt = options.optimize ?? '-O2';
  if (!['-O0', '-O1', '-O2', '-O3'].includes(opt)) throw new ParameterError('optimize', opt, 'one of -O0, -O1, -O2, -O3');
  const hash = `-w${requireInt('hashBits', options.hashBits ?? 24, 10, 40)}`;
  const depth = `-m${requireInt('depth', options.depth ?? 1_000_000, 1, 1_000_000_000)}`;
  if (options.assertions !== undefined) requireBool('assertions', options.assertions);
  const cores = requireInt('cores', options.cores ?? 1, 1, 64);
  if (cores > 1 && /^hidden /m.test(model.text)) throw new ParameterError('cores', cores, 'a model made with worldPromela(..., { multicore: true }) for a multicore search');
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-spin-'));
  try {
    writeFileSync(join(dir, 'world.pml'), model.text);
    const run = (cmd: string, args: string[]) => {
      try {
        return execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const out = e as { stdout?: string; stderr?: string };
        // Spin's own limits (a d_step longer than it takes, on large worlds) say so on stdout.
        throw new SpinIncompleteError(`${cmd} ${args.join(' ')} failed: ${`${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-3).join(' / ')}`);
      }
    };
    const started = performance.now();
    run('spin', ['-o2', '-a', 'world.pml']);
    run('gcc', [opt, '-DSAFETY', '-DNOREDUCE', '-DVECTORSZ=4096', ...(cores > 1 ? [`-DNCORE=${cores}`] : []), '-o', 'pan', 'pan.c']);
    // One line per error (13M lines, 1 GB, on the any-call world at K=3): only the first of each
    // violation is kept, in the pipe, by one pass of awk (a grep | sort -u of them took 150 s).
    const firstOfEach = `LC_ALL=C awk '/assertion violated/ { if (match($0, /violation_[A-Za-z0-9_]+/)) { k = substr($0, RSTART, RLENGTH); if (!(k in seen)) { seen[k] = 1; print } } next } { print }'`;
    const all = run('sh', ['-c', `./pan ${options.assertions === false ? '-A' : '-c0'} ${depth} ${hash} | ${firstOfEach}`]);
    if (/max search depth too small/.test(all)) throw new SpinIncompleteError(`max search depth too small (${depth}); raise SpinOptions.depth`);
    const seconds = (performance.now() - started) / 1000;
    const states = Number(/(\d+) states, stored/.exec(all)?.[1] ?? NaN);
    const transitions = Number(/(\d+) transitions \(= stored\+matched\)/.exec(all)?.[1] ?? NaN);
    const codes = new Set<string>();
    for (const m of all.matchAll(/!\((violation_\w+)\)/g)) codes.add(model.codes.get(m[1]!) ?? m[1]!);
    let trail: SpinResult['trail'];
    if (codes.size > 0) {
      // The trail of a single-core search: a multicore one leaves one per core, as Spin documents.
      if (cores > 1) run('gcc', [opt, '-DSAFETY', '-DNOREDUCE', '-DVECTORSZ=4096', '-o', 'pan', 'pan.c']);
      const first = run('./pan', [depth, hash]);
      const name = /assertion violated\s+!\((violation_\w+)\)/.exec(first)?.[1];
      if (name !== undefined && existsSync(join(dir, 'world.pml.trail'))) {
        const replay = run('spin', ['-t', 'world.pml']);
        const events = [...replay.matchAll(/EVENT (\d+)/g)].map((m) => model.events[Number(m[1])]!);
        trail = { code: model.codes.get(name) ?? name, events };
      }
    }
    const panSeconds = Number(/elapsed time ([0-9.e+-]+)/.exec(all)?.[1] ?? NaN);
    const megabytes = Number(/([0-9.]+)\s+total actual memory usage/.exec(all)?.[1] ?? NaN);
    return { states, transitions, codes: [...codes].sort(), trail, seconds, panSeconds, megabytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

