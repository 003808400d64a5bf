import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorldEvent } from '../../machines/index.js';
import type { WorldPromela } from './generate.js';

/** What Spin's exhaustive search of a generated world found. */
export interface SpinResult {
  /** States stored: with no partial-order reduction, every reachable world state. */
  states: number;
  transitions: number;
  /** The violation codes some assertion failed with (our codes, not Promela names). */
  codes: string[];
  /** The first error's counterexample, as world calls (replayed from Spin's trail), and its code. */
  trail: { code: string; events: WorldEvent[] } | undefined;
  seconds: number;
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
export function runSpin(model: WorldPromela): SpinResult {
  const dir = mkdtempSync(join(tmpdir(), 'auxbus-spin-'));
  try {
    writeFileSync(join(dir, 'world.pml'), model.text);
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const started = performance.now();
    run('spin', ['-o2', '-a', 'world.pml']);
    run('gcc', ['-O2', '-DSAFETY', '-DNOREDUCE', '-DVECTORSZ=4096', '-o', 'pan', 'pan.c']);
    const all = run('./pan', ['-c0', '-m10000000', '-w24']);
    const seconds = (performance.now() - started) / 1000;
    const states = Number(/(\d+) states, stored/.exec(all)?.[1] ?? NaN);
    const transitions = Number(/(\d+) transitions \(= stored\+matched\)/.exec(all)?.[1] ?? NaN);
    const codes = new Set<string>();
    for (const m of all.matchAll(/assertion violated\s+!\((violation_\w+)\)/g)) codes.add(model.codes.get(m[1]!) ?? m[1]!);
    let trail: SpinResult['trail'];
    if (codes.size > 0) {
      const first = run('./pan', ['-m10000000', '-w24']);
      const name = /assertion violated\s+!\((violation_\w+)\)/.exec(first)?.[1];
      if (name !== undefined && existsSync(join(dir, 'world.pml.trail'))) {
        const replay = run('spin', ['-t', 'world.pml']);
        const events = [...replay.matchAll(/EVENT (\d+)/g)].map((m) => model.events[Number(m[1])]!);
        trail = { code: model.codes.get(name) ?? name, events };
      }
    }
    return { states, transitions, codes: [...codes].sort(), trail, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

